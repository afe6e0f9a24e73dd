/**
 * `pnpm load --rate <per second> --duration <seconds> [--rush-every <s>] [options]`: open-model load on the checkout.
 * Sends POST /checkout at a constant arrival rate computed from the start time (never waiting for earlier
 * answers), with varied carts drawn from the real catalog, then prints rate, latency percentiles, outcomes,
 * checkout-to-shipped latency and the slowest traces as Jaeger links; --json writes the same as JSON
 * (field names: load/tools/src/load/summary.ts).
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '@tracecart/config';
import { CatalogError } from './load/catalog';
import { LoadRun } from './load/generator';
import { DEFAULT_OPTIONS, type LoadOptions } from './load/options';
import { formatSummary } from './load/print-summary';
import { startProgress } from './load/progress';
import { markStoredTraces } from './load/stored-traces';
import { integer, number } from './cli-options';

interface CliOptions {
  rate: number;
  duration: number;
  json?: string;
  url?: string;
  declineShare: number;
  maxItems: number;
  shippedSample: number;
  shippedTimeout: number;
  shippedPoll: number;
  concurrencyCap: number;
  timeout: number;
  slowest: number;
  customers: number;
  seed?: number;
  quiet: boolean;
  rushEvery?: number;
  rushSize: number;
  rushLines: number;
}

export function buildProgram(): Command {
  return new Command('load')
    .description('Open-model load on POST /checkout of the order service (constant arrival rate, no coordinated omission).')
    .requiredOption('-r, --rate <perSecond>', 'target arrival rate, checkouts per second', number)
    .requiredOption('-d, --duration <seconds>', 'length of the send schedule', number)
    .option('--json <file>', 'also write the summary as JSON to this file')
    .option('--url <url>', 'order service base URL (default: ORDER_URL from the config)')
    .option('--decline-share <share>', 'share of carts paid with tok_chargeDeclined', number, DEFAULT_OPTIONS.declineShare)
    .option('--max-items <n>', 'most lines in a cart (1-50)', integer, DEFAULT_OPTIONS.maxItems)
    .option(
      '--shipped-sample <share>',
      'share of created orders whose checkout-to-shipped time is measured',
      number,
      DEFAULT_OPTIONS.shippedSample,
    )
    .option('--shipped-timeout <seconds>', 'deadline for a sampled order to turn SHIPPED', number, DEFAULT_OPTIONS.shippedTimeoutMs / 1000)
    .option('--shipped-poll <ms>', 'poll interval of GET /orders/:id', number, DEFAULT_OPTIONS.shippedPollMs)
    .option(
      '--concurrency-cap <n>',
      'most checkouts in flight; a request due beyond it is dropped and counted',
      integer,
      DEFAULT_OPTIONS.concurrencyCap,
    )
    .option('--timeout <seconds>', 'per-request timeout', number, DEFAULT_OPTIONS.timeoutMs / 1000)
    .option('--slowest <n>', 'how many of the slowest traces to list', integer, DEFAULT_OPTIONS.slowest)
    .option('--customers <n>', 'customers fetched for the carts (1-10000)', integer, DEFAULT_OPTIONS.customerLimit)
    .option('--seed <n>', 'seed the carts for a reproducible run', integer)
    .option('-q, --quiet', 'no progress line', false)
    .option(
      '--rush-every <seconds>',
      'a rush on top of the rate every N seconds: --rush-size checkouts due at once (default: no rushes)',
      number,
    )
    .option('--rush-size <n>', 'checkouts per rush', integer, 6)
    .option('--rush-lines <n>', 'lines of every rush cart (1-50)', integer, 30)
    .showHelpAfterError();
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    // --help and --version exit 0; every usage error exits 2 (commander already printed why).
    return (error as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const cli = program.opts<CliOptions>();

  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const abort = new AbortController();
  const options: LoadOptions = {
    url: cli.url ?? config.ORDER_URL,
    ratePerSec: cli.rate,
    durationSec: cli.duration,
    declineShare: cli.declineShare,
    maxItems: cli.maxItems,
    concurrencyCap: cli.concurrencyCap,
    timeoutMs: cli.timeout * 1000,
    shippedSample: cli.shippedSample,
    shippedPollMs: cli.shippedPoll,
    shippedTimeoutMs: cli.shippedTimeout * 1000,
    shippedMaxTracked: DEFAULT_OPTIONS.shippedMaxTracked,
    slowest: cli.slowest,
    jaegerUiUrl: config.JAEGER_UI_URL,
    customerLimit: cli.customers,
    seed: cli.seed,
    signal: abort.signal,
    ...(cli.rushEvery === undefined ? {} : { rush: { everySec: cli.rushEvery, size: cli.rushSize, lines: cli.rushLines } }),
  };

  let run: LoadRun;
  try {
    run = new LoadRun(options);
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) {
      process.stderr.write(`load: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\ninterrupted: stopping the schedule, waiting for requests in flight (Ctrl-C again to quit now)\n');
      abort.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);

  const progress = startProgress({
    stream: process.stderr,
    quiet: cli.quiet,
    targetPerSec: options.ratePerSec,
    take: () => run.takeProgress(),
  });
  try {
    const summary = await run.run();
    progress.stop();
    // Tail sampling may not keep a linked trace: say so rather than print a dead link.
    summary.slowest = await markStoredTraces(summary.slowest, config.JAEGER_QUERY_URL);
    process.stdout.write(`${formatSummary(summary)}\n`);
    if (cli.json) {
      writeFileSync(cli.json, `${JSON.stringify(summary, null, 2)}\n`);
      process.stderr.write(`summary written to ${cli.json}\n`);
    }
    return summary.interrupted ? 130 : 0;
  } catch (error) {
    progress.stop();
    if (error instanceof CatalogError) {
      process.stderr.write(`load: cannot fetch the catalog from ${options.url}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
