/**
 * `pnpm replicas-measure [--rate R] [--duration S] [--json F]`: what replicas cost on the running stack
 * (scripts/measure-replicas runs it with 1 and then 2 replicas; docs/scaling.md). With every pathology
 * off, an open-model load at R checkouts a second for S seconds, then prints:
 *  - checkouts per second answered 201/402, and the CPU milliseconds per checkout of order, payment and
 *    shipping (all their replicas) and HAProxy, from /proc;
 *  - the gap between order's client span `POST /payments` and payment's server span under it (both
 *    ends): the time between the two processes, which with replicas includes HAProxy's hop (HAProxy is
 *    not traced); compare the 1-replica run's gap (no HAProxy) with the 2-replica run's at p50 and p99;
 *  - the relays' publishes per outbox row: producer spans of order and shipping per paid checkout's two
 *    rows (order.paid, shipment.created); 1.0 means no row was published twice.
 * The figures are for a quiet machine: it prints `uptime`'s load average beside them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@tracecart/config';
import { JaegerClient, SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import { setAllScenarios, serviceUrls } from '@tracecart/stack-client';
import { cpuSnapshot, type CpuSnapshot } from './bench/cpu';
import { repoRoot } from './bench/stack-control';
import { Command } from 'commander';
import { positive } from './cli-options';
import { DEFAULT_OPTIONS } from './load/options';
import { runLoad } from './load/generator';
import { percentile } from '@tracecart/report';

async function replicaCount(): Promise<number> {
  return Number((await readFile(path.join(repoRoot, '.stack', 'run', 'replicas'), 'utf8').catch(() => '1')).trim()) || 1;
}

/** CPU seconds of HAProxy's process so far (0 without replicas). */
async function haproxySeconds(): Promise<number> {
  const pid = Number((await readFile(path.join(repoRoot, '.stack', 'run', 'haproxy.pid'), 'utf8').catch(() => '')).trim());
  if (!pid) return 0;
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!text) return 0;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Per checkout trace: the client-to-server gap of order's call to payment (ms, both ends together). */
function paymentHopGaps(spans: readonly FlatSpan[]): number[] {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const gaps: number[] = [];
  for (const server of spans) {
    if (server.service !== 'payment-service' || server.kind !== SpanKind.SERVER || server.name !== 'POST /payments') continue;
    const client = server.parentSpanId ? byId.get(server.parentSpanId) : undefined;
    if (!client || client.service !== 'order-service' || client.kind !== SpanKind.CLIENT) continue;
    gaps.push(server.startMs - client.startMs + (client.endMs - server.endMs));
  }
  return gaps;
}

const round = (value: number | undefined, digits = 2) => (value === undefined ? null : Math.round(value * 10 ** digits) / 10 ** digits);

interface MeasureOptions {
  rate: number;
  duration: number;
  json?: string;
}

async function main({ rate, duration, json }: MeasureOptions): Promise<void> {
  const config = loadConfig();
  const replicas = await replicaCount();
  await setAllScenarios(serviceUrls(config), config.SCENARIO_TOKEN, false);
  const jaeger = new JaegerClient(config.JAEGER_QUERY_URL, 30_000);
  const loadBefore = loadavg();
  const since = new Date();
  const cpuBefore: CpuSnapshot = await cpuSnapshot();
  const haproxyBefore = await haproxySeconds();
  const summary = await runLoad({
    ...DEFAULT_OPTIONS,
    url: config.ORDER_URL,
    ratePerSec: rate,
    durationSec: duration,
    jaegerUiUrl: config.JAEGER_UI_URL,
    shippedSample: 0,
    slowest: 0,
  });
  const cpuAfter = await cpuSnapshot();
  const haproxyAfter = await haproxySeconds();
  const checkouts = summary.outcomes.created + summary.outcomes.declined;
  const perCheckout = (seconds: number) => round(checkouts > 0 ? (seconds * 1000) / checkouts : undefined, 3);
  // Spans reach Jaeger in batches within seconds; the relays' publishes follow the checkouts.
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  const spans = await jaeger.search({ service: 'order-service', operation: 'POST /checkout', since, until: new Date(), limit: 5_000 });
  const gaps = paymentHopGaps(spans).sort((a, b) => a - b);
  const paidTraces = new Set(
    spans
      .filter(
        (span) =>
          span.service === 'order-service' && span.name === 'POST /checkout' && span.attributes['http.response.status_code'] === 201,
      )
      .map((span) => span.traceId),
  );
  const producers = spans.filter((span) => span.kind === SpanKind.PRODUCER && paidTraces.has(span.traceId)).length;
  const figures = {
    replicas,
    load_average_before: loadBefore.map((value) => round(value)),
    load_average_after: loadavg().map((value) => round(value)),
    rate_target_per_sec: rate,
    duration_sec: duration,
    checkouts_per_sec: round(checkouts / duration),
    errors: summary.outcomes.byStatus,
    latency_ms: summary.latencyMs ? { p50: round(summary.latencyMs.p50), p99: round(summary.latencyMs.p99) } : null,
    cpu_ms_per_checkout: {
      order: perCheckout(cpuAfter.order - cpuBefore.order),
      payment: perCheckout(cpuAfter.payment - cpuBefore.payment),
      shipping: perCheckout(cpuAfter.shipping - cpuBefore.shipping),
      haproxy: perCheckout(haproxyAfter - haproxyBefore),
      services_and_haproxy: perCheckout(
        cpuAfter.order -
          cpuBefore.order +
          cpuAfter.payment -
          cpuBefore.payment +
          cpuAfter.shipping -
          cpuBefore.shipping +
          haproxyAfter -
          haproxyBefore,
      ),
    },
    order_to_payment_gap_ms: { traces: gaps.length, p50: round(percentile(gaps, 50)), p99: round(percentile(gaps, 99)) },
    relay_publishes_per_row: {
      paid_traces: paidTraces.size,
      producer_spans: producers,
      per_row: round(paidTraces.size > 0 ? producers / (2 * paidTraces.size) : undefined, 3),
    },
  };
  console.log(JSON.stringify(figures, null, 2));
  if (json) await writeFile(json, `${JSON.stringify(figures, null, 2)}\n`);
}

const command = new Command('replicas-measure')
  .description(
    "Checkouts/s, CPU per checkout, the order→payment hop (HAProxy with replicas) and the relays' publishes per row, on the running stack.",
  )
  .option('--rate <n>', 'checkouts a second (open model)', positive, 20)
  .option('--duration <s>', 'seconds of load', positive, 30)
  .option('--json <file>', 'also write the figures to this file')
  .action(main);
command.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
