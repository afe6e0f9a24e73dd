/**
 * The outbox against the real PostgreSQL and RabbitMQ: an event written inside a span is published
 * with that span's trace context, deleted only after the broker confirmed it, and kept while the
 * broker cannot take it; no transaction, lock or pooled connection is held while a publish waits.
 */
import { testSpans } from './test-telemetry';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import pg from 'pg';
import { SpanKind, trace } from '@opentelemetry/api';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { connectBroker, type Broker } from './broker';
import { EVENTS_EXCHANGE } from './topology';
import { OUTBOX_LEASE_SQL, OUTBOX_TABLE_SQL, startOutboxRelay, writeOutboxRow } from './outbox';

const config = loadConfig();
const logger = createLogger('outbox-test', 'silent');
const database = 'tracecart_test_outbox';
const settings = { host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD };

describe('transactional outbox (real PostgreSQL and RabbitMQ)', () => {
  let pool: pg.Pool;
  let broker: Broker;
  let probe: amqp.ChannelModel;
  let probeChannel: amqp.Channel;
  let probeQueue: string;

  before(async () => {
    const admin = new pg.Client({ ...settings, database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    pool = new pg.Pool({ ...settings, database, max: 4 });
    await pool.query(OUTBOX_TABLE_SQL);
    await pool.query(OUTBOX_LEASE_SQL);
    broker = await connectBroker({ url: config.RABBITMQ_URL, prefetch: 10, deliveryLimit: 5, logger });
    probe = await amqp.connect(config.RABBITMQ_URL);
    probeChannel = await probe.createChannel();
    probeQueue = (await probeChannel.assertQueue('', { exclusive: true })).queue;
    await probeChannel.bindQueue(probeQueue, EVENTS_EXCHANGE, 'test.outbox');
  });

  after(async () => {
    await probe.close();
    await broker.close();
    await pool.end();
  });

  async function nextMessage(timeoutMs = 5_000): Promise<amqp.GetMessage> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const message = await probeChannel.get(probeQueue, { noAck: true });
      if (message) return message;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no message arrived');
  }

  it('publishes a committed event with the trace context of the span that wrote it', async () => {
    const relay = startOutboxRelay({ pool, broker, logger, pollMs: 100 });
    const tracer = trace.getTracer('test');
    const traceId = await tracer.startActiveSpan('writer', async (span) => {
      const client = await pool.connect();
      await client.query('BEGIN');
      await writeOutboxRow(client, 'test.outbox', { hello: 'world' });
      await client.query('COMMIT');
      client.release();
      span.end();
      return span.spanContext().traceId;
    });
    relay.kick();
    const message = await nextMessage();
    await relay.stop();
    assert.deepEqual(JSON.parse(message.content.toString()), { hello: 'world' });
    assert.equal(message.properties.deliveryMode, 2, 'persistent');
    const traceparent = String(message.properties.headers?.traceparent ?? '');
    assert.equal(traceparent.split('-')[1], traceId, 'the message continues the writer trace');
    const producer = testSpans.getFinishedSpans().find((span) => span.kind === SpanKind.PRODUCER || span.kind === SpanKind.CLIENT);
    assert.ok(producer, 'the publish made a producer span');
    assert.equal(producer.spanContext().traceId, traceId, 'the producer span joins the writer trace, though published later by the relay');
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    assert.equal(rows[0]!.n, 0, 'published rows are deleted');
  });

  it('does not publish an event whose transaction rolled back', async () => {
    const client = await pool.connect();
    await client.query('BEGIN');
    await writeOutboxRow(client, 'test.outbox', { rolled: 'back' });
    await client.query('ROLLBACK');
    client.release();
    const relay = startOutboxRelay({ pool, broker, logger, pollMs: 50 });
    assert.equal(await relay.drainOnce(), 0);
    await relay.stop();
    assert.equal(await probeChannel.get(probeQueue, { noAck: true }), false);
  });

  it('keeps events while the broker cannot take them, and publishes them later', async () => {
    const unreachable: Broker = {
      ...broker,
      publish: async () => {
        throw new Error('RabbitMQ is not connected');
      },
    };
    const client = await pool.connect();
    await client.query('BEGIN');
    await writeOutboxRow(client, 'test.outbox', { kept: 1 });
    await writeOutboxRow(client, 'test.outbox', { kept: 2 });
    await client.query('COMMIT');
    client.release();
    const failing = startOutboxRelay({ pool, broker: unreachable, logger, pollMs: 50 });
    await failing.drainOnce();
    await failing.stop();
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    assert.equal(rows[0]!.n, 2, 'nothing lost while the broker is away');
    const relay = startOutboxRelay({ pool, broker, logger, pollMs: 50 });
    const first = JSON.parse((await nextMessage()).content.toString()) as { kept: number };
    const second = JSON.parse((await nextMessage()).content.toString()) as { kept: number };
    await relay.stop();
    assert.deepEqual([first.kept, second.kept].sort(), [1, 2]);
  });
  it('holds no transaction, row lock or pooled connection while a publish waits for its confirm', { timeout: 60_000 }, async () => {
    await pool.query('DELETE FROM outbox');
    let release!: () => void;
    const confirm = new Promise<void>((resolve) => {
      release = resolve;
    });
    let waiting!: () => void;
    const publishing = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    // A broker whose confirm does not come until the test says so (as under a memory alarm).
    const stalled: Broker = {
      ...broker,
      publish: async () => {
        waiting();
        await confirm;
      },
    };
    const client = await pool.connect();
    await client.query('BEGIN');
    await writeOutboxRow(client, 'test.outbox', { stalled: true });
    await client.query('COMMIT');
    client.release();
    const single = new pg.Pool({ ...settings, database, max: 1 });
    const observer = new pg.Client({ ...settings, database });
    await observer.connect();
    try {
      const relay = startOutboxRelay({ pool: single, broker: stalled, logger, pollMs: 50 });
      const pass = relay.drainOnce();
      await publishing;
      assert.equal(single.totalCount - single.idleCount, 0, 'the relay gave its pooled connection back before waiting on the broker');
      const open = await observer.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'",
        [database],
      );
      assert.equal(open.rows[0]!.n, 0, 'no transaction open across the broker wait');
      // NOWAIT fails at once (55P03) if another session holds the row's lock.
      const locked = await observer.query('SELECT id FROM outbox FOR UPDATE NOWAIT');
      assert.equal(locked.rowCount, 1, 'the row is not locked while its publish waits');
      release();
      assert.equal(await pass, 1);
      await relay.stop();
      const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      assert.equal(rows[0]!.n, 0, 'deleted once confirmed');
    } finally {
      release();
      await observer.end();
      await single.end();
    }
  });

  it('two relays over one table lease disjoint rows: each row is published once', { timeout: 60_000 }, async () => {
    await pool.query('DELETE FROM outbox');
    while (await probeChannel.get(probeQueue, { noAck: true })) {
      // drain what earlier tests left
    }
    const rows = 300;
    const client = await pool.connect();
    await client.query('BEGIN');
    for (let n = 0; n < rows; n++) await writeOutboxRow(client, 'test.outbox', { n });
    await client.query('COMMIT');
    client.release();
    const counts = { a: 0, b: 0 };
    // Small batches, so the two relays' passes interleave many times.
    const a = startOutboxRelay({ pool, broker, logger, pollMs: 10, batchSize: 7, owner: 'relay-a', onPublished: (n) => (counts.a += n) });
    const b = startOutboxRelay({ pool, broker, logger, pollMs: 10, batchSize: 7, owner: 'relay-b', onPublished: (n) => (counts.b += n) });
    const seen = new Map<number, number>();
    const deadline = Date.now() + 30_000;
    while (seen.size < rows && Date.now() < deadline) {
      const message = await probeChannel.get(probeQueue, { noAck: true });
      if (!message) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const { n } = JSON.parse(message.content.toString()) as { n: number };
      seen.set(n, (seen.get(n) ?? 0) + 1);
    }
    await a.stop();
    await b.stop();
    // Anything published twice would have arrived by now (both relays stopped after their last pass).
    for (
      let message = await probeChannel.get(probeQueue, { noAck: true });
      message;
      message = await probeChannel.get(probeQueue, { noAck: true })
    ) {
      const { n } = JSON.parse(message.content.toString()) as { n: number };
      seen.set(n, (seen.get(n) ?? 0) + 1);
    }
    assert.equal(seen.size, rows, 'every row published');
    assert.deepEqual(
      [...seen.values()].filter((times) => times > 1),
      [],
      'no row published twice',
    );
    assert.equal(counts.a + counts.b, rows, "the relays' own counters add up to the rows");
    assert.ok(counts.a > 0 && counts.b > 0, `both relays worked (a ${counts.a}, b ${counts.b})`);
  });
});
