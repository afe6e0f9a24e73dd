/**
 * CPU time per stack component, from /proc: each component is a process tree rooted at the pid the stack
 * script recorded (PostgreSQL: the postmaster). A delta over a run divided by the checkouts it completed
 * gives CPU milliseconds per checkout, per component: where two shared cores go.
 */
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pidFile, repoRoot } from './stack-control';

/** Every component `scripts/stack up` starts (issue 15 counts them all); the load generator is `bench`. */
export const components = [
  'order',
  'payment',
  'shipping',
  'partners',
  'storefront',
  'lab',
  'postgres',
  'rabbitmq',
  'jaeger',
  'prometheus',
] as const;
export type Component = (typeof components)[number] | 'bench' | 'machine_busy';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  ticks: number;
}

async function procStats(): Promise<Map<number, ProcStat>> {
  const stats = new Map<number, ProcStat>();
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        try {
          const text = await readFile(`/proc/${entry}/stat`, 'utf8');
          // Fields after the command name, which is in parentheses and may hold spaces.
          const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
          const number = (index: number) => Number(fields[index]);
          stats.set(Number(entry), { ppid: number(1), ticks: number(11) + number(12) + number(13) + number(14) });
        } catch {
          // The process ended meanwhile.
        }
      }),
  );
  return stats;
}

async function pidIn(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).split('\n')[0]!.trim());
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The process trees of a component: one, or one per replica (`order.1.pid`, ... with STACK_REPLICAS). */
async function rootPids(component: (typeof components)[number]): Promise<number[]> {
  if (component === 'postgres')
    return [await pidIn(path.join(repoRoot, '.stack', 'postgres', 'postmaster.pid'))].filter((pid) => pid !== undefined);
  const replicas = (await readdir(path.dirname(pidFile(component))).catch(() => [] as string[])).filter((file) =>
    new RegExp(`^${component}\\.\\d+\\.pid$`).test(file),
  );
  const files = [pidFile(component), ...replicas.map((file) => path.join(path.dirname(pidFile(component)), file))];
  return (await Promise.all(files.map(pidIn))).filter((pid) => pid !== undefined);
}

function treeTicks(stats: Map<number, ProcStat>, root: number): number {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) {
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  let ticks = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

async function machineBusyTicks(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
  return values.reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
}

export type CpuSnapshot = Record<Component, number>;

/** CPU seconds used so far by each component, by the benchmark itself, and by the whole machine. */
export async function cpuSnapshot(): Promise<CpuSnapshot> {
  const stats = await procStats();
  const hz = clockTicks();
  const snapshot = {} as CpuSnapshot;
  for (const component of components) {
    const pids = await rootPids(component);
    snapshot[component] = pids.reduce((sum, pid) => sum + treeTicks(stats, pid), 0) / hz;
  }
  const self = process.cpuUsage();
  snapshot.bench = (self.user + self.system) / 1e6;
  snapshot.machine_busy = (await machineBusyTicks()) / hz;
  return snapshot;
}

/** CPU milliseconds per checkout for each component between two snapshots. */
export function cpuPerCheckout(before: CpuSnapshot, after: CpuSnapshot, checkouts: number): Record<Component, number> {
  const result = {} as Record<Component, number>;
  for (const key of Object.keys(after) as Component[]) {
    result[key] = checkouts > 0 ? Math.round(((after[key] - before[key]) * 1000 * 1000) / checkouts) / 1000 : 0;
  }
  return result;
}

/** Above this share of the machine taken by other processes, a run is noisy and left out of the medians. */
export const noisyOthersPct = 10;

/**
 * The stack's own CPU per checkout (every component the stack starts; the load generator is counted
 * apart), and the share of the machine that other processes (other stacks on the same cores) took meanwhile.
 */
export function stackShare(perCheckout: Record<Component, number>, checkouts: number, durationS: number, cores: number) {
  const stack = components.reduce((sum, key) => sum + perCheckout[key], 0);
  const othersMs = Math.max(0, perCheckout.machine_busy - stack - perCheckout.bench) * checkouts;
  const othersPct = Math.round((othersMs / (durationS * 1000 * cores)) * 1000) / 10;
  return {
    stack_cpu_ms_per_checkout: Math.round(stack * 1000) / 1000,
    load_generator_cpu_ms_per_checkout: perCheckout.bench,
    others_cpu_pct: othersPct,
    noisy: othersPct > noisyOthersPct,
  };
}
