/**
 * The exercise's background load: `pnpm load` (load/tools/dist/load-cli.js) as a detached process, its
 * output in a log file, its pid in the exercise's state. Stopped with SIGINT (it then finishes the
 * requests in flight and prints its summary into the log); only a pid whose command line is still that
 * load is signalled, so a recycled pid is never hit.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const loadCli = path.join(__dirname, '..', 'load-cli.js');

export interface BackgroundLoad {
  pid: number;
  rate: number;
  log: string;
}

export function startBackgroundLoad(rate: number, durationSec: number, log: string): BackgroundLoad {
  const out = openSync(log, 'a');
  try {
    const child = spawn(process.execPath, [loadCli, '--rate', String(rate), '--duration', String(durationSec), '--quiet'], {
      detached: true,
      stdio: ['ignore', out, out],
      env: process.env,
    });
    if (child.pid === undefined) throw new Error('could not start the background load');
    child.unref();
    return { pid: child.pid, rate, log };
  } finally {
    closeSync(out);
  }
}

/** Whether `pid` is alive and still our load (Linux: /proc/<pid>/cmdline). */
export function isOurLoad(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(loadCli);
  } catch {
    return false;
  }
}

/** SIGINT, up to `graceMs` for its summary, then SIGTERM. Resolves to whether it was running. */
export async function stopBackgroundLoad(pid: number, graceMs = 20_000): Promise<boolean> {
  if (!isOurLoad(pid)) return false;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + graceMs;
  while (isOurLoad(pid) && Date.now() < deadline) await sleep(200);
  if (isOurLoad(pid)) process.kill(pid, 'SIGTERM');
  return true;
}

/** The last lines of the load's log (its summary, once stopped). */
export function logTail(log: string, lines = 30): string {
  try {
    return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
