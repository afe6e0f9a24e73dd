/**
 * `node load/tools/dist/burst-cli.js [--only <scenario> | --all-off] [--count 40] [--concurrency 8] [--lines 3] [--record file]`
 *
 * A bounded burst of checkouts for measurements: optionally sets the pathology switches first, runs the
 * checkouts, waits until their traces are complete in Jaeger, and prints the window to give `pnpm report`.
 * With --record it also writes the burst's traces (trimmed OTLP JSON) as a report fixture.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '@tracecart/config';
import { pathologyNames } from '@tracecart/lab-catalogue';
import { runCheckoutBurst, traceIdsOf } from './burst/checkout-burst';
import { rawTraces, waitForCheckoutTraces } from './burst/collect';
import { trimOtlp } from './burst/trim';
import { percentile } from '@tracecart/report';
import { resolveName, serviceUrls, switchScenarios } from '@tracecart/stack-client';
import { positiveInteger } from './cli-options';

interface BurstCliOptions {
  only?: string;
  allOff?: boolean;
  count: number;
  concurrency: number;
  lines: number;
  record?: string;
  wait: boolean;
}

async function main(options: BurstCliOptions): Promise<void> {
  const config = loadConfig();
  const urls = serviceUrls(config);
  let scenario = 'switches as they are';
  if (options.only || options.allOff) {
    const only = options.only ? resolveName(options.only) : undefined;
    await switchScenarios(
      urls,
      config.SCENARIO_TOKEN,
      pathologyNames.filter((name) => name !== only),
      false,
    );
    if (only) await switchScenarios(urls, config.SCENARIO_TOKEN, [only], true);
    scenario = only ? `only ${only} on` : 'all off';
  }
  const burst = await runCheckoutBurst({
    orderUrl: config.ORDER_URL,
    count: options.count,
    concurrency: options.concurrency,
    lines: options.lines,
  });
  const latencies = burst.outcomes.map((outcome) => outcome.latencyMs);
  const statuses = new Map<number, number>();
  for (const outcome of burst.outcomes) statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
  const since = new Date(burst.startedAt.getTime() - 1_000).toISOString();
  const until = new Date(burst.endedAt.getTime() + 1_000).toISOString();
  console.log(`${options.count} checkouts, ${options.concurrency} in flight, ${options.lines} line(s) each (${scenario})`);
  console.log(
    `  answers: ${[...statuses].map(([status, count]) => `${status === 0 ? 'no answer' : `HTTP ${status}`} ×${count}`).join(', ')}`,
  );
  console.log(`  client latency: p50 ${percentile(latencies, 50)!.toFixed(1)} ms, p95 ${percentile(latencies, 95)!.toFixed(1)} ms`);
  const traceIds = traceIdsOf(burst);
  if (options.wait || options.record) {
    const spans = await waitForCheckoutTraces(config.JAEGER_QUERY_URL, traceIds);
    console.log(`  ${new Set(spans.map((span) => span.traceId)).size}/${traceIds.length} traces in Jaeger`);
  }
  if (options.record) {
    const traces = (await rawTraces(config.JAEGER_QUERY_URL, traceIds)).map(trimOtlp);
    const fixture = {
      description: `${options.count} checkouts, ${options.concurrency} in flight, ${options.lines} line(s) each, ${scenario}`,
      recordedAt: new Date().toISOString(),
      burst: { count: options.count, concurrency: options.concurrency, lines: options.lines, scenario },
      traces,
    };
    writeFileSync(options.record, `${JSON.stringify(fixture)}\n`);
    console.log(`  recorded ${traces.length} traces to ${options.record}`);
  }
  console.log(`  report: pnpm report --since ${since} --until ${until}`);
}

const command = new Command('burst')
  .description('A bounded burst of checkouts against the running stack, for measurements and fixtures.')
  .option('--only <scenario>', `switch every pathology off except this one, which is switched on (${pathologyNames.join(', ')})`)
  .option('--all-off', 'switch every pathology off first')
  .option('--count <n>', 'checkouts in all', positiveInteger, 40)
  .option('--concurrency <n>', 'checkouts in flight at once', positiveInteger, 8)
  .option('--lines <n>', 'cart lines per checkout', positiveInteger, 3)
  .option('--record <file>', 'write the burst’s traces (trimmed OTLP JSON) to this file')
  .option('--no-wait', 'do not wait for the traces to be complete in Jaeger')
  .action(async (options: BurstCliOptions) => {
    if (options.only && options.allOff) throw new InvalidArgumentError('--only and --all-off exclude each other');
    await main(options);
  });

command.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`burst: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
