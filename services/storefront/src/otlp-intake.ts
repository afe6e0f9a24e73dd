/**
 * `POST /otlp/v1/traces`: the browser's spans, on their way to Jaeger. Jaeger's OTLP port stays closed
 * to browsers; this path lets through only what the shop's page sends: OTLP/JSON whose every resource is
 * service `storefront-web`, at most INTAKE_BODY_LIMIT per request and INTAKE_REQUESTS_PER_MINUTE per
 * client. Anything else gets a 4xx JSON error and never reaches Jaeger, so no web page can write
 * arbitrary spans (or spans in another service's name) into it.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { Router, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { HttpError } from '@tracecart/http';

export const BROWSER_SERVICE_NAME = 'storefront-web';
/** A page's batch of a few hundred spans is well under this. */
export const INTAKE_BODY_LIMIT = '256kb';
export const INTAKE_REQUESTS_PER_MINUTE = 120;

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `must be ${length} hex digits`);
const nanos = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]);
const attribute = z.object({ key: z.string().min(1).max(256), value: z.looseObject({}) });

const span = z.looseObject({
  traceId: hex(32),
  spanId: hex(16),
  parentSpanId: z.union([hex(16), z.literal('')]).optional(),
  name: z.string().min(1).max(512),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  attributes: z.array(attribute).max(128).optional(),
});

const resourceSpans = z.looseObject({
  resource: z.looseObject({ attributes: z.array(attribute).max(128) }),
  scopeSpans: z.array(z.looseObject({ spans: z.array(span).max(2_048) })).max(64),
});

export const otlpTraceRequest = z.object({ resourceSpans: z.array(resourceSpans).min(1).max(16) }).strict();
export type OtlpTraceRequest = z.infer<typeof otlpTraceRequest>;

function serviceName(resource: OtlpTraceRequest['resourceSpans'][number]['resource']): unknown {
  const entry = resource.attributes.find((attribute) => attribute.key === 'service.name');
  return entry?.value.stringValue;
}

/**
 * The request's spans when they are all the browser's, else the HttpError to answer. Pure, so the unit
 * tests can try every refusal without a server.
 */
export function checkBrowserSpans(contentType: string | undefined, body: unknown): OtlpTraceRequest {
  if (!/^application\/json\b/i.test(contentType ?? '')) {
    throw new HttpError(415, 'unsupported_media_type', 'send OTLP/JSON with Content-Type: application/json');
  }
  const parsed = otlpTraceRequest.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.join('.') || '(body)';
    throw new HttpError(400, 'invalid_otlp', `not an OTLP/JSON trace request: ${field}: ${first?.message ?? 'invalid'}`, { field });
  }
  for (const [index, entry] of parsed.data.resourceSpans.entries()) {
    const name = serviceName(entry.resource);
    if (name !== BROWSER_SERVICE_NAME) {
      throw new HttpError(403, 'service_not_allowed', `only spans of service ${BROWSER_SERVICE_NAME} are accepted here`, {
        field: `resourceSpans.${index}.resource.attributes.service.name`,
      });
    }
  }
  return parsed.data;
}

export function otlpIntake(otlpEndpoint: string, requestsPerMinute = INTAKE_REQUESTS_PER_MINUTE): Router {
  const router = Router();
  const target = new URL('/v1/traces', otlpEndpoint).href;
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: requestsPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: ((_request, _response, next) => {
      next(new HttpError(429, 'too_many_requests', `at most ${requestsPerMinute} span batches a minute per client`));
    }) satisfies RequestHandler,
  });
  router.post('/otlp/v1/traces', limiter, async (request, response) => {
    const spans = checkBrowserSpans(request.get('content-type'), request.body);
    let answer: Response;
    try {
      // Forwarding spans is not a span itself (it would make a trace per batch of the browser's spans).
      answer = await context.with(suppressTracing(context.active()), () =>
        fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(spans),
          signal: AbortSignal.timeout(10_000),
        }),
      );
    } catch {
      throw new HttpError(503, 'jaeger_unavailable', 'Jaeger does not answer; the spans were dropped', { down: 'jaeger' });
    }
    if (!answer.ok) {
      throw new HttpError(502, 'jaeger_refused', `Jaeger answered ${answer.status}; the spans were dropped`, { down: 'jaeger' });
    }
    response.json({ partialSuccess: {} });
  });
  return router;
}
