/**
 * Helpers for the replicas stage (scripts/test-replicas, STACK_REPLICAS=2): where each replica listens
 * (the rule of scripts/stack-replicas.sh), its pid, its log, and what a replica says about its switches.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { serviceInstanceId } from '@tracecart/config';
import { isPathologyName, type PathologyName } from '@tracecart/scenarios';
import { repoRoot, runningPid } from '../faults';
import { config, type ServiceName } from '../stack';

const runDir = path.join(repoRoot, '.stack', 'run');
const basePort: Record<ServiceName, number> = { order: 18080, payment: 18081, shipping: 18082 };
const offset = Number(process.env.STACK_PORT_OFFSET ?? 0);

/** How many replicas of each service the running stack has (`up` records it). */
export function replicaCount(): number {
  const file = path.join(runDir, 'replicas');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 1;
}

/** Fails the file at once when the stack does not run replicas: these tests mean nothing on one process. */
export function requireReplicas(minimum = 2): number {
  const count = replicaCount();
  if (count < minimum)
    throw new Error(`the stack runs ${count} replica(s); start it with STACK_REPLICAS=${minimum} (scripts/test-replicas does)`);
  return count;
}

export function slots(): number[] {
  return Array.from({ length: replicaCount() }, (_, index) => index + 1);
}

export function replicaUrl(service: ServiceName, slot: number): string {
  return `http://127.0.0.1:${basePort[service] + 100 * slot + offset}`;
}

export function replicaLog(service: ServiceName, slot: number): string {
  return path.join(repoRoot, '.stack', 'logs', `${service}.${slot}.log`);
}

export function replicaPid(service: ServiceName, slot: number): number | undefined {
  return runningPid(`${service}.${slot}`);
}

/** The instance id replica `slot`'s spans carry (the default: this host's name and the slot). */
export function instanceIdOf(slot: number): string {
  return serviceInstanceId({ SERVICE_REPLICA_SLOT: String(slot) });
}

/** One replica's switches, asked on its own port: name → on/off. */
export async function switchesOf(service: ServiceName, slot: number, token = config.SCENARIO_TOKEN): Promise<Map<PathologyName, boolean>> {
  const response = await fetch(`${replicaUrl(service, slot)}/scenarios`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`${service}.${slot}: GET /scenarios answered ${response.status}`);
  const body = (await response.json()) as Array<{ name: string; enabled: boolean }>;
  return new Map(body.filter((entry) => isPathologyName(entry.name)).map((entry) => [entry.name as PathologyName, entry.enabled]));
}

/** One replica's exercise mode, asked on its own port with `token`. */
export async function exerciseOf(service: ServiceName, slot: number, token: string): Promise<{ status: number; running?: boolean }> {
  const response = await fetch(`${replicaUrl(service, slot)}/scenarios/_exercise`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json()) as { running?: boolean };
  return { status: response.status, running: body.running };
}

/** Lines of a replica's log from `offset` bytes on, parsed (pino JSON). */
export function replicaLogLines(service: ServiceName, slot: number, offset = 0): Array<Record<string, unknown>> {
  const file = replicaLog(service, slot);
  if (!existsSync(file)) return [];
  return readFileSync(file)
    .subarray(offset)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

export function replicaLogSize(service: ServiceName, slot: number): number {
  const file = replicaLog(service, slot);
  return existsSync(file) ? readFileSync(file).length : 0;
}

/** HAProxy's view of a replica (UP, DOWN, DRAIN, "UP 1/2" while a check failed, ...), from its admin socket. */
export function haproxyStatus(service: ServiceName, slot: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path.join(runDir, 'haproxy.sock'));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', reject);
    socket.on('end', () => {
      const row = text
        .split('\n')
        .map((line) => line.split(','))
        .find((fields) => fields[0] === service && fields[1] === `${service}.${slot}`);
      resolve(row?.[17]);
    });
    socket.end('show stat\n');
  });
}
