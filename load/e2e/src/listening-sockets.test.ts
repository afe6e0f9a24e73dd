/**
 * Nothing the local stack starts listens beyond loopback, and each component listens on its documented
 * ports only (scripts/lib.sh, shifted by STACK_PORT_OFFSET). Read from the kernel's socket tables
 * (/proc/net/tcp, tcp6, udp, udp6) and the processes scripts/stack started: the pids in .stack/run/*.pid
 * and PostgreSQL's postmaster.pid, with all their descendants (RabbitMQ's Erlang VM runs under its start
 * script), plus epmd, the Erlang port mapper the broker starts on this stack's own port. The compose file's
 * published ports are checked statically in compose.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './faults';
import { config } from './stack';

const offset = Number(process.env.STACK_PORT_OFFSET ?? 0);
/** A port scripts/lib.sh exports, or its default shifted by the offset when run without it. */
const portOf = (name: string, base: number) => Number(process.env[name] ?? base + offset);

const runDir = path.join(repoRoot, '.stack', 'run');

interface Socket {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  inode: number;
}

/** An address of /proc/net/*: IPv4 as one little-endian word, IPv6 as four. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, index) => ((bytes[2 * index]! << 8) | bytes[2 * index + 1]!).toString(16));
  // The longest run of two or more zero groups becomes "::".
  let best = { at: -1, length: 0 };
  for (let at = 0; at < 8; at += 1) {
    let length = 0;
    while (at + length < 8 && groups[at + length] === '0') length += 1;
    if (length > best.length) best = { at, length };
  }
  if (best.length < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
}

/** Listening TCP sockets, and bound unconnected UDP sockets (a UDP "listener"), of the network namespace. */
function listeningSockets(): Socket[] {
  const sockets: Socket[] = [];
  for (const [file, protocol] of [
    ['tcp', 'tcp'],
    ['tcp6', 'tcp'],
    ['udp', 'udp'],
    ['udp6', 'udp'],
  ] as const) {
    const table = path.join('/proc/net', file);
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const [local, remote, state, , , , , , inode] = fields.slice(1);
      const [addressHex, portHex] = local!.split(':');
      const unconnected = /^0+:0000$/.test(remote!);
      if (protocol === 'tcp' ? state !== '0A' : !unconnected) continue;
      sockets.push({ protocol, address: decodeAddress(addressHex!), port: parseInt(portHex!, 16), inode: Number(inode) });
    }
  }
  return sockets;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // gone meanwhile
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** A process and every process below it. */
function withDescendants(root: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const found = new Set<number>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Socket inodes the processes hold open. */
function socketInodes(pids: Iterable<number>): Set<number> {
  const inodes = new Set<number>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone meanwhile
    }
    for (const fd of fds) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(Number(match[1]));
      } catch {
        // closed meanwhile
      }
    }
  }
  return inodes;
}

function recordedPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]!.trim());
  return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
}

const rabbitPort = Number(new URL(config.RABBITMQ_URL).port || 5672);

/** Each component of the local stack, and the ports it is documented to listen on. */
const components: Record<string, { pidFile: string; ports: number[] }> = {
  order: { pidFile: 'order.pid', ports: [config.ORDER_PORT] },
  payment: { pidFile: 'payment.pid', ports: [config.PAYMENT_PORT] },
  shipping: { pidFile: 'shipping.pid', ports: [config.SHIPPING_PORT] },
  partners: { pidFile: 'partners.pid', ports: [config.PARTNERS_PORT] },
  storefront: { pidFile: 'storefront.pid', ports: [config.STOREFRONT_PORT] },
  lab: { pidFile: 'lab.pid', ports: [config.LAB_PORT] },
  jaeger: {
    pidFile: 'jaeger.pid',
    ports: [
      portOf('JAEGER_QUERY_PORT', 16686),
      portOf('JAEGER_GRPC_QUERY_PORT', 16685),
      portOf('JAEGER_OTLP_HTTP_PORT', 4318),
      portOf('JAEGER_OTLP_GRPC_PORT', 4317),
      portOf('JAEGER_HEALTH_PORT', 13133),
      portOf('JAEGER_SAMPLING_PORT', 5778),
      portOf('JAEGER_METRICS_PORT', 8889),
    ],
  },
  prometheus: { pidFile: 'prometheus.pid', ports: [portOf('PROMETHEUS_PORT', 9090)] },
  rabbitmq: { pidFile: 'rabbitmq.pid', ports: [rabbitPort, portOf('RABBITMQ_DIST_PORT', 25672)] },
};

describe('the local stack listens on loopback only, on its documented ports', () => {
  it('decodes /proc/net addresses', () => {
    assert.equal(decodeAddress('0100007F'), '127.0.0.1');
    assert.equal(decodeAddress('00000000'), '0.0.0.0');
    assert.equal(decodeAddress('00000000000000000000000001000000'), '::1');
    assert.equal(decodeAddress('00000000000000000000000000000000'), '::');
    assert.equal(decodeAddress('0000000000000000FFFF00000100007F'), '::ffff:127.0.0.1');
    assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
    assert.ok(!isLoopback('0.0.0.0') && !isLoopback('::') && !isLoopback('10.0.0.7') && !isLoopback('::ffff:10.0.0.7'));
  });

  it('every component scripts/stack started: loopback addresses, exactly its ports', () => {
    const sockets = listeningSockets();
    const problems: string[] = [];
    const owners = new Map<string, Set<number>>();
    for (const [name, { pidFile }] of Object.entries(components)) {
      const pid = recordedPid(path.join(runDir, pidFile));
      if (pid === undefined) problems.push(`${name}: not running from this stack (no live pid in .stack/run/${pidFile})`);
      else owners.set(name, withDescendants(pid));
    }
    if (existsSync(path.join(runDir, 'postgres.ours'))) {
      const pid = recordedPid(path.join(repoRoot, '.stack', 'postgres', 'postmaster.pid'));
      if (pid === undefined) problems.push('postgres: no live postmaster.pid');
      else owners.set('postgres', withDescendants(pid));
    } else {
      problems.push(
        `postgres: not started by this stack (something else listened on ${config.POSTGRES_PORT}); its binding cannot be vouched for`,
      );
    }
    const expected: Record<string, number[]> = {
      ...Object.fromEntries(Object.entries(components).map(([name, { ports }]) => [name, ports])),
      postgres: [config.POSTGRES_PORT],
    };

    const epmdPort = portOf('RABBITMQ_EPMD_PORT', 4369);
    for (const [name, pids] of owners) {
      const inodes = socketInodes(pids);
      const held = sockets.filter((socket) => inodes.has(socket.inode));
      for (const socket of held) {
        if (!isLoopback(socket.address)) problems.push(`${name}: ${socket.protocol} ${socket.address}:${socket.port} is not loopback`);
      }
      // epmd, should it stay below the broker's start script, is checked on its own below.
      const tcpPorts = [
        ...new Set(
          held
            .filter((socket) => socket.protocol === 'tcp' && !(name === 'rabbitmq' && socket.port === epmdPort))
            .map((socket) => socket.port),
        ),
      ].sort((a, b) => a - b);
      const wanted = [...new Set(expected[name])].sort((a, b) => a - b);
      if (JSON.stringify(tcpPorts) !== JSON.stringify(wanted))
        problems.push(`${name}: listens on ${tcpPorts.join(', ') || 'nothing'}, documented ${wanted.join(', ')}`);
    }

    // epmd: started by the broker as a daemon of its own (not below the pid the stack recorded), on this stack's port.
    const epmd = sockets.filter((socket) => socket.protocol === 'tcp' && socket.port === epmdPort);
    if (epmd.length === 0) problems.push(`epmd: nothing listens on ${epmdPort}`);
    for (const socket of epmd) if (!isLoopback(socket.address)) problems.push(`epmd: ${socket.address}:${socket.port} is not loopback`);

    assert.deepEqual(problems, []);
    assert.ok(owners.size === Object.keys(components).length + 1, 'every component was inspected');
  });
});
