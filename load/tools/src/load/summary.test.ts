/**
 * The summary: the rate arithmetic, and the CLI end to end (`load-cli.js --json`) against the local fake
 * service, with the JSON checked against the field list documented at the top of summary.ts both ways:
 * every documented field is present, every field present is documented.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startFakeOrderService, type FakeOrderService } from './fake-order-service';
import { rateFigures } from './summary';

describe('rateFigures', () => {
  it('gives exactly the target when every request went out on time', () => {
    // 500 requests at 100/s: the last is due at 4.99 s.
    const figures = rateFigures({
      ratePerSec: 100,
      scheduled: 500,
      sent: 500,
      dropped: 0,
      completed: 500,
      startAt: 1000,
      lastSendAt: 5990,
      lastDoneAt: 6010,
    });
    assert.equal(figures.achievedPerSec, 100);
    assert.equal(figures.sendWindowSec, 5);
    assert.equal(figures.throughputPerSec, Math.round((500 / 5.01) * 1000) / 1000);
  });

  it('gives less when the client fell behind or dropped requests', () => {
    const late = rateFigures({
      ratePerSec: 100,
      scheduled: 500,
      sent: 500,
      dropped: 0,
      completed: 500,
      startAt: 0,
      lastSendAt: 5490,
      lastDoneAt: 5500,
    });
    assert.ok(Math.abs(late.achievedPerSec - 500 / 5.5) < 0.001);
    const dropped = rateFigures({
      ratePerSec: 100,
      scheduled: 500,
      sent: 450,
      dropped: 50,
      completed: 450,
      startAt: 0,
      lastSendAt: 4990,
      lastDoneAt: 5000,
    });
    assert.equal(dropped.achievedPerSec, 90);
  });

  it('is zero when nothing was sent', () => {
    const none = rateFigures({
      ratePerSec: 100,
      scheduled: 5,
      sent: 0,
      dropped: 5,
      completed: 0,
      startAt: 0,
      lastSendAt: undefined,
      lastDoneAt: undefined,
    });
    assert.equal(none.achievedPerSec, 0);
    assert.equal(none.throughputPerSec, 0);
  });
});

interface Documented {
  /** Plain field paths, e.g. rate.sent or slowest[].traceId. */
  fields: Set<string>;
  /** Fields holding a Stats object or null. */
  statsFields: Set<string>;
  /** Fields holding a {"<key>": count} map. */
  mapFields: Set<string>;
  /** Keys of a Stats object. */
  statsKeys: Set<string>;
}

/** Reads the "JSON fields" list from the comment at the top of summary.ts. */
function documentedFields(): Documented {
  const source = readFileSync(path.join(__dirname, '..', '..', 'src', 'load', 'summary.ts'), 'utf8');
  const comment = source.slice(source.indexOf('JSON fields'), source.indexOf('*/'));
  const documented: Documented = { fields: new Set(), statsFields: new Set(), mapFields: new Set(), statsKeys: new Set() };
  for (const line of comment.split('\n')) {
    const match = /^ \* {3}(\S+) {2,}(.*)$/.exec(line);
    if (!match) continue;
    const [, name, description] = match as unknown as [string, string, string];
    if (name.startsWith('Stats.')) documented.statsKeys.add(name.slice('Stats.'.length));
    else if (description.startsWith('Stats of')) documented.statsFields.add(name);
    else if (description.startsWith('{"<')) documented.mapFields.add(name);
    else documented.fields.add(name);
  }
  return documented;
}

/** Every leaf path of the JSON, with arrays as `[]`, stopping at Stats and map fields. */
function leafPaths(value: unknown, documented: Documented, prefix = ''): string[] {
  if (documented.statsFields.has(prefix) || documented.mapFields.has(prefix)) return [prefix];
  if (Array.isArray(value)) return value.flatMap((item) => leafPaths(item, documented, `${prefix}[]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => leafPaths(child, documented, prefix === '' ? key : `${prefix}.${key}`));
  }
  return [prefix];
}

function valuesAt(root: unknown, fieldPath: string): unknown[] {
  let current: unknown[] = [root];
  for (const part of fieldPath.split('.')) {
    const array = part.endsWith('[]');
    const key = array ? part.slice(0, -2) : part;
    current = current.flatMap((node) => {
      if (!node || typeof node !== 'object' || !(key in node)) return [undefined];
      const child = (node as Record<string, unknown>)[key];
      return array ? (Array.isArray(child) ? (child as unknown[]) : [undefined]) : [child];
    });
  }
  return current;
}

const services: FakeOrderService[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), 'tracecart-load-'));
after(async () => {
  await Promise.all(services.map((service) => service.close()));
  rmSync(scratch, { recursive: true, force: true });
});

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = path.join(__dirname, '..', 'load-cli.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('load CLI', () => {
  it('writes a JSON summary whose fields are exactly the documented ones', async () => {
    const service = await startFakeOrderService({
      delayMs: 15,
      shipAfterMs: 100,
      answer: (seq, body) => {
        if (seq % 9 === 2) return { status: 500 };
        if (seq % 13 === 4) return { reset: true };
        return { status: body.payment?.token === 'tok_chargeDeclined' ? 402 : 201 };
      },
    });
    services.push(service);
    const jsonFile = path.join(scratch, 'summary.json');
    const args = ['--url', service.url, '--rate', '40', '--duration', '1', '--json', jsonFile, '--quiet'];
    args.push(
      '--decline-share',
      '0.2',
      '--shipped-sample',
      '1',
      '--shipped-poll',
      '30',
      '--shipped-timeout',
      '2',
      '--seed',
      '7',
      '--slowest',
      '5',
    );
    const { code, stdout, stderr } = await runCli(args, {
      JAEGER_UI_URL: 'http://jaeger.test:16686',
      JAEGER_QUERY_URL: 'http://127.0.0.1:9',
    });
    assert.equal(code, 0, stderr);
    assert.equal(stderr.trim(), `summary written to ${jsonFile}`, 'quiet: no progress line');

    const summary = JSON.parse(readFileSync(jsonFile, 'utf8')) as Record<string, unknown>;
    const documented = documentedFields();
    assert.ok(
      documented.fields.size > 30 && documented.statsFields.size >= 5 && documented.mapFields.size === 2 && documented.statsKeys.size === 8,
    );

    for (const field of documented.fields) {
      const values = valuesAt(summary, field);
      assert.ok(values.length > 0 && values.every((value) => value !== undefined), `documented field ${field} missing`);
    }
    for (const field of [...documented.statsFields, ...documented.mapFields]) {
      const [value] = valuesAt(summary, field);
      assert.notEqual(value, undefined, `documented field ${field} missing`);
    }
    for (const field of documented.statsFields) {
      const [value] = valuesAt(summary, field);
      assert.ok(value && typeof value === 'object', `${field} has samples in this run`);
      assert.deepEqual(new Set(Object.keys(value)), documented.statsKeys, `${field} keys`);
    }
    const known = new Set([...documented.fields, ...documented.statsFields, ...documented.mapFields]);
    for (const leaf of leafPaths(summary, documented)) assert.ok(known.has(leaf), `undocumented field ${leaf}`);

    // The content matches the server's record.
    const records = service.checkouts;
    const rate = summary.rate as { sent: number; scheduled: number };
    assert.equal(rate.scheduled, 40);
    assert.equal(rate.sent, records.length);
    const outcomes = summary.outcomes as { created: number; byStatus: Record<string, number>; networkErrors: Record<string, number> };
    assert.equal(outcomes.created, records.filter((r) => r.answered === 201).length);
    assert.deepEqual(outcomes.byStatus, { '500': records.filter((r) => r.answered === 500).length });
    assert.deepEqual(outcomes.networkErrors, { ECONNRESET: records.filter((r) => r.answered === 'reset').length });
    const slowest = summary.slowest as Array<{ jaegerUrl: string; traceId: string }>;
    assert.equal(slowest.length, 5);
    for (const trace of slowest) assert.equal(trace.jaegerUrl, `http://jaeger.test:16686/trace/${trace.traceId}`);
    assert.equal((summary.config as { seed: number }).seed, 7);

    // The text report says the same.
    assert.match(stdout, /target 40\/s {2}achieved \d+\.\d\/s/);
    assert.match(stdout, new RegExp(`201 created +${outcomes.created} `));
    assert.match(stdout, /500 status +\d+/);
    assert.match(stdout, /network ECONNRESET +\d+/);
    assert.match(stdout, /Checkout to shipped/);
    assert.ok(stdout.includes(slowest[0]!.jaegerUrl));
  });

  it('prints plain progress lines when stderr is not a terminal', async () => {
    const service = await startFakeOrderService({ delayMs: 5 });
    services.push(service);
    const { code, stderr } = await runCli(['--url', service.url, '--rate', '50', '--duration', '5.5', '--shipped-sample', '0'], {
      JAEGER_QUERY_URL: 'http://127.0.0.1:9',
    });
    assert.equal(code, 0, stderr);
    const lines = stderr.split('\n').filter((line) => line.includes('sent'));
    assert.equal(lines.length, 1, stderr);
    assert.ok(!stderr.includes('\r') && !stderr.includes('\x1b'), 'no terminal control characters');
    assert.match(lines[0]!, /^0:0[45] {2}sent \d+ {2}done \d+ {2}in-flight \d+ {2}rate \d+\.\d\/50\/s {2}p99 [\d.]+ms {2}errors 0/);
  });

  it('rejects bad arguments with exit code 2 and a message', async () => {
    const missing = await runCli(['--rate', '10']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--duration/);
    const zero = await runCli(['--rate', '0', '--duration', '1', '--url', 'http://127.0.0.1:1']);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /rate must be a positive number/);
    const notNumber = await runCli(['--rate', 'fast', '--duration', '1']);
    assert.equal(notNumber.code, 2);
    assert.match(notNumber.stderr, /not a number/);
  });

  it('exits 1 with the reason when the order service is unreachable', async () => {
    const service = await startFakeOrderService({ delayMs: 1 });
    const url = service.url;
    await service.close();
    const result = await runCli(['--url', url, '--rate', '10', '--duration', '1', '--quiet']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot fetch the catalog .*ECONNREFUSED/);
  });
});
