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
import type { RushOptions } from '../load/options';

const loadCli = path.join(__dirname, '..', 'load-cli.js');

export interface BackgroundLoad {
  pid: number;
  rate: number;
  log: string;
}

/**
 * The exercise's rushes on top of its steady rate: every 15 s, 6 checkouts of 30 lines at once. At a
 * steady 2/s few checkouts overlap and carts are small, so lock waits, pool waits and a blocked event
 * loop barely happen and an N+1 staircase is short: measured, the report named only missing-index in
 * ten level-2 exercises. Every exercise gets the same rushes, whatever is hidden.
 */
export const exerciseRush: RushOptions = { everySec: 15, size: 6, lines: 30 };

export function rushText(rush: RushOptions): string {
  return `a rush of ${rush.size} checkouts (${rush.lines}-line carts) every ${rush.everySec} s`;
}

export function startBackgroundLoad(rate: number, durationSec: number, log: string, rush: RushOptions = exerciseRush): BackgroundLoad {
  const out = openSync(log, 'a');
  try {
    const args = ['--rate', String(rate), '--duration', String(durationSec), '--quiet'];
    args.push('--rush-every', String(rush.everySec), '--rush-size', String(rush.size), '--rush-lines', String(rush.lines));
    const child = spawn(process.execPath, [loadCli, ...args], {
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
