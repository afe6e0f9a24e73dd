/**
 * Summary of a V8 .cpuprofile (`node --cpu-prof`): the functions with the most self time, and the share of
 * samples per package, self and inclusive (a sample counts for every package on its stack, once).
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  total_ms: number;
  idle_ms: number;
  busy_ms: number;
  top_self: Array<{ function: string; location: string; self_ms: number; self_pct_of_busy: number }>;
  /**
   * self: samples whose leaf frame is in the package; attributed: the leaf frame or, when the leaf is in
   * node internals or native code, the nearest caller that is in a package (so a Buffer copy or a timer
   * set on behalf of the exporter counts for the exporter); inclusive: the package anywhere on the stack.
   */
  packages: Array<{ package: string; self_pct_of_busy: number; attributed_pct_of_busy: number; inclusive_pct_of_busy: number }>;
  /** Per group of packages (profileGroups): busy samples with any frame of the group on the stack. */
  groups: Array<{ group: string; busy_ms: number; inclusive_pct_of_busy: number }>;
}

/**
 * What a checkout's CPU is spent in, by package family. A sample counts once per group, for every group
 * on its stack (OpenTelemetry's wrappers sit around express, pg and amqplib calls: the groups overlap).
 */
export const profileGroups: ReadonlyArray<{ group: string; matches: (pkg: string) => boolean }> = [
  { group: 'OpenTelemetry (instrumentation, SDK, export)', matches: (pkg) => pkg.startsWith('@opentelemetry/') },
  {
    group: 'express and its middleware',
    matches: (pkg) =>
      [
        'express',
        'router',
        'body-parser',
        'raw-body',
        'on-finished',
        'finalhandler',
        'send',
        'type-is',
        'content-type',
        'iconv-lite',
      ].includes(pkg),
  },
  { group: 'pg (driver, pool, protocol)', matches: (pkg) => pkg === 'pg' || pkg.startsWith('pg-') },
  { group: 'amqplib', matches: (pkg) => pkg === 'amqplib' || pkg === 'buffer-more-ints' },
  { group: 'undici (outgoing HTTP)', matches: (pkg) => pkg === 'undici' },
  { group: 'pino (logging)', matches: (pkg) => pkg.startsWith('pino') || pkg === 'sonic-boom' },
  { group: 'our code (services, shared)', matches: (pkg) => pkg.startsWith('tracecart/') },
  { group: 'garbage collector', matches: (pkg) => pkg === '(garbage collector)' },
];

/** node_modules/<pkg> (scoped too), node: internals, our own code, or V8's pseudo-frames. */
export function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  // Node bundles undici (fetch) as an internal module.
  if (url.startsWith('node:internal/deps/undici')) return 'undici';
  if (url.startsWith('node:')) return 'node:internal';
  const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  if (url.includes('/shared/')) return `tracecart/${/\/shared\/([^/]+)/.exec(url)?.[1] ?? 'shared'}`;
  if (url.includes('/services/')) return `tracecart/${/\/services\/([^/]+)/.exec(url)?.[1] ?? 'service'}`;
  return url;
}

function shortLocation(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  const tail = url.replace(/.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/.*\/(shared|services)\//, '$1/');
  return url ? `${tail}:${frame.lineNumber + 1}` : '';
}

const idleFrames = new Set(['(idle)', '(program)']);

const unattributable = new Set(['node:internal', '(native)', '(garbage collector)', '(program)', '(root)']);

/**
 * `fromMs`: ignore the first milliseconds of the profile (start-up: module loading, migrations);
 * `toMs`: and everything after that point (shut-down).
 */
export function summariseProfile(profile: CpuProfile, top = 25, fromMs = 0, toMs = Number.POSITIVE_INFINITY): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  const packageSelf = new Map<string, number>();
  const packageInclusive = new Map<string, number>();
  const packageAttributed = new Map<string, number>();
  const groupInclusive = new Map<string, number>();
  let idle = 0;
  let total = 0;
  let elapsed = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    elapsed += delta;
    if (elapsed < fromMs * 1000 || elapsed > toMs * 1000) return;
    total += delta;
    const node = byId.get(id);
    if (!node) return;
    if (idleFrames.has(node.callFrame.functionName)) {
      idle += delta;
      return;
    }
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    const own = packageOf(node.callFrame);
    packageSelf.set(own, (packageSelf.get(own) ?? 0) + delta);
    const seen = new Set<string>();
    let attributed: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      const pkg = packageOf(frame);
      seen.add(pkg);
      if (attributed === undefined && !unattributable.has(pkg)) attributed = pkg;
    }
    attributed ??= own;
    packageAttributed.set(attributed, (packageAttributed.get(attributed) ?? 0) + delta);
    for (const pkg of seen) packageInclusive.set(pkg, (packageInclusive.get(pkg) ?? 0) + delta);
    seen.add(own);
    for (const { group, matches } of profileGroups) {
      if ([...seen].some(matches)) groupInclusive.set(group, (groupInclusive.get(group) ?? 0) + delta);
    }
  });
  const busy = total - idle;
  // The same function appears under many call paths: add its nodes up.
  const byFunction = new Map<string, { frame: CallFrame; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = byFunction.get(key) ?? { frame, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const pct = (us: number) => Math.round((us / Math.max(1, busy)) * 1000) / 10;
  return {
    total_ms: Math.round(total / 1000),
    idle_ms: Math.round(idle / 1000),
    busy_ms: Math.round(busy / 1000),
    top_self: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(({ frame, us }) => ({
        function: frame.functionName || '(anonymous)',
        location: shortLocation(frame),
        self_ms: Math.round(us / 1000),
        self_pct_of_busy: pct(us),
      })),
    packages: [...packageInclusive.keys()]
      .map((pkg) => ({
        package: pkg,
        self_pct_of_busy: pct(packageSelf.get(pkg) ?? 0),
        attributed_pct_of_busy: pct(packageAttributed.get(pkg) ?? 0),
        inclusive_pct_of_busy: pct(packageInclusive.get(pkg)!),
      }))
      .sort((a, b) => b.attributed_pct_of_busy - a.attributed_pct_of_busy)
      .slice(0, top),
    groups: profileGroups.map(({ group }) => ({
      group,
      busy_ms: Math.round((groupInclusive.get(group) ?? 0) / 1000),
      inclusive_pct_of_busy: pct(groupInclusive.get(group) ?? 0),
    })),
  };
}
