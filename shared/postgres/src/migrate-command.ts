/**
 * The one-shot migrate-and-seed step, run once per deployment before the services take traffic (the
 * local stack's `up`, compose's `migrate` service, a Kubernetes Job). Each service ships it as
 * dist/migrate.js, which calls migrateCommand with its name and migrations folder:
 *
 *   node dist/migrate.js           create the database if missing, apply the pending migrations (seeds
 *                                  included; another migrator's lock is waited for), then VACUUM ANALYZE
 *                                  what was seeded, so the first queries read settled, hinted pages
 *   node dist/migrate.js --check   exit 0 only when every migration is applied (1 when some are not)
 *   node dist/migrate.js --wait    poll every 2 s until every migration is applied (init containers)
 *
 * It prints one plain line per step (what the compose check reads back for its breakdown):
 *   payment: database tracecart_payment created
 *   payment: applied 1763900000001_seed-payment-history in 3.4 s
 *   payment: 6 migrations applied in 9.8 s, vacuum analyze 1.1 s
 */
import { lookup } from 'node:dns/promises';
import { databaseFor, loadConfig, type Config, type ServiceName } from '@tracecart/config';
import { applyMigrationsAndVacuum, ensureDatabase, pendingMigrations } from './migrations';

const seconds = (ms: number): string => (ms / 1000).toFixed(1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors of a server that is not (yet) there: worth another try while the deadline allows. */
function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  // pg's own connect timeout (connectionSettings) has no code, only its message.
  const timedOut = !code && /connection timeout|timeout expired/i.test((error as { message?: string }).message ?? '');
  return timedOut || ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '57P03'].includes(code);
}

/** How the server's name resolves now, and how long that took: whether a wait is the name's or the server's. */
async function resolution(host: string): Promise<string> {
  const started = performance.now();
  try {
    const { address } = await lookup(host);
    return `${host} resolved to ${address} in ${Math.round(performance.now() - started)} ms`;
  } catch (error) {
    return `${host} did not resolve (${(error as { code?: string }).code ?? String(error)}) in ${Math.round(performance.now() - started)} ms`;
  }
}

async function migrateOnce(config: Config, service: ServiceName, dir: string, say: (line: string) => void): Promise<void> {
  const started = performance.now();
  if (await ensureDatabase(config, service)) say(`database ${databaseFor(config, service)} created`);
  const { applied, vacuumMs } = await applyMigrationsAndVacuum(config, service, dir, (migration) =>
    say(`applied ${migration.name} in ${seconds(migration.ms)} s`),
  );
  if (applied.length === 0) {
    say(`up to date, nothing to apply (${seconds(performance.now() - started)} s)`);
    return;
  }
  say(
    `${applied.length} migrations applied in ${seconds(performance.now() - started - vacuumMs)} s, vacuum analyze ${seconds(vacuumMs)} s`,
  );
}

/** Runs the step; resolves to the process's exit code. */
export async function migrateCommand(service: ServiceName, dir: string, argv: string[] = process.argv.slice(2)): Promise<number> {
  const say = (line: string) => console.log(`${service}: ${line}`);
  const mode = argv[0] ?? '';
  if (!['', '--check', '--wait'].includes(mode) || argv.length > 1) {
    console.error(`usage: node dist/migrate.js [--check | --wait]   (got: ${argv.join(' ')})`);
    return 2;
  }
  const config = loadConfig();
  if (mode === '--check') {
    const pending = await pendingMigrations(config, service, dir);
    say(pending.length === 0 ? 'fully migrated' : `${pending.length} migrations pending: ${pending.join(', ')}`);
    return pending.length === 0 ? 0 : 1;
  }
  if (mode === '--wait') {
    let last = '';
    for (;;) {
      const pending = await pendingMigrations(config, service, dir).catch((error: unknown) => {
        if (isUnreachable(error)) return undefined;
        throw error;
      });
      if (pending?.length === 0) {
        say('fully migrated');
        return 0;
      }
      const line = pending ? `waiting for ${pending.length} migrations: ${pending.join(', ')}` : 'waiting for PostgreSQL';
      if (line !== last) say(line);
      last = line;
      await sleep(2000);
    }
  }
  // Apply. A server that is still starting is retried for a minute (compose and the stack start the
  // step once PostgreSQL answers; a Kubernetes Job may come first).
  const started = Date.now();
  const deadline = started + 60_000;
  let lastCode = '';
  for (;;) {
    try {
      await migrateOnce(config, service, dir, say);
      return 0;
    } catch (error) {
      if (!isUnreachable(error) || Date.now() > deadline) throw error;
      // One line per kind of failure, with the time waited so far: a slow start says where it waited.
      const code = (error as { code?: string }).code ?? 'connect timeout';
      if (code !== lastCode)
        say(
          `PostgreSQL not reachable yet (${code}; ${await resolution(config.POSTGRES_HOST)}) after ${seconds(Date.now() - started)} s; retrying every second`,
        );
      lastCode = code;
      await sleep(1000);
    }
  }
}

/** The entry point of a service's dist/migrate.js. */
export function runMigrateCommand(service: ServiceName, dir: string): void {
  migrateCommand(service, dir).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`${service}: migration failed`, error);
      process.exit(1);
    },
  );
}
