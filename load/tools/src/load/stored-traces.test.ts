/** The summary's "not kept" note: a fake Jaeger that holds one trace and not another, and no Jaeger at all. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { markStoredTraces, storedNote } from './stored-traces';

const kept = 'a'.repeat(32);
const dropped = 'b'.repeat(32);
const server = createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  if (request.url === `/api/v3/traces/${kept}`) {
    response.end(
      JSON.stringify({
        result: {
          resourceSpans: [
            {
              resource: { attributes: [] },
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: kept,
                      spanId: '1'.repeat(16),
                      name: 'POST /checkout',
                      kind: 2,
                      startTimeUnixNano: '1',
                      endTimeUnixNano: '2',
                    },
                  ],
                },
              ],
            },
          ],
        },
      }),
    );
  } else {
    response.statusCode = 404;
    response.end(JSON.stringify({ error: { httpCode: 404, message: 'No traces found' } }));
  }
});
let url = '';

before(async () => {
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const slow = (traceId: string) => ({ traceId, latencyMs: 900, status: 201, orderId: null, jaegerUrl: `http://ui/trace/${traceId}` });

describe('markStoredTraces', () => {
  it('marks a stored trace, and one Jaeger still lacks after the wait as not kept', async () => {
    const marked = await markStoredTraces([slow(kept), slow(dropped)], url, 300, 100);
    assert.deepEqual(
      marked.map((trace) => trace.stored),
      [true, false],
    );
    assert.equal(storedNote(marked[0]!), '');
    assert.match(storedNote(marked[1]!), /not kept by Jaeger: tail sampling/);
  });

  it('says when Jaeger cannot be asked', async () => {
    const marked = await markStoredTraces([slow(kept)], 'http://127.0.0.1:9', 60_000);
    assert.equal(marked[0]!.stored, null);
    assert.match(storedNote(marked[0]!), /not reachable/);
  });
});
