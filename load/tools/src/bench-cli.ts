#!/usr/bin/env node
/**
 * `pnpm bench [--json <file>] [--quick]`: what tracing costs on the local stack (see BENCHMARKS.md).
 * Needs the stack running (`./scripts/stack up`); restarts the services between traced and untraced runs.
 */
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { defaultOptions, runBench } from './bench/bench';
import { positive, positiveInteger } from './cli-options';

const program = new Command()
  .name('bench')
  .description('Throughput, latency, span loss and memory of the checkout, traced against untraced')
  .option('--json <file>', 'write the full result as JSON to this file')
  .option('--quick', 'a few hundred checkouts, both modes (the smoke test)')
  .option('--rounds <n>', 'traced/untraced pairs', positiveInteger)
  .option('--concurrency <n>', 'closed-loop workers at saturation', positiveInteger)
  .option('--saturation-seconds <s>', 'length of each saturation run', positive)
  .option('--fixed-rate-seconds <s>', 'length of each fixed-rate run', positive)
  .option('--fixed-rate <perSecond>', 'rate of the latency runs (default: half the traced saturation rate)', positive)
  .option('--loss-checkouts <n>', 'checkouts in the span-loss run', positiveInteger)
  .option('--loss-rate <perSecond>', 'rate of the span-loss run', positive)
  .option('--skip-loss', 'no span-loss run')
  .option('--no-fresh-jaeger', 'keep Jaeger running (and its stored traces) before the span-loss run')
  .option('--no-restore', 'leave the services in the last mode instead of restarting them as `stack up` does')
  .addOption(new Option('--service-env <pairs...>', 'KEY=VALUE for the services, e.g. NODE_OPTIONS=--cpu-prof'))
  .parse();

const opts = program.opts<{
  json?: string;
  quick?: boolean;
  rounds?: number;
  concurrency?: number;
  saturationSeconds?: number;
  fixedRateSeconds?: number;
  fixedRate?: number;
  lossCheckouts?: number;
  lossRate?: number;
  skipLoss?: boolean;
  freshJaeger: boolean;
  restore: boolean;
  serviceEnv?: string[];
}>();

async function main(): Promise<void> {
  const options = defaultOptions(Boolean(opts.quick));
  options.log = (line) => console.error(`[bench] ${line}`);
  if (opts.rounds) options.rounds = opts.rounds;
  if (opts.concurrency) options.concurrency = opts.concurrency;
  if (opts.saturationSeconds) options.saturationS = opts.saturationSeconds;
  if (opts.fixedRateSeconds) options.fixedRateS = opts.fixedRateSeconds;
  if (opts.fixedRate) options.fixedRate = opts.fixedRate;
  if (opts.lossCheckouts) options.lossCount = opts.lossCheckouts;
  if (opts.lossRate) options.lossRate = opts.lossRate;
  if (opts.skipLoss) options.skipLoss = true;
  if (!opts.freshJaeger) options.freshJaeger = false;
  options.restore = opts.restore;
  for (const pair of opts.serviceEnv ?? []) {
    const at = pair.indexOf('=');
    if (at > 0) options.serviceEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const result = await runBench(options);
  const json = JSON.stringify(result, null, 2);
  if (opts.json) await writeFile(opts.json, `${json}\n`);
  const s = result.summary;
  console.log(
    [
      `throughput traced ${result.checkouts_per_s_traced}/s, untraced ${result.checkouts_per_s_untraced}/s, ratio ${result.throughput_ratio}` +
        ` (stack CPU per checkout ${s.stack_cpu_ms_per_checkout_at_saturation.traced} ms traced, ${s.stack_cpu_ms_per_checkout_at_saturation.untraced} ms untraced: ratio ${result.cpu_throughput_ratio})`,
      `at ${s.fixed_rate_per_s}/s: p50 traced ${s.p50_ms_at_half_rate_traced} ms, untraced ${s.p50_ms_at_half_rate_untraced} ms, ratio ${result.p50_ratio}; p99 traced ${result.p99_ms_at_half_rate} ms`,
      `spans emitted ${result.spans_emitted}, in Jaeger ${result.spans_in_jaeger}`,
      `RSS under load (traced): ${Object.entries(result.rss_mb)
        .map(([name, value]) => `${name} ${'load_traced' in value ? value.load_traced : ''}`)
        .join(', ')} MiB`,
      `targets: ${Object.entries(result.targets)
        .map(([name, met]) => `${name} ${met ? 'met' : 'MISSED'}`)
        .join('; ')}`,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
