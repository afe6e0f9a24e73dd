/**
 * What the benchmark does to the local stack: restart the three services traced or untraced, restart
 * Jaeger, read each service's resident memory, describe the machine.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { serviceNames, type ServiceName } from '@tracecart/stack-client';

export type Mode = 'traced' | 'untraced';

/** The repository root (this file is load/tools/dist/bench/stack-control.js once built). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

function runStack(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts', 'stack'), ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`scripts/stack ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

/** Environment for a service started in a mode; `extra` (e.g. NODE_OPTIONS for --cpu-prof) is added. */
export function modeEnv(mode: Mode | 'default', extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (mode === 'default') return env;
  env.OTEL_SDK_DISABLED = mode === 'untraced' ? 'true' : 'false';
  env.SCENARIOS_AT_START = 'off';
  // The third parties' stand-in answers at once: their latencies are I/O waits, not CPU, and at
  // saturation they would cap a closed loop of N workers at N / (their sum) checkouts/s.
  for (const [key, value] of Object.entries(partnerLatencies)) env[key] = extra[key] ?? value;
  return env;
}

/** What the bench sets the stand-in's latencies to in both modes (the JSON records it). */
export const partnerLatencies = { PARTNERS_QUOTE_LATENCY_MS: '0', PARTNERS_AUTHORISATION_LATENCY_MS: '0', PARTNERS_AUDIT_LATENCY_MS: '0' };

/** Restarts the three services and the partners' stand-in (in parallel) with the mode's environment, until ready. */
export async function restartServices(mode: Mode | 'default', extra: Record<string, string> = {}): Promise<void> {
  const env = modeEnv(mode, extra);
  await Promise.all([...serviceNames, 'partners'].map((service) => runStack(['restart', service], env)));
}

/** Restarts Jaeger; `extra` adds settings to its environment (undefined removes one, e.g. TRACE_SAMPLING). */
export async function restartJaeger(extra: Record<string, string | undefined> = {}): Promise<void> {
  const env = { ...process.env, ...extra };
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
  await runStack(['stop', 'jaeger'], env);
  await runStack(['start', 'jaeger'], env);
}

export function pidFile(component: string): string {
  return path.join(repoRoot, '.stack', 'run', `${component}.pid`);
}

/** The pid `scripts/stack` recorded for a component (rejects when it has none). */
export async function readPid(component: string): Promise<number> {
  return Number((await readFile(pidFile(component), 'utf8')).trim());
}

/** Resident memory of one process in MiB (VmRSS of /proc/<pid>/status), undefined when it is not running. */
export async function rssMb(component: string): Promise<number | undefined> {
  try {
    const pid = await readPid(component);
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round((kb / 1024) * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

export async function servicesRss(): Promise<Record<ServiceName, number>> {
  const entries = await Promise.all(serviceNames.map(async (service) => [service, (await rssMb(service)) ?? 0] as const));
  return Object.fromEntries(entries) as Record<ServiceName, number>;
}

/** Samples the services' RSS every `everyMs` while running, keeping each one's peak. */
export function rssPeakSampler(everyMs = 250): { stop(): Promise<Record<ServiceName, number>> } {
  const peak: Record<ServiceName, number> = { order: 0, payment: 0, shipping: 0 };
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = servicesRss().then((now) => {
      for (const service of serviceNames) peak[service] = Math.max(peak[service], now[service]);
    });
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      return peak;
    },
  };
}

const exec = promisify(execFile);

async function firstLine(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await exec(command, args, { timeout: 5_000 });
    return (stdout || stderr).trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = os.loadavg();
  return [round2(one!), round2(five!), round2(fifteen!)];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export async function machineFacts() {
  const cpus = os.cpus();
  const pgBin = await firstLine('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1']);
  return {
    cores: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pgBin ? await firstLine(path.join(pgBin, 'postgres'), ['--version']) : undefined,
    rabbitmq: await firstLine('bash', ['-c', "dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null"]),
    load_average_at_start: loadAverage(),
  };
}
