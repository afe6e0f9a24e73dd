/**
 * The internal credential: `/internal/telemetry` answers loopback callers and holders of the token only
 * (another host without it gets 401, with a wrong one 403), and a service recognises a caller of ours.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { HttpError } from './errors';
import { INTERNAL_TOKEN_HEADER, holdsInternalCredential, loopbackOrInternalCredential, requireInternalCredential } from './credentials';

const token = randomBytes(24).toString('hex');

function request(remoteAddress: string, headers: Record<string, string> = {}): Request {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { socket: { remoteAddress }, headers: lower, get: (name: string) => lower[name.toLowerCase()] } as unknown as Request;
}

/** What the middleware passes to next(): undefined to let the request through, else the HTTP error. */
function outcome(middleware: ReturnType<typeof loopbackOrInternalCredential>, given: Request): HttpError | undefined {
  let passed: unknown = 'not called';
  middleware(given, {} as never, (error?: unknown) => {
    passed = error;
  });
  assert.notEqual(passed, 'not called', 'the middleware always calls next');
  return passed as HttpError | undefined;
}

describe('loopbackOrInternalCredential (/internal/telemetry)', () => {
  const guard = loopbackOrInternalCredential(token);

  it('lets loopback callers in without a credential', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) assert.equal(outcome(guard, request(address)), undefined, address);
  });

  it('refuses another host without the credential (401) or with a wrong one (403)', () => {
    for (const address of ['10.0.0.7', '172.18.0.5', '::ffff:192.168.1.20', '2001:db8::1']) {
      const missing = outcome(guard, request(address));
      assert.ok(missing instanceof HttpError, address);
      assert.equal(missing.status, 401, address);
      const wrong = outcome(guard, request(address, { [INTERNAL_TOKEN_HEADER]: `${token}x` }));
      assert.ok(wrong instanceof HttpError, address);
      assert.equal(wrong.status, 403, address);
    }
  });

  it('lets another host in with the credential', () => {
    assert.equal(outcome(guard, request('172.18.0.5', { [INTERNAL_TOKEN_HEADER]: token })), undefined);
  });

  it('requireInternalCredential does not make an exception for loopback', () => {
    const strict = requireInternalCredential(token);
    assert.equal(outcome(strict, request('127.0.0.1'))?.status, 401);
    assert.equal(outcome(strict, request('127.0.0.1', { [INTERNAL_TOKEN_HEADER]: token })), undefined);
  });
});

describe('holdsInternalCredential', () => {
  const message = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;

  it('is true for the exact token only', () => {
    assert.equal(holdsInternalCredential(message({ [INTERNAL_TOKEN_HEADER]: token }), token), true);
    assert.equal(holdsInternalCredential(message({}), token), false);
    assert.equal(holdsInternalCredential(message({ [INTERNAL_TOKEN_HEADER]: '' }), token), false);
    assert.equal(holdsInternalCredential(message({ [INTERNAL_TOKEN_HEADER]: token.slice(1) }), token), false);
    assert.equal(holdsInternalCredential(message({ [INTERNAL_TOKEN_HEADER]: [token, token] }), token), false);
  });
});
