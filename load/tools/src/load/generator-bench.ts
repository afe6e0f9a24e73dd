/**
 * Benchmark of the load generator itself (not a unit test): runs it against the fake order service with a
 * known delay, in a separate process so the two do not share an event loop, at several rates, and prints
 * target vs achieved rate and the client-side overhead:
 *   - send lag: scheduled → actual send (how well the schedule is kept),
 *   - overhead: service time − the server's known delay (client + loopback + the fake's own HTTP handling),
 *   - CPU of the generator process (% of one core) and its event-loop delay.
 *
 *   node load/tools/dist/load/generator-bench.js [--rates 100,300,500,700] [--duration 10] [--delay 20]
 *
 * Exits 1 when a rate up to 500/s is not held within 1%.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { runLoad } from './generator';
import { DEFAULT_OPTIONS } from './options';
import type { LoadSummary } from './summary';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

async function startServer(delayMs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'fake-order-service.js'), '--delay', String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake order service exited (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

const fixed = (value: number | null | undefined, digits = 1): string =>
  value === undefined || value === null ? '-' : value.toFixed(digits);

function row(summary: LoadSummary, delayMs: number): string[] {
  const { rate } = summary;
  const deviation = ((rate.achievedPerSec - rate.targetPerSec) / rate.targetPerSec) * 100;
  return [
    String(rate.targetPerSec),
    fixed(rate.achievedPerSec, 2),
    `${deviation >= 0 ? '+' : ''}${deviation.toFixed(2)}%`,
    `${rate.sent}/${rate.scheduled}`,
    String(rate.dropped + summary.outcomes.errors),
    fixed(summary.latencyMs?.p50),
    fixed(summary.latencyMs?.p99),
    fixed(summary.serviceTimeMs && summary.serviceTimeMs.p50 - delayMs, 2),
    fixed(summary.serviceTimeMs && summary.serviceTimeMs.p99 - delayMs, 2),
    fixed(summary.sendLagMs?.p50, 2),
    fixed(summary.sendLagMs?.p99, 2),
    fixed(summary.sendLagMs?.max, 1),
    fixed(summary.client.cpuPercent),
    fixed(summary.client.eventLoopDelayP99Ms, 1),
  ];
}

const HEADER = [
  'target/s',
  'achieved/s',
  'dev',
  'sent',
  'drop+err',
  'lat p50',
  'lat p99',
  'ovh p50',
  'ovh p99',
  'lag p50',
  'lag p99',
  'lag max',
  'cpu %',
  'loop p99',
];

function table(rows: string[][]): string {
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [HEADER, ...rows].map((r) => r.map((cell, i) => cell.padStart(widths[i]!)).join('  ')).join('\n');
}

async function main(): Promise<number> {
  const rates = argument('--rates', '100,300,500,700').split(',').map(Number);
  const durationSec = Number(argument('--duration', '10'));
  const delayMs = Number(argument('--delay', '20'));
  const server = await startServer(delayMs);
  const rows: string[][] = [];
  let missed = false;
  try {
    process.stdout.write(
      `generator bench: ${durationSec}s per rate, fake order service delay ${delayMs}ms (separate process), node ${process.version}\n`,
    );
    for (const ratePerSec of rates) {
      const load = loadavg()[0]!.toFixed(2);
      const summary = await runLoad({
        ...DEFAULT_OPTIONS,
        url: server.url,
        ratePerSec,
        durationSec,
        shippedSample: 0,
        jaegerUiUrl: 'http://localhost:16686',
        seed: ratePerSec,
      });
      rows.push(row(summary, delayMs));
      process.stdout.write(`  ${ratePerSec}/s done (1-min load average before: ${load})\n`);
      const deviation = Math.abs(summary.rate.achievedPerSec - ratePerSec) / ratePerSec;
      if (ratePerSec <= 500 && deviation > 0.01) missed = true;
    }
  } finally {
    server.child.kill();
  }
  process.stdout.write(`\n${table(rows)}\n`);
  process.stdout.write(
    '\nlat: latency from the scheduled send (ms); ovh: service time minus the server delay (ms); lag: scheduled → actual send (ms);\n' +
      'cpu: load generator process, % of one core; loop p99: its event-loop delay (ms).\n',
  );
  if (missed) process.stdout.write('A rate up to 500/s was not held within 1%.\n');
  return missed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
