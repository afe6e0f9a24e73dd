/** Which incoming requests get no server span: the machines' polls, not the requests of a checkout. */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { isProbeRequest } from './instrumentations';

const request = (url: string) => ({ url }) as IncomingMessage;

describe('isProbeRequest', () => {
  it('leaves out probes, telemetry counts, the browser-span intake and the shop’s trace-kept wait', () => {
    for (const url of [
      '/healthz',
      '/readyz?x=1',
      '/internal/telemetry',
      '/otlp/v1/traces',
      '/api/traces/0123456789abcdef0123456789abcdef?waitMs=30000',
      '/api/traces/not-an-id',
    ]) {
      assert.equal(isProbeRequest(request(url)), true, url);
    }
  });

  it('traces everything else, the checkout and the page’s other calls among it', () => {
    for (const url of [
      '/checkout',
      '/api/checkout',
      '/api/status',
      '/api/orders/42',
      '/orders/42',
      '/api/traces',
      '/api/traces/a/b',
      '/healthzz',
    ]) {
      assert.equal(isProbeRequest(request(url)), false, url);
    }
  });
});
