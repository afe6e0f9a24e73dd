/**
 * Tools for the fuzz tests (fuzz-*.test.ts): an HTTP client that sends whatever it is given (any
 * method, path, header value or body bytes; a raw-socket variant for what node:http refuses to send),
 * fast-check arbitraries for hostile input, and the one verdict every answer must pass.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { before } from 'node:test';
import fc from 'fast-check';
import { allReady, pidOf } from './faults';
import { serviceNames, serviceUrl, type ServiceName } from './stack';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RawRequest {
  service: ServiceName;
  method: string;
  /** Already encoded path and query, e.g. `/orders/abc?x=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** Sends one request on a fresh connection; resolves with the answer, rejects when none came. */
export function send({ service, method, path, headers = {}, body }: RawRequest, timeoutMs = 15_000): Promise<RawAnswer> {
  const url = new URL(serviceUrl[service]);
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return new Promise((resolve, reject) => {
    let settled = false;
    const request = http.request(
      {
        host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname,
        port: Number(url.port),
        method,
        path,
        headers: payload === undefined ? headers : { 'content-length': String(payload.length), ...headers },
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          settled = true;
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', (error) => {
          if (!settled) reject(error);
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // The server may answer (413, 400) and close before the whole body is written: that is an answer.
    request.on('error', (error) => {
      if (!settled) setTimeout(() => !settled && reject(error), 200);
    });
    if (payload !== undefined) request.end(payload);
    else request.end();
  });
}

/** Writes raw bytes to the service's port and parses whatever HTTP answer comes back. */
export function sendRaw(service: ServiceName, bytes: Buffer | string, timeoutMs = 5_000): Promise<RawAnswer | undefined> {
  const url = new URL(serviceUrl[service]);
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(url.port) });
    const chunks: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRaw(Buffer.concat(chunks)));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const parsed = parseRaw(Buffer.concat(chunks));
      if (parsed && parsed.complete) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', () => socket.write(bytes));
  });
}

function parseRaw(buffer: Buffer): (RawAnswer & { complete: boolean }) | undefined {
  const text = buffer.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = buffer.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  return { status, headers, text: body.toString('utf8'), complete: length !== undefined && body.length >= length };
}

/** What every answer to hostile input must be: never a 5xx, and a JSON error body for a 4xx. */
export function assertSane(answer: RawAnswer, what: string): void {
  assert.ok(answer.status >= 200 && answer.status < 500, `${what}: answered ${answer.status} ${answer.text.slice(0, 300)}`);
  if (answer.status >= 400) {
    const type = String(answer.headers['content-type'] ?? '');
    assert.match(
      type,
      /^application\/json/,
      `${what}: ${answer.status} without a JSON content type (${type}): ${answer.text.slice(0, 200)}`,
    );
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      assert.fail(`${what}: ${answer.status} body is not JSON: ${answer.text.slice(0, 200)}`);
    }
    assert.equal(
      typeof (body as { error?: unknown }).error,
      'string',
      `${what}: ${answer.status} JSON body without an error code: ${answer.text.slice(0, 200)}`,
    );
  }
}

/** Cases tried, per property, for the figure the tests print. */
export const tally = new Map<string, number>();
export function count(name: string): void {
  tally.set(name, (tally.get(name) ?? 0) + 1);
}
export function tallyTotal(): number {
  return [...tally.values()].reduce((sum, n) => sum + n, 0);
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries: hostile strings, numbers and headers.

export const sqlInjections = [
  "'; DROP TABLE orders; --",
  "'; DROP TABLE payments; --",
  "'; DROP TABLE shipments; --",
  "' OR '1'='1",
  "1; DELETE FROM customers WHERE '1'='1",
  "cust-00001' --",
  "cust-00001'/*",
  '" OR ""="',
  '1) OR pg_sleep(10)--',
  "'; SELECT pg_sleep(10); --",
  '$1',
  "\\'; COPY orders TO PROGRAM 'id'; --",
  "%' AND 1=0 UNION SELECT NULL--",
] as const;

export const nasties = [
  '',
  ' ',
  '\u0000',
  'cust-\u0000001',
  'tok_\u0000',
  '\ud800',
  '\udfff\ud800',
  '💳🛒🚚',
  'Ω≈ç√∫˜µ≤≥÷',
  '\u202etxt.exe',
  'ЀЁЂЃ',
  '𝕿𝖗𝖆𝖈𝖊𝖈𝖆𝖗𝖙',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x1F',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  'a'.repeat(65),
  'x'.repeat(10_000),
] as const;

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 2, arbitrary: fc.constantFrom(...sqlInjections) },
  { weight: 2, arbitrary: fc.constantFrom(...nasties) },
  { weight: 1, arbitrary: fc.string({ minLength: 60, maxLength: 300 }) },
  // Control characters, NUL above all (PostgreSQL text cannot hold it), mixed into id-like text.
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom('\u0000', '\u0001', '\b', '\u001b', '\u007f', '\u0085', 'a', '0', '-'),
      minLength: 1,
      maxLength: 12,
    }),
  },
);

export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.integer({ min: -3, max: 120 }),
  fc.double(),
  fc.constantFrom(0, -0, 0.5, 1.005, 99.999, 1e21, -1e21, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e308, 5e-324),
  fc.bigInt().map((value) => value.toString()),
  hostileString,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

/** Any JSON value, or one of the above where a value of a known type is expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));

/** W3C traceparent values: valid ones, near misses, and garbage. */
export const traceparent: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(hex(32), hex(16), fc.constantFrom('00', '01', '02', 'ff', '0g')).map(([t, s, f]) => `00-${t}-${s}-${f}`),
  fc.tuple(fc.constantFrom('00', '01', 'ff', 'zz', '0', '000'), hex(32), hex(16)).map(([v, t, s]) => `${v}-${t}-${s}-01`),
  fc.constantFrom(
    '00-00000000000000000000000000000000-0000000000000000-01',
    '00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    '00--00f067aa0ba902b7-01',
    '-'.repeat(55),
    '',
    ' ',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01, 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b8-01',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
  fc.string({ maxLength: 2_000 }),
);

export const tracestate: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 })), { maxLength: 40 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join(',')),
  fc.constantFrom(
    'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    '=,=,=',
    ',,,,',
    'a'.repeat(600),
    Array.from({ length: 64 }, (_, i) => `k${i}=v`).join(','),
    'key=val\u00ff',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
);

export const baggage: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 60 })), { maxLength: 30 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v};prop`).join(',')),
  fc.constantFrom('user.role=admin', 'k=%ZZ', 'k=%', '=v', ';;;', `big=${'v'.repeat(2_000)}`, 'a=1,'.repeat(200)),
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
);

/** A header value node:http will send: no CR, LF or NUL; everything else may be hostile. */
export function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, (char) => (char.charCodeAt(0) > 0xff ? '?' : ''));
}

/** Optional hostile trace context headers for any request. */
export const traceHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record({ traceparent, tracestate, baggage }, { requiredKeys: [] })
  .map((headers) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, headerSafe(value)])));

/** One path segment: encoded hostile text, raw broken escapes, or near-valid ids. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileString.map((value) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '?'))) },
  { weight: 2, arbitrary: fc.uuid().map((value) => value) },
  { weight: 1, arbitrary: fc.uuid().map((value) => value.toUpperCase()) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%',
      '%zz',
      '%E0%A4%A',
      '%00',
      '%C0%AF',
      '..%2F..%2Fetc%2Fpasswd',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '00000000-0000-0000-0000-00000000000g',
      '{00000000-0000-0000-0000-000000000000}',
      '00000000000000000000000000000000',
      encodeURIComponent("'; DROP TABLE orders; --"),
      'a'.repeat(3_000),
    ),
  },
);

/** The value of a `limit=` query parameter, and sometimes the parameter more than once. */
export const limitQuery: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((value) => `limit=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '?'))}`),
  fc.integer({ min: -20_000, max: 20_000 }).map((n) => `limit=${n}`),
  fc.constantFrom(
    'limit=',
    'limit',
    'limit=1&limit=2',
    'limit[]=5',
    'limit[a]=1',
    'limit=1e3',
    'limit=0x10',
    'limit=%20',
    'limit=%',
    'limit=1.5',
    'limit=10000',
    'limit=10001',
    'limit=-0',
    'limit=Infinity',
    `limit=${'9'.repeat(400)}`,
  ),
);

/**
 * Records each service's pid before the suite (a `before` hook of the calling describe); the function it
 * returns asserts every service is still ready with the same pid: none crashed or restarted.
 */
export function watchServices(): () => Promise<void> {
  const pids = new Map<ServiceName, number | undefined>();
  before(async () => {
    assert.ok(await allReady(), 'stack ready before fuzzing');
    for (const service of serviceNames) pids.set(service, pidOf(service));
  });
  return async () => {
    assert.ok(await allReady(), 'every service still ready');
    for (const service of serviceNames) assert.equal(pidOf(service), pids.get(service), `${service} never crashed or restarted`);
  };
}
