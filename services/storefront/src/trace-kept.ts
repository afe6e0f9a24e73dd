/**
 * `GET /api/traces/:traceId?waitMs=N`: whether Jaeger kept a trace. With tail sampling on
 * (TRACE_SAMPLING=tail, docs/sampling.md) Jaeger stores a trace only after its decision wait, and not at all
 * when no policy keeps it. The page asks here (the browser may not reach Jaeger's query API, only its UI)
 * and says "not kept by tail sampling" instead of leaving a dead "View trace" link.
 *
 * The server asks Jaeger once a second until the trace is there or `waitMs` (at most 30 s) has passed, so
 * the page makes one request per order. Answers `{"traceId", "kept": true|false}`; 503 naming jaeger when
 * Jaeger's query API does not answer. Neither this route nor its calls to Jaeger are traced (the route is
 * among the telemetry's untraced paths): they are about traces, not part of the checkout's.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { Router } from 'express';
import { z } from 'zod';
import { HttpError, validationError } from '@tracecart/http';

export const MAX_WAIT_MS = 30_000;
const POLL_MS = 1_000;

const traceIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex digits');
const querySchema = z.object({ waitMs: z.coerce.number().int().min(0).max(MAX_WAIT_MS).default(0) });

/** Whether Jaeger holds any span of the trace; throws when Jaeger cannot be asked. */
export async function traceStored(jaegerQueryUrl: string, traceId: string): Promise<boolean> {
  const response = await context.with(suppressTracing(context.active()), () =>
    fetch(new URL(`/api/v3/traces/${traceId}`, jaegerQueryUrl), { signal: AbortSignal.timeout(5_000) }),
  );
  const text = await response.text();
  if (response.status === 404) return false;
  if (!response.ok) throw new Error(`Jaeger answered ${response.status}`);
  // Jaeger's /api/v3 streams `{"result": {"resourceSpans": [...]}}` chunks; an empty trace has none.
  return /"spanId"\s*:/.test(text);
}

export function traceKeptRoutes(jaegerQueryUrl: string): Router {
  const router = Router();
  router.get('/api/traces/:traceId', async (request, response) => {
    const traceId = traceIdSchema.safeParse(String(request.params.traceId));
    if (!traceId.success) throw new HttpError(400, 'invalid_request', 'traceId: must be 32 lowercase hex digits', { field: 'traceId' });
    const query = querySchema.safeParse(request.query);
    if (!query.success) throw validationError(query.error);
    let gone = false;
    response.on('close', () => (gone = true));
    const deadline = Date.now() + query.data.waitMs;
    for (;;) {
      let kept: boolean;
      try {
        kept = await traceStored(jaegerQueryUrl, traceId.data);
      } catch {
        throw new HttpError(503, 'jaeger_unavailable', "Jaeger's query API does not answer: cannot tell whether the trace was kept", {
          down: 'jaeger',
        });
      }
      if (kept || gone || Date.now() + POLL_MS > deadline) {
        response.json({ traceId: traceId.data, kept });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  });
  return router;
}
