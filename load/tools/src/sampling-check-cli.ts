/**
 * `pnpm sampling-check [options] [--json [file]]`: measures what tail sampling keeps on the local stack
 * (load/tools/src/sampling/check.ts): per phase a fresh Jaeger, open-model checkouts with declines and a
 * pathology on, then every trace compared with what Jaeger kept. Restarts Jaeger (its stored traces are
 * lost) and restores the default afterwards. Run it on a quiet machine: it prints the load average.
 * Exit code 0 when every verdict holds, 1 otherwise.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '@tracecart/config';
import { resolveName } from '@tracecart/stack-client';
import { formatSamplingCheck, runSamplingCheck } from './sampling/check';
import { percent, positive } from './cli-options';

const program = new Command('sampling-check')
  .description(
    'What tail sampling keeps (docs/sampling.md): three phases of checkouts on a restarted Jaeger, every trace compared with what was stored.',
  )
  .option('--checkouts <n>', 'checkouts per phase', positive, 1_000)
  .option('--rate <perSecond>', 'arrival rate (40/s with a pathology on overloads a 2-core machine: 89 % errors, p99 43 s)', positive, 10)
  .option('--percent <p>', 'TAIL_SAMPLING_PERCENT for the measured phase', percent, 10)
  .option('--latency-ms <ms>', 'TAIL_SAMPLING_LATENCY_MS', positive, Number(process.env.TAIL_SAMPLING_LATENCY_MS ?? 1_000))
  .option('--decision-wait <seconds>', 'TAIL_SAMPLING_DECISION_WAIT in seconds', positive, 10)
  .option('--decline-share <share>', 'share of carts paid with tok_chargeDeclined', Number, 0.05)
  .option('--pathology <name>', "a pathology switched on for the run ('none' for none)", 'missing-index')
  .option('--json [file]', 'print JSON instead of text, or also write it to <file>')
  .action(
    async (options: {
      checkouts: number;
      rate: number;
      percent: number;
      latencyMs: number;
      decisionWait: number;
      declineShare: number;
      pathology: string;
      json?: string | boolean;
    }) => {
      const config = loadConfig();
      const log = (line: string) => process.stderr.write(`[sampling-check] ${line}\n`);
      const result = await runSamplingCheck(config, {
        checkouts: Math.round(options.checkouts),
        ratePerSec: options.rate,
        percent: options.percent,
        latencyMs: options.latencyMs,
        decisionWaitS: options.decisionWait,
        declineShare: options.declineShare,
        pathology: options.pathology === 'none' ? null : resolveName(options.pathology),
        log,
      });
      const json = `${JSON.stringify(result, null, 2)}\n`;
      if (options.json === true) process.stdout.write(json);
      else {
        if (typeof options.json === 'string') writeFileSync(options.json, json);
        process.stdout.write(formatSamplingCheck(result));
      }
      process.exitCode = Object.values(result.verdicts).every(Boolean) ? 0 : 1;
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`sampling-check: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
