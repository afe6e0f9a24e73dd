/**
 * The local stack's processes as scripts/stack records them (.stack/run/<name>.pid), and their CPU time from
 * /proc: what the capacity run reads to say which process saturates first.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
const runDir = path.join(repoRoot, '.stack', 'run');
const ticksPerSecond = 100; // USER_HZ on Linux

/** name → pid of every recorded process that still runs. */
export function stackProcesses(): Map<string, number> {
  const found = new Map<string, number>();
  if (!existsSync(runDir)) return found;
  for (const file of readdirSync(runDir).filter((name) => name.endsWith('.pid'))) {
    const pid = Number(readFileSync(path.join(runDir, file), 'utf8').trim());
    if (Number.isInteger(pid) && existsSync(`/proc/${pid}`)) found.set(file.replace(/\.pid$/, ''), pid);
  }
  return found;
}

/** CPU seconds (user + system) a process and its children have used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 of the line, 12-15 after the command name.
    const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
    return ticks / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** Resident memory in MiB (VmRSS). */
export function rssMiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function snapshotCpu(processes: Map<string, number>): Map<string, number> {
  const snapshot = new Map<string, number>();
  for (const [name, pid] of processes) {
    const seconds = cpuSeconds(pid);
    if (seconds !== undefined) snapshot.set(name, seconds);
  }
  return snapshot;
}

/** Each process's CPU between two snapshots, as a share of one core over `wallSeconds`, busiest first. */
export function cpuShares(
  before: Map<string, number>,
  after: Map<string, number>,
  wallSeconds: number,
): Array<{ name: string; percentOfCore: number }> {
  return [...after]
    .filter(([name]) => before.has(name))
    .map(([name, seconds]) => ({ name, percentOfCore: Math.round((100 * (seconds - (before.get(name) ?? seconds))) / wallSeconds) }))
    .sort((a, b) => b.percentOfCore - a.percentOfCore);
}

/** Runs a command and resolves with its stdout (rejects on a non-zero exit). */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 600_000,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: repoRoot, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stderr.slice(-2000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The consumer lag of the ingesters' group (pipeline mode), via ./scripts/stack kafka-lag. */
export async function kafkaLag(): Promise<number | undefined> {
  try {
    const { stdout } = await run(path.join(repoRoot, 'scripts', 'stack'), ['kafka-lag'], process.env, 60_000);
    const value = Number(stdout.trim().split('\n').pop());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function currentMode(): 'single' | 'kafka' {
  const file = path.join(runDir, 'trace-pipeline');
  return existsSync(file) && readFileSync(file, 'utf8').trim() === 'kafka' ? 'kafka' : 'single';
}
