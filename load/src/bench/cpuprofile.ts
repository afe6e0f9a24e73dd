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
  packages: Array<{ package: string; self_pct_of_busy: number; inclusive_pct_of_busy: number }>;
}

/** node_modules/<pkg> (scoped too), node: internals, our own code, or V8's pseudo-frames. */
export function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
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

export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  const packageSelf = new Map<string, number>();
  const packageInclusive = new Map<string, number>();
  let idle = 0;
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
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
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      seen.add(packageOf(frame));
    }
    for (const pkg of seen) packageInclusive.set(pkg, (packageInclusive.get(pkg) ?? 0) + delta);
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
      .map((pkg) => ({ package: pkg, self_pct_of_busy: pct(packageSelf.get(pkg) ?? 0), inclusive_pct_of_busy: pct(packageInclusive.get(pkg)!) }))
      .sort((a, b) => b.inclusive_pct_of_busy - a.inclusive_pct_of_busy)
      .slice(0, top),
  };
}
