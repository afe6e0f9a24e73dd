/**
 * RabbitMQ seen from the channel drills (faults-channel.test.ts): `rabbitmqctl` on the local stack's node
 * (as scripts/stack runs it), the services' connections by name, a drill user of the drill's own (it
 * deletes exchanges and queues while the services' user is held down), and the dead-letter counts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import amqp, { type ChannelModel } from 'amqplib';
import { deadLetterQueues } from '@tracecart/messaging/topology';
import { repoRoot } from './faults';
import { config } from './stack';

const url = new URL(config.RABBITMQ_URL);
/** The services' user (RABBITMQ_URL), whose permissions the drills take away and give back. */
export const servicesUser = decodeURIComponent(url.username) || 'guest';
const node = `tracecart-${url.port || '5672'}@localhost`;

/** Runs rabbitmqctl against the local stack's node (its Erlang cookie lives in .stack/rabbitmq). */
export function rabbitmqctl(...args: string[]): Promise<string> {
  const ctl = existsSync('/usr/lib/rabbitmq/bin/rabbitmqctl') ? '/usr/lib/rabbitmq/bin/rabbitmqctl' : 'rabbitmqctl';
  return new Promise((resolve, reject) => {
    execFile(
      ctl,
      ['-q', '-n', node, ...args],
      { env: { ...process.env, HOME: path.join(repoRoot, '.stack', 'rabbitmq') }, timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Configure, write and read permissions of the services' user on vhost `/` (scripts/stack grants all three). */
export async function setServicesPermissions(configure: string, write = '.*', read = '.*'): Promise<void> {
  await rabbitmqctl('set_permissions', '-p', '/', servicesUser, configure, write, read);
}

/**
 * Every open connection of a service (its connection_name client property is the service's name), by pid
 * as close_connection takes it (`<node.N.N.N>`; the JSON formatter's `#PID<...>` is refused there). Read
 * from client_properties: RabbitMQ 3.10 (the local stack's) has no user_provided_name info key.
 */
export async function connectionsOf(service: 'order-service' | 'shipping-service'): Promise<string[]> {
  const out = await rabbitmqctl('list_connections', 'pid', 'client_properties');
  return out
    .split('\n')
    .map((line) => /^(<[^>\t]+>)\t.*\{"connection_name","([^"]*)"\}/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[2] === service)
    .map((match) => match[1]!);
}

/** A user of the drill's own with every permission; closed and deleted by the returned function. */
export async function drillConnection(): Promise<{ connection: ChannelModel; dispose(): Promise<void> }> {
  const user = `tracecart-drill-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await rabbitmqctl('add_user', user, password);
  await rabbitmqctl('set_permissions', '-p', '/', user, '.*', '.*', '.*');
  const drillUrl = new URL(config.RABBITMQ_URL);
  drillUrl.username = user;
  drillUrl.password = password;
  const connection = await amqp.connect(drillUrl.toString());
  connection.on('error', () => undefined);
  return {
    connection,
    async dispose() {
      await connection.close().catch(() => undefined);
      await rabbitmqctl('delete_user', user).catch(() => undefined);
    },
  };
}

/** Messages in every dead-letter queue of the topology. */
export async function deadLettered(connection: ChannelModel): Promise<number> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    let total = 0;
    for (const entry of deadLetterQueues()) total += (await channel.checkQueue(entry.name)).messageCount;
    return total;
  } finally {
    await channel.close().catch(() => undefined);
  }
}
