/**
 * The compose check (issue 11): the unchanged docker-compose.yml under the real `docker compose` CLI,
 * against the published ports, from a clean slate to `down -v`. scripts/test-compose sets up the engine
 * (Podman behind the Docker CLI) and the stand-in images, then runs this file with node's test runner
 * (Node strips the types). The tests run in order and share the stack they bring up.
 *
 * Environment: DOCKER_HOST and friends (scripts/test-compose), the host ports compose publishes
 * (ORDER_PORT, JAEGER_QUERY_PORT, ... else .env's), COMPOSE_LOAD_RATE and COMPOSE_LOAD_DURATION (else the
 * README's quick-start rate and duration), COMPOSE_WARM_BUILD=1 (build with the cache of earlier runs;
 * by default the check removes our images and their build cache first, so the build is timed cold) and
 * COMPOSE_CHECK_REPORT (where the measured figures go as JSON; default .stack/compose-check.json).
 *
 * Targets it prints and checks (issue 22): images built from a cold cache within 150 s, each image's own
 * layers under 80 MB above the Node base; from `up` to the first checkout's whole trace in Jaeger within
 * 30 s on a fresh volume (seeding included) and 20 s on a second `up`, with each container's breakdown;
 * the README's quick-start load right after `up --wait`, every pathology on: no 5xx, no timeout.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
// The lab's chromium conventions (Debian's chromium through playwright-core; load/e2e builds it).
import { launchBrowser } from '../e2e/dist/browser.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const PROJECT = 'tracecart';

// ------------------------------------------------------------------------------------------ helpers

const dotEnv = new Map(
  readFileSync(path.join(REPO, '.env'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
);
/** What compose substitutes: the environment wins over .env. */
const setting = (name: string): string => {
  const value = process.env[name] ?? dotEnv.get(name);
  assert.ok(value !== undefined, `${name} is neither in the environment nor in .env`);
  return value;
};
const port = (name: string): number => Number(setting(name));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(command: string, args: string[], timeoutMs = 20 * 60_000): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(command, args, { cwd: REPO, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

async function ok(command: string, args: string[], timeoutMs?: number): Promise<Run> {
  const result = await run(command, args, timeoutMs);
  assert.equal(result.code, 0, `${command} ${args.join(' ')} exited ${result.code}\n${result.stderr.slice(-4000)}`);
  return result;
}
const compose = (...args: string[]) => ok('docker', ['compose', ...args]);
const docker = (...args: string[]) => ok('docker', args);

/** JSON lines or one JSON array, as `--format json` prints them depending on the command. */
function jsonRows<T>(text: string): T[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as T[];
  return trimmed.split('\n').map((line) => JSON.parse(line) as T);
}

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const seconds = (ms: number): number => Math.round(ms / 100) / 10;
const MiB = 1024 * 1024;

async function psql(database: string, sql: string): Promise<string> {
  const result = await compose('exec', '-T', 'postgres', 'psql', '-U', setting('POSTGRES_USER'), '-d', database, '-tAc', sql);
  return result.stdout.trim();
}

async function poll<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      assert.fail(
        `${what}: not within ${deadlineMs / 1000} s${last ? ` (last error: ${last instanceof Error ? String(last) : JSON.stringify(last)})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// -------------------------------------------------------------------------------- the stack's facts

const ORDER = `http://localhost:${port('ORDER_PORT')}`;
const JAEGER = `http://localhost:${port('JAEGER_QUERY_PORT')}`;
const SERVICES = { order: 'ORDER_PORT', payment: 'PAYMENT_PORT', shipping: 'SHIPPING_PORT' } as const;
/** Every process a checkout passes through: the three services, and the partners stand-in payment and shipping call. */
const SERVICE_NAMES = ['order-service', 'partners', 'payment-service', 'shipping-service'];
const SHOP = `http://localhost:${port('STOREFRONT_PORT')}`;
const QUICK_START = /docker compose run --rm load --rate (\d+) --duration (\d+)/.exec(readFileSync(path.join(REPO, 'README.md'), 'utf8'));
const LOAD_RATE = Number(process.env.COMPOSE_LOAD_RATE ?? QUICK_START?.[1]);
const LOAD_DURATION = Number(process.env.COMPOSE_LOAD_DURATION ?? QUICK_START?.[2]);
/** The targets (issue 22). */
const TARGET = { buildSeconds: 150, ownLayersMB: 80, firstTraceSeconds: 30, secondUpFirstTraceSeconds: 20 };
const MB = 1000 * 1000;
/**
 * The timing targets are measured on every run and printed as met or MISSED; they fail the check only
 * with COMPOSE_TARGETS=strict (a quiet machine: figures taken while other work shares the 2 cores say
 * little, and a test must not fail for a busy machine).
 */
const STRICT = process.env.COMPOSE_TARGETS === 'strict';
function target(t: TestContext, what: string, met: boolean, detail: string): void {
  t.diagnostic(`target ${met ? 'met' : 'MISSED'}: ${what}: ${detail}`);
  (figures.targets as Record<string, unknown>)[what] = { met, detail };
  if (STRICT) assert.ok(met, `${what}: ${detail}`);
}
/** docs/docker.md's "published ports" column. */
const PUBLISHED = [
  'ORDER_PORT',
  'PAYMENT_PORT',
  'SHIPPING_PORT',
  'STOREFRONT_PORT',
  'LAB_PORT',
  'PARTNERS_PORT',
  'POSTGRES_PORT',
  'RABBITMQ_PORT',
  'RABBITMQ_MANAGEMENT_PORT',
  'JAEGER_QUERY_PORT',
  'JAEGER_OTLP_GRPC_PORT',
  'JAEGER_OTLP_HTTP_PORT',
  'JAEGER_SAMPLING_PORT',
  'PROMETHEUS_PORT',
]
  .map(port)
  .sort((a, b) => a - b);

interface PsRow {
  Name: string;
  Service: string;
  State: string;
  Health: string;
}

/** The figures this check measures, written to COMPOSE_CHECK_REPORT at the end. */
const figures: Record<string, unknown> = { cores: cpus().length, targets: {} };
const memory: Record<string, { limitMiB: number; idleMiB?: number; peakMiB?: number; rssMiB?: number }> = {};

/** The container's memory cgroup (v1 or v2), through Podman, which knows its path. */
async function cgroupOf(container: string): Promise<{ read: (file: string) => string; has: (file: string) => boolean; v2: boolean }> {
  const relative = (await ok('podman', ['inspect', '--format', '{{.State.CgroupPath}}', container])).stdout.trim();
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const base = v2 ? path.join('/sys/fs/cgroup', relative) : path.join('/sys/fs/cgroup/memory', relative);
  return { v2, read: (file) => readFileSync(path.join(base, file), 'utf8').trim(), has: (file) => existsSync(path.join(base, file)) };
}

async function memoryOf(container: string): Promise<{ usage: number; peak: number; limit: number; rss: number; oomKills: number }> {
  const { read, has, v2 } = await cgroupOf(container);
  const stat = new Map(
    read('memory.stat')
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
  const statValue = (key: string) => Number(stat.get(key) ?? 0);
  if (v2) {
    const events = new Map(
      read('memory.events')
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    return {
      usage: Number(read('memory.current')),
      peak: has('memory.peak') ? Number(read('memory.peak')) : Number(read('memory.current')),
      limit: Number(read('memory.max')),
      rss: statValue('anon') + statValue('shmem'),
      oomKills: Number(events.get('oom_kill') ?? 0),
    };
  }
  const oom = new Map(
    read('memory.oom_control')
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  );
  return {
    usage: Number(read('memory.usage_in_bytes')),
    peak: Number(read('memory.max_usage_in_bytes')),
    limit: Number(read('memory.limit_in_bytes')),
    rss: statValue('total_rss') + statValue('total_shmem'),
    oomKills: Number(oom.get('oom_kill') ?? 0),
  };
}

interface ComposeConfig {
  services: Record<
    string,
    {
      depends_on?: Record<string, { condition: string }>;
      deploy?: { resources?: { limits?: { memory?: number | string } } };
      profiles?: string[];
    }
  >;
}
const composeConfig = async (): Promise<ComposeConfig> => JSON.parse((await compose('config', '--format', 'json')).stdout) as ComposeConfig;

/** One-shot services: the ones another service waits for to exit successfully (the migrate steps). */
async function oneShotServices(): Promise<Set<string>> {
  const config = await composeConfig();
  return new Set(
    Object.values(config.services).flatMap((service) =>
      Object.entries(service.depends_on ?? {}).flatMap(([name, { condition }]) =>
        condition === 'service_completed_successfully' ? [name] : [],
      ),
    ),
  );
}

/** The long-running containers (one-shot ones, which exit, left out). */
async function psRows(): Promise<PsRow[]> {
  const oneShot = await oneShotServices();
  return jsonRows<PsRow>((await compose('ps', '--all', '--format', 'json')).stdout).filter((row) => !oneShot.has(row.Service));
}

/** The services `up` starts and keeps running. */
async function defaultServices(): Promise<string[]> {
  const oneShot = await oneShotServices();
  return (await compose('config', '--services')).stdout
    .trim()
    .split('\n')
    .filter((name) => !oneShot.has(name))
    .sort();
}

interface Inspected {
  Name: string;
  Created: string;
  State: {
    Status: string;
    ExitCode: number;
    OOMKilled: boolean;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; Log?: Array<{ Start: string; End: string; ExitCode: number }> | null };
  };
  Config: { Labels: Record<string, string> };
}

/**
 * Each container of the project, from `since` (the moment `up` was run): when it started, when it was
 * first healthy (its first passing health check), and for a one-shot container when it exited and what
 * its migrate step printed (the migrations' times; seeds are the migrations named *seed*).
 */
async function breakdown(
  since: number,
  firstHealthy: Record<string, number> = {},
): Promise<Record<string, Record<string, number | string>>> {
  const names = (await docker('ps', '--all', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Names}}')).stdout
    .split('\n')
    .filter(Boolean);
  const at = (iso: string | undefined) => (iso && !iso.startsWith('0001') ? seconds(Date.parse(iso) - since) : undefined);
  const rows: Record<string, Record<string, number | string>> = {};
  for (const name of names) {
    const [inspected] = JSON.parse((await docker('inspect', name)).stdout) as Inspected[];
    if (!inspected) continue;
    const service = inspected.Config.Labels['com.docker.compose.service'] ?? name;
    const row: Record<string, number | string> = {};
    const started = at(inspected.State.StartedAt);
    if (started !== undefined) row.started = started;
    // Seen healthy by the poll during `up` (Podman keeps only the last few health results, so the
    // oldest passing one in the log is not the first).
    const healthyAt = firstHealthy[service] ?? at(inspected.State.Health?.Log?.find((entry) => entry.ExitCode === 0)?.End);
    if (healthyAt !== undefined) row.healthy = healthyAt;
    if (inspected.State.Status === 'exited') {
      const exited = at(inspected.State.FinishedAt);
      if (exited !== undefined) row.exited = exited;
      row.exitCode = inspected.State.ExitCode;
      const logs = await docker('logs', '--timestamps', name);
      // When its first and last lines were written: time before the first is the process's start and its
      // wait for PostgreSQL (a retry says so in a line of its own), time after the last is its exit.
      const stamps = [...`${logs.stdout}\n${logs.stderr}`.matchAll(/^(\d{4}-\d\d-\d\dT[\d:.]+Z) /gm)].map((match) =>
        Date.parse(match[1] ?? ''),
      );
      if (stamps.length > 0) {
        row.firstLine = seconds(Math.min(...stamps) - since);
        row.lastLine = seconds(Math.max(...stamps) - since);
      }
      const waits = [...logs.stdout.matchAll(/not reachable yet \(([^)]*)\)/g)].map((match) => match[1]);
      if (waits.length > 0) row.waitedFor = waits.join(', ');
      row.log = `${logs.stdout}${logs.stderr}`.trim();
      const applied = [...`${logs.stdout}\n${logs.stderr}`.matchAll(/applied (\S+) in ([\d.]+) s/g)].map((match) => ({
        name: match[1] ?? '',
        s: Number(match[2]),
      }));
      const sum = (list: typeof applied) => Math.round(list.reduce((total, item) => total + item.s, 0) * 10) / 10;
      row.migrations = applied.length;
      row.migrateSeconds = sum(applied);
      row.seedSeconds = sum(applied.filter((item) => item.name.includes('seed')));
      const vacuum = /vacuum analyze ([\d.]+) s/.exec(logs.stdout)?.[1];
      if (vacuum) row.vacuumSeconds = Number(vacuum);
    }
    rows[service] = row;
  }
  return Object.fromEntries(Object.entries(rows).sort((a, b) => Number(a[1].started ?? 0) - Number(b[1].started ?? 0)));
}

/** Polls `docker ps` every second until stopped: when each service was first listed (healthy). */
function watchHealth(since: number): { stop: () => Promise<Record<string, number>> } {
  const firstHealthy: Record<string, number> = {};
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const listed = await run(
        'docker',
        [
          'ps',
          '--filter',
          `label=com.docker.compose.project=${PROJECT}`,
          '--format',
          '{{.Label "com.docker.compose.service"}} {{.Status}}',
        ],
        10_000,
      );
      for (const line of listed.stdout.split('\n')) {
        const [service = '', ...status] = line.trim().split(' ');
        if (service && status.join(' ').includes('(healthy)') && firstHealthy[service] === undefined)
          firstHealthy[service] = seconds(Date.now() - since);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await loop;
      return firstHealthy;
    },
  };
}

function printBreakdown(t: TestContext, rows: Record<string, Record<string, number | string>>): void {
  t.diagnostic(
    'breakdown (seconds after `up`): started / exited (migrate: migrations, seeds, vacuum; its first and last log line) / first healthy',
  );
  for (const [service, row] of Object.entries(rows)) {
    const parts = [`started ${row.started ?? '-'}`];
    if (row.exited !== undefined) {
      parts.push(`exited ${row.exited} (code ${row.exitCode})`);
      parts.push(
        `migrate ${row.migrateSeconds} s for ${row.migrations} migrations, of which seeds ${row.seedSeconds} s${row.vacuumSeconds !== undefined ? `, vacuum analyze ${row.vacuumSeconds} s` : ''}`,
      );
      if (row.firstLine !== undefined) parts.push(`log lines ${row.firstLine}-${row.lastLine}`);
      if (row.waitedFor !== undefined) parts.push(`waited for PostgreSQL: ${row.waitedFor}`);
    }
    if (row.healthy !== undefined) parts.push(`healthy ${row.healthy}`);
    t.diagnostic(`  ${service.padEnd(17)} ${parts.join(', ')}`);
    // A migrate step that ran 5 s longer than its migrations and VACUUM: its whole log, to say where.
    const unexplained =
      Number(row.exited ?? 0) - Number(row.started ?? 0) - Number(row.migrateSeconds ?? 0) - Number(row.vacuumSeconds ?? 0);
    if (row.exited !== undefined && unexplained > 5 && typeof row.log === 'string') {
      t.diagnostic(`  ${service}: ${unexplained.toFixed(1)} s outside its migrations; its log:`);
      for (const line of row.log.split('\n')) t.diagnostic(`    ${line}`);
    }
  }
}

async function checkout(key: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${ORDER}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({
      customerId: 'cust-00042',
      items: [
        { sku: 'SKU-00001', quantity: 2 },
        { sku: 'SKU-00017', quantity: 1 },
      ],
      payment: { method: 'card', token: 'tok_visa' },
    }),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Service names and span names of a trace in Jaeger's /api/v3, or undefined while it is not there. */
async function traceOf(traceId: string): Promise<{ services: Set<string>; spans: string[] } | undefined> {
  const response = await fetch(`${JAEGER}/api/v3/traces/${traceId}`, { signal: AbortSignal.timeout(10_000) });
  if (response.status === 404) return undefined;
  assert.equal(response.status, 200);
  const body = (await response.json()) as {
    result: {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
        scopeSpans: Array<{ spans: Array<{ name: string }> }>;
      }>;
    };
  };
  const services = new Set<string>();
  const spans: string[] = [];
  for (const resourceSpans of body.result.resourceSpans) {
    const name = resourceSpans.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue;
    if (name) services.add(name);
    for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans.map((span) => span.name));
  }
  return { services, spans };
}

/** A checkout's trace once Jaeger has it with every service, up to the shipment event order consumes. */
async function wholeTrace(traceId: string): Promise<{ services: Set<string>; spans: string[] }> {
  return poll('the checkout trace with every service, up to SHIPPED', 120_000, async () => {
    const found = await traceOf(traceId);
    return found && SERVICE_NAMES.every((name) => found.services.has(name)) && found.spans.includes('order.shipment-created process')
      ? found
      : undefined;
  });
}

interface LoadSummary {
  rate: { scheduled: number; sent: number; completed: number; dropped: number };
  outcomes: {
    created: number;
    declined: number;
    byStatus: Record<string, number>;
    networkErrors: Record<string, number>;
    timeouts: number;
    errors: number;
  };
  shipped: { sampled: number; shipped: number; notShippedInTime: number };
}

async function loadRun(label: string, out: string, durationSeconds = 10): Promise<{ summary: LoadSummary; run: Run }> {
  const file = `${label}.json`;
  const result = await run('docker', [
    'compose',
    'run',
    '--rm',
    '-v',
    `${out}:/out`,
    'load',
    '--rate',
    String(LOAD_RATE),
    '--duration',
    String(durationSeconds),
    '--quiet',
    '--json',
    `/out/${file}`,
  ]);
  assert.equal(result.code, 0, `the load run exited ${result.code}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
  return { summary: JSON.parse(readFileSync(path.join(out, file), 'utf8')) as LoadSummary, run: result };
}

/**
 * Why a run's requests failed, from the containers' own logs since `since`: the services' pino lines at
 * warn or above (message and error, ids and numbers folded so that alike lines count together), and
 * PostgreSQL's FATAL/PANIC lines and crashed backends. A 503 says only that something was unavailable;
 * this says what.
 */
async function complaints(since: Date): Promise<Record<string, number>> {
  const result = await compose(
    'logs',
    '--no-color',
    '--since',
    since.toISOString(),
    'order',
    'payment',
    'shipping',
    'partners',
    'postgres',
  );
  const fold = (text: string) =>
    text
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
      .replace(/\d+(\.\d+)?/g, 'N')
      .slice(0, 200);
  const counts = new Map<string, number>();
  for (const line of `${result.stdout}\n${result.stderr}`.split('\n')) {
    const bar = line.indexOf('| ');
    if (bar < 0) continue;
    const container = line.slice(0, bar).trim().replace(/-\d+$/, '');
    const text = line.slice(bar + 2).trim();
    let reason: string | undefined;
    if (text.startsWith('{')) {
      try {
        const entry = JSON.parse(text) as { level?: string; msg?: string; err?: { message?: string } };
        if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'fatal') {
          reason = `${entry.level} ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message})` : ''}`;
        }
      } catch {
        // not a log line of ours
      }
    } else if (/FATAL|PANIC|terminated by signal|out of memory/.test(text)) {
      reason = text.replace(/^.*?(FATAL|PANIC|LOG|ERROR):/, '$1:');
    }
    if (reason) counts.set(`${container}: ${fold(reason)}`, (counts.get(`${container}: ${fold(reason)}`) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

async function setPathologies(enabled: boolean): Promise<string[]> {
  const switched: string[] = [];
  for (const [service, portName] of Object.entries(SERVICES)) {
    const base = `http://localhost:${port(portName)}`;
    const list = (await (await fetch(`${base}/scenarios`)).json()) as Array<{ name: string; enabled: boolean }>;
    for (const { name } of list) {
      const response = await fetch(`${base}/scenarios/${name}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${setting('SCENARIO_TOKEN')}` },
        body: JSON.stringify({ enabled }),
      });
      assert.equal(response.status, 200, `${service}: PUT /scenarios/${name}`);
      assert.equal(((await response.json()) as { enabled: boolean }).enabled, enabled);
      switched.push(`${service}/${name}`);
    }
  }
  return switched;
}

async function leftovers(): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const label = `label=com.docker.compose.project=${PROJECT}`;
  const lines = (text: string) => text.split('\n').filter(Boolean);
  return {
    containers: lines((await docker('ps', '--all', '--filter', label, '--format', '{{.Names}}')).stdout),
    networks: lines((await docker('network', 'ls', '--filter', label, '--format', '{{.Name}}')).stdout),
    volumes: lines((await docker('volume', 'ls', '--filter', label, '--format', '{{.Name}}')).stdout),
  };
}
const allVolumes = async () => (await docker('volume', 'ls', '--format', '{{.Name}}')).stdout.split('\n').filter(Boolean).sort();

// ------------------------------------------------------------------------------------------- checks

describe('docker compose, for real (stand-in base images on Podman)', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'tracecart-compose-'));
  let volumesBefore: string[] = [];
  /** How long the first `up -d --wait` took: the first half of the time to the first trace. */
  let upMs = 0;
  let first: { orderId: string; traceId: string } | undefined;
  let migrations = '';
  let seeded = '';

  before(async () => {
    chmodSync(out, 0o777); // the load generator runs as `node` (uid 1000) and writes its summary here
    assert.ok(Number.isFinite(LOAD_RATE) && LOAD_RATE > 0, 'no quick-start load rate in the README');
    assert.ok(Number.isFinite(LOAD_DURATION) && LOAD_DURATION > 0, 'no quick-start load duration in the README');
    // A clean slate, whatever an earlier run left.
    await compose('--profile', 'load', 'down', '--volumes', '--remove-orphans');
    volumesBefore = await allVolumes();
    figures.loadRate = LOAD_RATE;
    figures.loadDuration = LOAD_DURATION;
    figures.publishedPorts = PUBLISHED;
  });

  after(async () => {
    if (!process.env.KEEP_COMPOSE) await run('docker', ['compose', '--profile', 'load', 'down', '--volumes', '--remove-orphans']);
    rmSync(out, { recursive: true, force: true });
    const report = process.env.COMPOSE_CHECK_REPORT ?? path.join(REPO, '.stack', 'compose-check.json');
    mkdirSync(path.dirname(report), { recursive: true });
    writeFileSync(report, `${JSON.stringify({ ...figures, memory }, null, 2)}\n`);
  });

  it('builds the images (docker compose build), from a cold build cache unless COMPOSE_WARM_BUILD=1', async (t: TestContext) => {
    const ourImage = /(^|\/)tracecart-(order|payment|shipping|partners|storefront|load|lab)$/;
    const listImages = async () =>
      jsonRows<{ Id: string; Repository: string; Tag: string; Size: string }>((await docker('image', 'ls', '--format', 'json')).stdout);
    const cold = !process.env.COMPOSE_WARM_BUILD;
    if (cold) {
      // Our images and, once they are gone, the chain of intermediate images their builds left (the
      // build cache of the classic builder): untagged, so dangling. The stand-in base images stay.
      for (const image of await listImages()) {
        if (ourImage.test(image.Repository)) await docker('image', 'rm', '--force', `${image.Repository}:${image.Tag}`);
      }
      for (let round = 0; round < 5; round += 1) await run('docker', ['image', 'prune', '--force']);
    }
    // One image at a time: the first builds the shared workspace stage, the others find it in the cache
    // (the classic builder behind Podman would otherwise build it once per image, all at the same time).
    process.env.COMPOSE_PARALLEL_LIMIT = '1';
    const result = await compose('--profile', 'load', 'build');
    delete process.env.COMPOSE_PARALLEL_LIMIT;
    figures.build = { seconds: seconds(result.ms), cold, loadAverage: load() };
    t.diagnostic(
      `docker compose build (${cold ? 'cold build cache' : 'warm: COMPOSE_WARM_BUILD=1'}): ${seconds(result.ms)} s, target ${TARGET.buildSeconds} s (load average ${load()})`,
    );
    const images = await listImages();
    const base = `node:${setting('NODE_VERSION')}-bookworm-slim`;
    const baseBytes = Number((await docker('image', 'inspect', '--format', '{{.Size}}', base)).stdout.trim());
    const ours = ['order', 'payment', 'shipping', 'partners', 'storefront', 'load', 'lab'].map((name) => `tracecart-${name}`);
    const sizes: Record<string, { totalMB: number; ownLayersMB: number }> = {};
    for (const name of ours) {
      const image = images.find((candidate) => candidate.Repository.endsWith(`/${name}`) || candidate.Repository === name);
      assert.ok(image, `no image ${name}`);
      assert.equal(image.Tag, setting('TRACECART_VERSION'), name);
      const bytes = Number((await docker('image', 'inspect', '--format', '{{.Size}}', `${image.Repository}:${image.Tag}`)).stdout.trim());
      sizes[name] = { totalMB: Math.round(bytes / MB), ownLayersMB: Math.round((bytes - baseBytes) / MB) };
    }
    figures.imageSizes = { base: { image: base, MB: Math.round(baseBytes / MB) }, ...sizes };
    t.diagnostic(
      `our layers above ${base} (${Math.round(baseBytes / MB)} MB), target < ${TARGET.ownLayersMB} MB each: ${Object.entries(sizes)
        .map(([name, size]) => `${name} ${size.ownLayersMB} MB`)
        .join(', ')}`,
    );
    if (cold)
      target(
        t,
        'cold build',
        result.ms / 1000 <= TARGET.buildSeconds,
        `${seconds(result.ms)} s (target ${TARGET.buildSeconds} s; load average ${load()})`,
      );
    // Sizes do not depend on the machine's load: always checked.
    for (const [name, size] of Object.entries(sizes))
      assert.ok(size.ownLayersMB < TARGET.ownLayersMB, `${name}: ${size.ownLayersMB} MB of our own layers`);
  });

  it('docker compose up -d --wait (images built, fresh volumes): every container running and healthy, the migrate steps exited 0', async (t: TestContext) => {
    const upAt = Date.now();
    const health = watchHealth(upAt);
    let firstHealthy: Record<string, number> = {};
    const result = await compose('up', '-d', '--wait').finally(async () => {
      firstHealthy = await health.stop();
    });
    upMs = result.ms;
    figures.upToHealthy = { seconds: seconds(result.ms), loadAverage: load() };
    t.diagnostic(`up -d --wait (images built): ${seconds(result.ms)} s until every container was healthy (load average ${load()})`);
    const steps = await breakdown(upAt, firstHealthy);
    figures.firstUpBreakdown = steps;
    printBreakdown(t, steps);
    const oneShot = await oneShotServices();
    assert.ok(oneShot.size >= 3, `one-shot migrate services: ${[...oneShot].join(', ')}`);
    for (const name of oneShot) {
      assert.equal(steps[name]?.exitCode, 0, `${name} did not exit 0: ${JSON.stringify(steps[name])}`);
    }
    const seededBy = Object.entries(steps).filter(([, row]) => Number(row.seedSeconds ?? 0) > 0);
    assert.ok(seededBy.length > 0, 'no migrate container reported a seed on a fresh volume');
    const rows = await psRows();
    assert.deepEqual(rows.map((row) => row.Service).sort(), await defaultServices());
    for (const row of rows) {
      assert.equal(row.State, 'running', row.Name);
      assert.equal(row.Health, 'healthy', row.Name);
    }
    for (const row of rows) {
      const { usage, limit } = await memoryOf(row.Name);
      memory[row.Service] = { limitMiB: Math.round(limit / MiB), idleMiB: Math.round(usage / MiB) };
    }
  });

  it('POST /checkout answers 201, and its trace reaches Jaeger with every service', async (t: TestContext) => {
    // The time to the first trace is what a user waits: `up` until it returns, then one checkout until
    // its whole trace is in Jaeger. The check's own inspection in between (the breakdown, each
    // container's state and memory: 2-3 s of podman calls) is not counted.
    const checkoutStarted = performance.now();
    const { status, body } = await checkout('compose-check-first');
    assert.equal(status, 201, JSON.stringify(body));
    const traceId = String(body.traceId);
    assert.match(traceId, /^[0-9a-f]{32}$/);
    first = { orderId: String(body.orderId), traceId };
    const trace = await wholeTrace(traceId);
    const checkoutToTrace = performance.now() - checkoutStarted;
    const sinceUp = upMs + checkoutToTrace;
    figures.upToFirstTrace = {
      seconds: seconds(sinceUp),
      upSeconds: seconds(upMs),
      checkoutToTraceSeconds: seconds(checkoutToTrace),
      loadAverage: load(),
    };
    t.diagnostic(
      `from 'up' (images built, fresh volumes) to the first checkout's whole trace in Jaeger: ${seconds(sinceUp)} s (up ${seconds(upMs)} s + checkout to whole trace ${seconds(checkoutToTrace)} s), target ${TARGET.firstTraceSeconds} s (${trace.spans.length} spans; load average ${load()})`,
    );
    assert.deepEqual([...trace.services].sort(), SERVICE_NAMES);
    target(
      t,
      'first trace after up (fresh volumes)',
      sinceUp / 1000 <= TARGET.firstTraceSeconds,
      `${seconds(sinceUp)} s (target ${TARGET.firstTraceSeconds} s; load average ${load()})`,
    );
  });

  it(`the README's quick start right after up: docker compose run --rm load at its rate and duration, every pathology on: no 5xx, no timeout`, async (t: TestContext) => {
    const since = new Date();
    const { summary, run: result } = await loadRun('pathologies-on', out, LOAD_DURATION);
    const reasons = await complaints(since);
    figures.quickStartPathologiesOn = {
      rate: LOAD_RATE,
      duration: LOAD_DURATION,
      seconds: seconds(result.ms),
      outcomes: summary.outcomes,
      loadAverage: load(),
      reasons,
    };
    t.diagnostic(
      `quick start (${LOAD_RATE}/s for ${LOAD_DURATION} s), every pathology on: ${JSON.stringify(summary.outcomes)} in ${seconds(result.ms)} s (load average ${load()})`,
    );
    t.diagnostic(`what the containers logged: ${JSON.stringify(reasons, null, 1)}`);
    assert.equal(summary.rate.completed, summary.rate.scheduled, 'every scheduled checkout was sent and answered');
    // Never a connection error, and no error but a 503 or a client timeout (pool starvation's queue).
    assert.deepEqual(summary.outcomes.networkErrors, {});
    assert.deepEqual(
      Object.keys(summary.outcomes.byStatus).filter((status) => Number(status) >= 500 && status !== '503'),
      [],
    );
    // The target: a pathology looks slow, not broken: no 5xx and no timeout at all.
    const fiveHundreds = Object.entries(summary.outcomes.byStatus)
      .filter(([status]) => Number(status) >= 500)
      .reduce((sum, [, count]) => sum + count, 0);
    target(
      t,
      'quick start with every pathology on',
      fiveHundreds === 0 && summary.outcomes.timeouts === 0,
      `${fiveHundreds} × 5xx, ${summary.outcomes.timeouts} timeouts of ${summary.rate.completed} checkouts (load average ${load()})`,
    );
  });

  it('publishes exactly the documented ports, each on 127.0.0.1 only', async () => {
    // From each container's port bindings: Podman's container list (and so `compose ps`) shows only the
    // first of two neighbouring published ports.
    const bindings: Array<{ HostIp: string; HostPort: string }> = [];
    for (const row of await psRows()) {
      const [inspected] = JSON.parse((await docker('inspect', row.Name)).stdout) as Array<{
        NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> };
      }>;
      assert.ok(inspected, row.Name);
      for (const list of Object.values(inspected.NetworkSettings.Ports)) bindings.push(...(list ?? []));
    }
    assert.deepEqual(
      bindings.map((binding) => Number(binding.HostPort)).sort((a, b) => a - b),
      PUBLISHED,
    );
    for (const binding of bindings) assert.equal(binding.HostIp, '127.0.0.1', `port ${binding.HostPort}`);
    // And on the host's sockets: each listens on loopback, none on every interface.
    const sockets = (await ok('ss', ['-Hltn'])).stdout.split('\n').map((line) => line.trim().split(/\s+/)[3] ?? '');
    for (const value of PUBLISHED) {
      const listening = sockets.filter((address) => address.endsWith(`:${value}`));
      assert.deepEqual(listening, [`127.0.0.1:${value}`], `host port ${value}`);
    }
  });

  it('ran migrations and seeding on first start, with no manual step', async (t: TestContext) => {
    const databases = await psql(
      'postgres',
      "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE 'tracecart_%'",
    );
    assert.equal(databases, 'tracecart_order,tracecart_payment,tracecart_shipping');
    const rows: string[] = [];
    for (const service of Object.keys(SERVICES)) {
      const applied = await psql(`tracecart_${service}`, "SELECT string_agg(name || '@' || run_on, ',' ORDER BY id) FROM pgmigrations");
      const files = readdir(path.join(REPO, 'services', service, 'migrations'));
      assert.equal(applied.split(',').length, files.length, `${service}: ${applied}`);
      rows.push(`${service}: ${applied}`);
    }
    migrations = rows.join('\n');
    seeded = [
      await psql('tracecart_order', "SELECT (SELECT count(*) FROM customers) || '/' || (SELECT count(*) FROM products)"),
      await psql('tracecart_payment', 'SELECT count(*) FROM payments'),
      await psql('tracecart_shipping', "SELECT (SELECT count(*) FROM carriers) || '/' || (SELECT count(*) FROM shipments)"),
    ].join(' ');
    const [customersProducts = '', payments = '0', carriersShipments = ''] = seeded.split(' ');
    assert.equal(customersProducts, '10000/2000');
    assert.ok(Number(payments) >= 1_000_000, `payments: ${payments}`);
    assert.match(carriersShipments, /^[1-9]\d*\/[1-9]\d{5,}$/);
    t.diagnostic(`seeded: customers/products ${customersProducts}, payments ${payments}, carriers/shipments ${carriersShipments}`);
  });

  it("opens the shop in chromium, places an order, and follows its View trace link into Jaeger's UI", async (t: TestContext) => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(SHOP, { waitUntil: 'load' });
      // The page's first search is drawn once a product's "Add to cart" shows; order and Jaeger are up.
      await page
        .getByRole('button', { name: /^Add .* to the cart$/ })
        .first()
        .waitFor({ timeout: 60_000 });
      const status = (await (await fetch(`${SHOP}/api/status`)).json()) as Record<string, string>;
      assert.deepEqual(status, { order: 'up', jaeger: 'up' });
      await page
        .getByRole('button', { name: /^Add .* to the cart$/ })
        .first()
        .click();
      await page.getByLabel('Visa (approved)').check();
      await page.getByRole('button', { name: 'Place order' }).click();
      const link = page.locator('#view-trace');
      await link.waitFor({ timeout: 60_000 });
      const href = (await link.getAttribute('href')) ?? '';
      // The link is for a browser on the host: the published Jaeger port, not the compose network's name.
      assert.ok(href.startsWith(`${JAEGER}/trace/`), `View trace links to ${href}`);
      const traceId = href.split('/trace/')[1] ?? '';
      assert.match(traceId, /^[0-9a-f]{32}$/);
      await page.locator('#result-status', { hasText: 'SHIPPED' }).waitFor({ timeout: 120_000 });
      // The browser's own spans went through the shop's OTLP intake to Jaeger's, inside the network.
      const trace = await poll("the page's checkout trace, browser spans included", 120_000, async () => {
        const found = await traceOf(traceId);
        return found &&
          ['storefront-web', 'storefront', ...SERVICE_NAMES].every((name) => found.services.has(name)) &&
          found.spans.includes('click')
          ? found
          : undefined;
      });
      t.diagnostic(`the shop's checkout: ${trace.spans.length} spans from ${[...trace.services].sort().join(', ')}`);
      // Jaeger's UI (the stand-in serves the matching UI build) draws that trace.
      await page.goto(href, { waitUntil: 'load' });
      await page.getByText('storefront-web', { exact: false }).first().waitFor({ timeout: 60_000 });
      await page.getByText('order-service', { exact: false }).first().waitFor({ timeout: 60_000 });
      assert.match(await page.title(), /Jaeger|storefront-web|click/, `Jaeger UI's page title: ${await page.title()}`);
    } finally {
      await browser.close();
    }
  });

  it('docker compose run --rm load, every pathology off: completes with no errors', async (t: TestContext) => {
    const switched = await setPathologies(false);
    assert.ok(switched.length >= 4, `pathologies switched off: ${switched.join(', ')}`);
    // The run with pathologies on leaves work behind: orders PENDING for the recovery sweeper, events in
    // the queues that retry. This run measures the stack without pathologies, not that backlog, so it
    // starts once both are drained (dead-letter queues hold what is given up on: they stay as they are).
    const drained = await poll('the backlog of the pathologies-on run (PENDING orders, queued events)', 300_000, async () => {
      const pending = Number(await psql('tracecart_order', "SELECT count(*) FROM orders WHERE status = 'PENDING'"));
      const queued = (await compose('exec', '-T', 'rabbitmq', 'rabbitmqctl', '-q', 'list_queues', 'name', 'messages')).stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter(([name, count]) => name && /^\d+$/.test(count ?? '') && !name.endsWith('.dead-letter'))
        .reduce((sum, [, count]) => sum + Number(count), 0);
      return pending === 0 && queued === 0 ? { pending, queued } : undefined;
    });
    assert.deepEqual(drained, { pending: 0, queued: 0 });
    const since = new Date();
    const { summary, run: result } = await loadRun('pathologies-off', out);
    const reasons = await complaints(since);
    figures.loadPathologiesOff = {
      seconds: seconds(result.ms),
      outcomes: summary.outcomes,
      shipped: summary.shipped,
      loadAverage: load(),
      reasons,
    };
    t.diagnostic(
      `pathologies off: ${JSON.stringify(summary.outcomes)}, shipped ${JSON.stringify(summary.shipped)} in ${seconds(result.ms)} s (load average ${load()})`,
    );
    t.diagnostic(`what the containers logged: ${JSON.stringify(reasons, null, 1)}`);
    assert.equal(summary.rate.completed, summary.rate.scheduled);
    assert.equal(summary.rate.dropped, 0);
    assert.equal(
      summary.outcomes.errors,
      0,
      `${JSON.stringify(summary.outcomes)}\nthe containers logged: ${JSON.stringify(reasons, null, 1)}`,
    );
    assert.ok(summary.outcomes.created > 0);
    assert.equal(summary.shipped.notShippedInTime, 0);
  });

  it('no container was OOM-killed or restarted; peak memory within each limit (the one-shot migrate containers: exited 0, not OOM-killed)', async (t: TestContext) => {
    const composeFile = JSON.parse((await compose('config', '--format', 'json')).stdout) as {
      services: Record<string, { deploy?: { resources?: { limits?: { memory?: number | string } } } }>;
    };
    for (const row of await psRows()) {
      const inspected = JSON.parse((await docker('inspect', row.Name)).stdout) as Array<{
        RestartCount: number;
        State: { OOMKilled: boolean; Restarting: boolean };
      }>;
      const state = inspected[0];
      assert.ok(state);
      assert.equal(state.RestartCount, 0, `${row.Name} restarted`);
      assert.equal(state.State.OOMKilled, false, `${row.Name} was OOM-killed`);
      const measured = await memoryOf(row.Name);
      assert.equal(measured.oomKills, 0, `${row.Name}: the kernel OOM-killed a process in it`);
      // The limit the container runs with is the one docker-compose.yml declares.
      assert.equal(
        measured.limit,
        Number(composeFile.services[row.Service]?.deploy?.resources?.limits?.memory),
        `${row.Name} memory limit`,
      );
      memory[row.Service] = {
        ...memory[row.Service],
        limitMiB: Math.round(measured.limit / MiB),
        peakMiB: Math.round(measured.peak / MiB),
        rssMiB: Math.round(measured.rss / MiB),
      };
    }
    // The one-shot containers have exited: their cgroup is gone, their state says how they ended.
    const oneShot = await oneShotServices();
    const exited = jsonRows<PsRow>((await compose('ps', '--all', '--format', 'json')).stdout).filter((row) => oneShot.has(row.Service));
    assert.equal(exited.length, oneShot.size, `one-shot containers: ${exited.map((row) => row.Name).join(', ')}`);
    for (const row of exited) {
      const [inspected] = JSON.parse((await docker('inspect', row.Name)).stdout) as Inspected[];
      assert.ok(inspected);
      assert.equal(inspected.State.OOMKilled, false, `${row.Name} was OOM-killed`);
      assert.equal(inspected.State.ExitCode, 0, `${row.Name} exited ${inspected.State.ExitCode}`);
    }
    t.diagnostic('memory (MiB; peak counts page cache, rss+shmem is what cannot be reclaimed):');
    for (const [service, figure] of Object.entries(memory)) {
      t.diagnostic(
        `  ${service.padEnd(9)} limit ${String(figure.limitMiB).padStart(4)}  idle ${String(figure.idleMiB).padStart(4)}  peak ${String(figure.peakMiB).padStart(4)} (${Math.round((100 * (figure.peakMiB ?? 0)) / figure.limitMiB)} %)  rss+shmem now ${figure.rssMiB}`,
      );
    }
  });

  it('a second up after down (volume kept) starts without reseeding, with the data still there', async (t: TestContext) => {
    await compose('down');
    const between = await leftovers();
    assert.deepEqual(between.containers, []);
    assert.deepEqual(between.volumes.sort(), [`${PROJECT}_postgres-data`, `${PROJECT}_prometheus-data`, `${PROJECT}_rabbitmq-data`]);
    const upWallClock = Date.now();
    const health = watchHealth(upWallClock);
    let firstHealthy: Record<string, number> = {};
    const result = await compose('up', '-d', '--wait').finally(async () => {
      firstHealthy = await health.stop();
    });
    figures.secondUp = { seconds: seconds(result.ms), loadAverage: load() };
    t.diagnostic(`second up -d --wait: ${seconds(result.ms)} s (load average ${load()})`);
    // The same figure as the first up's (up, then one checkout until its whole trace is in Jaeger),
    // without the first start's migrations and seeding.
    const checkoutStarted = performance.now();
    const again = await checkout('compose-check-second-up');
    assert.equal(again.status, 201, JSON.stringify(again.body));
    await wholeTrace(String(again.body.traceId));
    const checkoutToTrace = performance.now() - checkoutStarted;
    const sinceSecondUp = result.ms + checkoutToTrace;
    for (const row of await psRows()) assert.equal(row.Health, 'healthy', row.Name);
    figures.secondUpToFirstTrace = {
      seconds: seconds(sinceSecondUp),
      upSeconds: seconds(result.ms),
      checkoutToTraceSeconds: seconds(checkoutToTrace),
      loadAverage: load(),
    };
    t.diagnostic(
      `from the second 'up' to its first checkout's whole trace in Jaeger: ${seconds(sinceSecondUp)} s (up ${seconds(result.ms)} s + checkout to whole trace ${seconds(checkoutToTrace)} s), target ${TARGET.secondUpFirstTraceSeconds} s (load average ${load()})`,
    );
    const steps = await breakdown(upWallClock, firstHealthy);
    figures.secondUpBreakdown = steps;
    printBreakdown(t, steps);
    target(
      t,
      'first trace after a second up',
      sinceSecondUp / 1000 <= TARGET.secondUpFirstTraceSeconds,
      `${seconds(sinceSecondUp)} s (target ${TARGET.secondUpFirstTraceSeconds} s; load average ${load()})`,
    );
    const rows: string[] = [];
    for (const service of Object.keys(SERVICES)) {
      rows.push(
        `${service}: ${await psql(`tracecart_${service}`, "SELECT string_agg(name || '@' || run_on, ',' ORDER BY id) FROM pgmigrations")}`,
      );
    }
    assert.equal(rows.join('\n'), migrations, 'the migrations table changed: something ran again');
    assert.ok(first);
    const order = await fetch(`${ORDER}/orders/${first.orderId}`);
    assert.equal(order.status, 200);
    assert.equal(((await order.json()) as { status: string }).status, 'SHIPPED');
    const customers = await psql('tracecart_order', 'SELECT count(*) FROM customers');
    assert.equal(customers, seeded.split(' ')[0]?.split('/')[0]);
  });

  it('docker compose down -v leaves no containers, networks or volumes', async () => {
    await compose('--profile', 'load', 'down', '--volumes', '--remove-orphans');
    assert.deepEqual(await leftovers(), { containers: [], networks: [], volumes: [] });
    // Volumes without the project's label too (an image's anonymous VOLUME): none new since the start.
    assert.deepEqual(await allVolumes(), volumesBefore);
  });
});

function readdir(folder: string): string[] {
  return readdirSync(folder).filter((name) => /^\d+_.+\.(sql|js|ts)$/.test(name));
}
