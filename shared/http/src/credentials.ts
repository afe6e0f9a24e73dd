/**
 * Shared secrets between the services: payment's endpoints are for the order service only, and
 * `/internal/telemetry` for the lab. The caller sends `x-tracecart-internal-token: <INTERNAL_TOKEN>`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { HttpError } from './errors';

export const INTERNAL_TOKEN_HEADER = 'x-tracecart-internal-token';

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a request carries the internal credential: one of our services calling (e.g. the shop calling order). */
export function holdsInternalCredential(request: IncomingMessage, token: string): boolean {
  const given = request.headers[INTERNAL_TOKEN_HEADER];
  return typeof given === 'string' && given !== '' && sameSecret(given, token);
}

function credentialProblem(request: Request, token: string): HttpError | undefined {
  const given = request.get(INTERNAL_TOKEN_HEADER) ?? '';
  if (!given) return new HttpError(401, 'unauthorized', `internal endpoint: send ${INTERNAL_TOKEN_HEADER}: <INTERNAL_TOKEN>`);
  if (!sameSecret(given, token)) return new HttpError(403, 'forbidden', 'wrong internal token');
  return undefined;
}

/** Only callers holding the internal token (service-to-service calls). */
export function requireInternalCredential(token: string): RequestHandler {
  return (request, _response, next) => next(credentialProblem(request, token));
}

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Callers on the same host (the local stack's lab), or anyone holding the internal token. */
export function loopbackOrInternalCredential(token: string): RequestHandler {
  return (request, _response, next) => {
    if (loopback.has(request.socket.remoteAddress ?? '')) return next();
    next(credentialProblem(request, token));
  };
}
