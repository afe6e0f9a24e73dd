#!/usr/bin/env node
/**
 * `pnpm profile [--mode traced|untraced|both] [--rate N] [--seconds S]`: where the services' CPU goes.
 * Restarts order, payment, shipping and the partners stand-in with `node --cpu-prof` (every pathology off,
 * the stand-in answering at once, as in `pnpm bench`), sends checkouts at a fixed rate, restarts them
 * normally (which writes the profiles), and prints per service: CPU per checkout, the package families it
 * went to (OpenTelemetry, express, pg, amqplib, ...) and the functions with the most self time.
 * Against the local stack (`./scripts/stack up`); leaves the services as `stack up` starts them.
 * Measures: run it on a quiet machine. Wall-clock sampling: absolute figures run high against /proc CPU
 * (the bench's figure); the split is what it is for.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '@tracecart/config';
import { openModel } from './bench/drivers';
import { summariseProfile, type CpuProfile, type ProfileSummary } from './bench/cpuprofile';
import { loadAverage, readPid, repoRoot, restartServices, type Mode } from './bench/stack-control';
import { positive } from './cli-options';

const profiled = ['order', 'payment', 'shipping', 'partners'] as const;

interface ServiceProfile {
  service: string;
  /** Busy (non-idle) sampled ms per checkout in the measured window. */
  busy_ms_per_checkout: number;
  summary: ProfileSummary;
}

interface ModeProfile {
  mode: Mode;
  rate_per_s: number;
  seconds: number;
  checkouts: number;
  errors: number;
  p50_ms: number;
  load_average_before: [number, number, number];
  services: ServiceProfile[];
}

async function profileMode(
  mode: Mode,
  options: { rate: number; seconds: number; warmup: number; top: number; dir: string },
): Promise<ModeProfile> {
  const dir = path.join(options.dir, mode);
  await mkdir(dir, { recursive: true });
  const loadAverageBefore = loadAverage();
  const restartedAt = Date.now();
  await restartServices(mode, { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` });
  const pids = new Map(await Promise.all(profiled.map(async (service) => [await readPid(service), service] as const)));
  const orderUrl = loadConfig().ORDER_URL;
  await openModel({ orderUrl, rate: options.rate, durationS: options.warmup });
  // The profile starts with the process: skip its start-up and the warm-up (a little more than that, since
  // each process started after restartedAt).
  const fromMs = Date.now() - restartedAt;
  const run = await openModel({ orderUrl, rate: options.rate, durationS: options.seconds });
  // ... and leave out what follows the load (the shut-down on restart writes logs and the profile).
  const toMs = Date.now() - restartedAt;
  const checkouts = run.paid + run.declined;
  // A normal restart ends the profiled processes: each writes its profile on exit.
  await restartServices('default');
  const files = await readdir(dir);
  const services: ServiceProfile[] = [];
  for (const [pid, service] of pids) {
    const file = files.find((name) => name.split('.')[3] === String(pid) && name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile of ${service} (pid ${pid}) in ${dir}`);
    const summary = summariseProfile(JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CpuProfile, options.top, fromMs, toMs);
    services.push({ service, busy_ms_per_checkout: Math.round((summary.busy_ms / Math.max(1, checkouts)) * 1000) / 1000, summary });
  }
  return {
    mode,
    rate_per_s: options.rate,
    seconds: options.seconds,
    checkouts,
    errors: run.errors,
    p50_ms: run.latency.p50_ms,
    load_average_before: loadAverageBefore,
    services,
  };
}

function render(profile: ModeProfile): string {
  const lines = [
    `## ${profile.mode}: ${profile.checkouts} checkouts at ${profile.rate_per_s}/s for ${profile.seconds} s (${profile.errors} errors, p50 ${profile.p50_ms} ms), load average before ${profile.load_average_before.join(' ')}`,
  ];
  for (const { service, busy_ms_per_checkout, summary } of profile.services) {
    lines.push(
      '',
      `### ${service}: ${busy_ms_per_checkout} ms busy per checkout (${summary.busy_ms} ms busy of ${summary.total_ms} ms sampled)`,
      '',
      'incl%   ms/checkout  family',
    );
    for (const group of summary.groups) {
      lines.push(
        `${group.inclusive_pct_of_busy.toFixed(1).padStart(5)}  ${(group.busy_ms / Math.max(1, profile.checkouts)).toFixed(3).padStart(11)}  ${group.group}`,
      );
    }
    lines.push('', 'attr%  package (each sample once: its leaf, or the nearest package calling node internals)');
    for (const row of summary.packages.slice(0, 8)) lines.push(`${row.attributed_pct_of_busy.toFixed(1).padStart(5)}  ${row.package}`);
    lines.push('', 'self%  function (location)');
    for (const row of summary.top_self) lines.push(`${row.self_pct_of_busy.toFixed(1).padStart(5)}  ${row.function} (${row.location})`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const program = new Command('profile')
    .description('CPU profiles of the services under a fixed checkout rate, summarised by package family and function')
    .option('--mode <mode>', 'traced, untraced or both', 'both')
    .option('--rate <perSecond>', 'checkouts per second (keep it under saturation: see pnpm bench)', positive, 60)
    .option('--seconds <s>', 'length of the profiled window', positive, 25)
    .option('--warmup <s>', 'load before the profiled window (JIT, pools)', positive, 5)
    .option('--top <n>', 'functions listed per service', positive, 12)
    .option(
      '--dir <dir>',
      'where the .cpuprofile files go',
      path.join(repoRoot, '.stack', 'profiles', new Date().toISOString().replace(/[:.]/g, '-')),
    )
    .option('--json <file>', 'also write the summaries as JSON')
    .parse();
  const options = program.opts<{ mode: string; rate: number; seconds: number; warmup: number; top: number; dir: string; json?: string }>();
  if (!['traced', 'untraced', 'both'].includes(options.mode)) program.error('--mode: traced, untraced or both', { exitCode: 2 });
  const modes: Mode[] = options.mode === 'both' ? ['traced', 'untraced'] : [options.mode as Mode];
  const results: ModeProfile[] = [];
  for (const mode of modes) {
    const result = await profileMode(mode, { ...options, dir: options.dir });
    process.stdout.write(render(result));
    results.push(result);
  }
  process.stdout.write(`\nProfiles: ${options.dir}\n`);
  if (options.json)
    await writeFile(options.json, `${JSON.stringify({ generatedAt: new Date().toISOString(), profiles: results }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`profile: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
