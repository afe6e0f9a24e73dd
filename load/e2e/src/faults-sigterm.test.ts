/**
 * Graceful shutdown: the order service gets SIGTERM (`stack stop order`) while checkouts are in
 * flight. Every request that got an answer got a complete one, no request was dropped half-way (an
 * order exists only for a request that was answered), and Jaeger holds the trace of every answered
 * checkout: the spans were flushed before the process exited.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { drillHooks, attemptCheckout, pidOf, sleep, someBody, orderIdsByKey, stack, type Attempt } from './faults';
import { jaeger, setScenario, type CheckoutBody } from './stack';

interface Sent {
  key: string;
  body: CheckoutBody;
  startedAt: number;
  endedAt: number;
  attempt: Attempt;
}

describe('SIGTERM to the order service during checkouts', { timeout: 180_000 }, () => {
  drillHooks(async () => {
    // A slow fraud check keeps checkouts in flight long enough to be caught by the signal.
    await setScenario('missing-index', true);
  });

  it('answers completely what it answers, drops nothing half-way, and flushes the spans of every answered checkout', async () => {
    const pid = pidOf('order');
    assert.ok(pid, 'order runs');
    const sent: Sent[] = [];
    let running = true;
    const workers = Array.from({ length: 8 }, async () => {
      while (running) {
        const key = `sigterm-${randomUUID()}`;
        const body = someBody();
        const startedAt = Date.now();
        const attempt = await attemptCheckout(body, { 'idempotency-key': key }, 30_000);
        sent.push({ key, body, startedAt, endedAt: Date.now(), attempt });
        if (attempt.kind === 'no-answer') await sleep(100);
      }
    });
    let signalledAt = 0;
    let exitedAt = 0;
    try {
      await sleep(2_000);
      signalledAt = Date.now();
      await stack('stop', 'order');
      exitedAt = Date.now();
      await sleep(300);
    } finally {
      running = false;
      await Promise.all(workers);
      await stack('start', 'order');
    }
    assert.equal(pidOf('order') !== pid, true, 'a new process serves after the restart');

    const answered = sent.filter((entry) => entry.attempt.kind === 'answer');
    const inFlight = answered.filter((entry) => entry.startedAt < signalledAt && entry.endedAt > signalledAt);
    console.log(
      `[reliability] SIGTERM drill: ${sent.length} checkouts sent, ${answered.length} answered (${inFlight.length} of them in flight at the signal), shutdown took ${exitedAt - signalledAt} ms`,
    );
    assert.ok(inFlight.length > 0, 'some checkouts were in flight when the signal came');

    // Complete answers only: a final status and the whole JSON body.
    for (const entry of answered) {
      const attempt = entry.attempt as Extract<Attempt, { kind: 'answer' }>;
      assert.ok([201, 402].includes(attempt.status), `answer ${attempt.status}: ${attempt.text}`);
      assert.match(String(attempt.body.orderId), /^[0-9a-f-]{36}$/, `complete body: ${attempt.text}`);
      assert.match(String(attempt.body.traceId), /^[0-9a-f]{32}$/, `complete body: ${attempt.text}`);
    }

    // Nothing dropped half-way: an order exists exactly for the answered requests.
    const orderOf = await orderIdsByKey(sent.map((entry) => entry.key));
    for (const entry of sent) {
      if (entry.attempt.kind === 'answer') assert.equal(orderOf.get(entry.key), entry.attempt.body.orderId, `key ${entry.key}`);
      else
        assert.equal(orderOf.get(entry.key) ?? null, null, `request ${entry.key} got no answer (${entry.attempt.error}) but made an order`);
    }

    // The trace of every answered checkout is in Jaeger, with the order service's server span.
    const missing: string[] = [];
    for (const entry of answered) {
      const traceId = String((entry.attempt as Extract<Attempt, { kind: 'answer' }>).body.traceId);
      const spans = await jaeger.waitForTrace(
        traceId,
        (found) => found.some((span) => span.service === 'order-service' && span.name === 'POST /checkout'),
        entry.endedAt > signalledAt ? 15_000 : 5_000,
      );
      if (!spans.some((span) => span.service === 'order-service' && span.name === 'POST /checkout')) missing.push(traceId);
    }
    assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered checkouts have no trace in Jaeger`);
  });
});
