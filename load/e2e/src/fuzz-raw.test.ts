/**
 * Fuzzing below node:http's client: raw bytes on a socket, for what a well-behaved client never
 * sends — control characters and NUL in traceparent / tracestate / baggage, header blocks past the
 * size limit, broken request lines, conflicting framing. The server's own parser refuses these before
 * any route runs; the answer must still be a 4xx with a JSON error body, and no service may fall over.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { assertSane, baggage, count, sendRaw, tally, tallyTotal, traceparent, tracestate, watchServices } from './fuzz';
import type { ServiceName } from './stack';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * RUNS)), endOnFailure: true });

/** A header value with raw bytes a compliant client would never send (CR and LF kept out: framing). */
const rawHeaderValue = fc
  .oneof(
    traceparent,
    tracestate,
    baggage,
    fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u0007', '\u001f', '\u007f', '\u00ff', 'a', '-', '0'), maxLength: 60 }),
    fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  )
  .map((value) => value.replace(/[\r\n]/g, ''));

function request(method: string, path: string, headers: Array<[string, string]>, body = ''): Buffer {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...headers.map(([name, value]) => `${name}: ${value}`),
  ];
  if (body) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1');
}

const targets: Array<[ServiceName, string, string]> = [
  ['order', 'POST', '/checkout'],
  ['order', 'GET', '/orders/00000000-0000-4000-8000-000000000000'],
  ['order', 'GET', '/customers?limit=2'],
  ['payment', 'POST', '/payments'],
  ['shipping', 'GET', '/shipments/00000000-0000-4000-8000-000000000000'],
  ['order', 'GET', '/readyz'],
];

describe('fuzzing the HTTP layer with raw bytes', { timeout: 300_000 }, () => {
  const stillStanding = watchServices();
  after(async () => {
    console.log(`[reliability] fuzz (raw HTTP): ${tallyTotal()} cases tried, 0 answered 5xx: ${JSON.stringify(Object.fromEntries(tally))}`);
  });

  it('trace context headers with control characters, NUL and high bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.subarray(['traceparent', 'tracestate', 'baggage'], { minLength: 1 }),
        fc.array(rawHeaderValue, { minLength: 3, maxLength: 3 }),
        async ([service, method, path], names, values) => {
          const headers = names.map((name, index) => [name, values[index]!] as [string, string]);
          const body = method === 'POST' ? '{}' : '';
          const answer = await sendRaw(service, request(method, path, headers, body));
          count('trace headers (raw)');
          assert.ok(answer, `${service} ${method} ${path}: no answer at all`);
          assertSane(answer, `${method} ${path} with ${JSON.stringify(headers)}`);
        },
      ),
      runs(300),
    );
    await stillStanding();
  });

  it('broken request lines, oversized header blocks and conflicting framing', async () => {
    const cases: Array<[string, Buffer]> = [
      ['header block over the limit', request('GET', '/readyz', [['traceparent', 'x'.repeat(20_000)]])],
      ['baggage over the limit', request('POST', '/checkout', [['baggage', `k=${'v'.repeat(70_000)}`]], '{}')],
      [
        'many headers',
        request(
          'GET',
          '/readyz',
          Array.from({ length: 3_000 }, (_, i) => [`x-h${i}`, 'v'] as [string, string]),
        ),
      ],
      ['URL over the limit', request('GET', `/orders/${'a'.repeat(20_000)}`, [])],
      ['NUL in the path', Buffer.from('GET /orders/\u0000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1')],
      ['space in the path', Buffer.from('GET /orders/a b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1')],
      ['garbage request line', Buffer.from('\u0001\u0002\u0003 / HTTP/1.1\r\n\r\n', 'latin1')],
      ['unknown method', Buffer.from('BREW /checkout HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1')],
      ['HTTP/9.9', Buffer.from('GET /readyz HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1')],
      ['bare LF line endings', Buffer.from('GET /readyz HTTP/1.1\nHost: x\nConnection: close\n\n', 'latin1')],
      ['header without a colon', Buffer.from('GET /readyz HTTP/1.1\r\nHost: x\r\ntraceparent\r\nConnection: close\r\n\r\n', 'latin1')],
      ['space before the colon', Buffer.from('GET /readyz HTTP/1.1\r\nHost: x\r\ntraceparent : 00\r\nConnection: close\r\n\r\n', 'latin1')],
      [
        'obsolete line folding',
        Buffer.from('GET /readyz HTTP/1.1\r\nHost: x\r\ntracestate: a=b,\r\n c=d\r\nConnection: close\r\n\r\n', 'latin1'),
      ],
      [
        'two Content-Lengths',
        Buffer.from(
          'POST /checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}',
          'latin1',
        ),
      ],
      [
        'Content-Length and chunked',
        Buffer.from(
          'POST /checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
          'latin1',
        ),
      ],
      [
        'bad chunk size',
        Buffer.from(
          'POST /checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
          'latin1',
        ),
      ],
      [
        'negative Content-Length',
        Buffer.from(
          'POST /checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}',
          'latin1',
        ),
      ],
      [
        'body over the limit',
        Buffer.from(
          `POST /checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${200 * 1024 + 2}\r\nConnection: close\r\n\r\n"${'a'.repeat(200 * 1024)}"`,
          'latin1',
        ),
      ],
      [
        'gzip that is not gzip',
        Buffer.from(
          'POST /checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope',
          'latin1',
        ),
      ],
      [
        'unknown Content-Encoding',
        Buffer.from(
          'POST /checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: br2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
          'latin1',
        ),
      ],
    ];
    const failures: string[] = [];
    for (const service of ['order', 'payment', 'shipping'] as const) {
      for (const [name, bytes] of cases) {
        const answer = await sendRaw(service, bytes);
        count('malformed HTTP (raw)');
        try {
          assert.ok(answer, 'an answer');
          assertSane(answer, `${service}: ${name}`);
        } catch (error) {
          failures.push(`${service}: ${name}: ${(error as Error).message.split('\n')[0]}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    await stillStanding();
  });
});
