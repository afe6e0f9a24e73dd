/**
 * The migrate-and-seed step against a real PostgreSQL (POSTGRES_* from the environment; the role needs
 * CREATEDB): a database created when missing, pending migrations reported, two migrators at once (the
 * second waits for the first one's lock instead of failing, and nothing runs twice), idempotent reruns,
 * and the command's exit codes for --check and --wait.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig, type Config } from '@tracecart/config';
import { applyMigrations, ensureDatabase, migrationNames, pendingMigrations } from './migrations';
import { migrateCommand } from './migrate-command';
import { connectionSettings } from './pool';

const database = `tracecart_migrate_test_${process.pid}`;
const config: Config = { ...loadConfig(), PAYMENT_DATABASE: database };
const dir = mkdtempSync(path.join(tmpdir(), 'tracecart-migrations-'));

async function admin<T>(work: (client: pg.Client) => Promise<T>, on = 'postgres'): Promise<T> {
  const client = new pg.Client(connectionSettings(config, on));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('the migrate-and-seed step', () => {
  before(async () => {
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${database}`));
    writeFileSync(
      path.join(dir, '1000_table.sql'),
      '-- Up Migration\nCREATE TABLE things (id int PRIMARY KEY, runs int NOT NULL);\n-- Down Migration\nDROP TABLE things;\n',
    );
    // A slow seed: the second migrator reaches the lock while the first one holds it.
    writeFileSync(
      path.join(dir, '1001_seed.sql'),
      '-- Up Migration\nSELECT pg_sleep(1.5);\nINSERT INTO things SELECT g, 1 FROM generate_series(1, 1000) AS g;\n-- Down Migration\nDELETE FROM things;\n',
    );
  });

  after(async () => {
    await admin((client) => client.query(`DROP DATABASE IF EXISTS ${database}`));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports every migration pending while the database does not exist, and --check exits 1', async () => {
    assert.deepEqual(migrationNames(dir), ['1000_table', '1001_seed']);
    assert.deepEqual(await pendingMigrations(config, 'payment', dir), ['1000_table', '1001_seed']);
    const env = { ...process.env, PAYMENT_DATABASE: database };
    const saved = process.env;
    process.env = env;
    try {
      assert.equal(await migrateCommand('payment', dir, ['--check']), 1);
      assert.equal(await migrateCommand('payment', dir, ['--bogus']), 2);
    } finally {
      process.env = saved;
    }
  });

  it('creates the database once, even when two migrators race for it', async () => {
    const created = await Promise.all([ensureDatabase(config, 'payment'), ensureDatabase(config, 'payment')]);
    assert.equal(created.filter(Boolean).length, 1, `created: ${created.join(', ')}`);
    assert.equal(await ensureDatabase(config, 'payment'), false);
  });

  it('applies each migration exactly once with two migrators at the same time (the second waits for the lock)', async () => {
    const [first, second] = await Promise.all([applyMigrations(config, 'payment', dir), applyMigrations(config, 'payment', dir)]);
    const applied = [...(first ?? []), ...(second ?? [])].map((migration) => migration.name).sort();
    assert.deepEqual(applied, ['1000_table', '1001_seed']);
    const rows = await admin(
      (client) => client.query<{ count: number; runs: number }>('SELECT count(*) AS count, sum(runs) AS runs FROM things'),
      database,
    );
    assert.deepEqual({ ...rows.rows[0] }, { count: 1000, runs: 1000 });
    assert.deepEqual(await pendingMigrations(config, 'payment', dir), []);
  });

  it('is idempotent: a rerun applies nothing, and --check and --wait exit 0', async () => {
    assert.deepEqual(await applyMigrations(config, 'payment', dir), []);
    const saved = process.env;
    process.env = { ...process.env, PAYMENT_DATABASE: database };
    try {
      assert.equal(await migrateCommand('payment', dir, []), 0);
      assert.equal(await migrateCommand('payment', dir, ['--check']), 0);
      assert.equal(await migrateCommand('payment', dir, ['--wait']), 0);
    } finally {
      process.env = saved;
    }
  });

  it('reports a migration added later as pending, and --wait returns once another migrator applied it', async () => {
    writeFileSync(
      path.join(dir, '1002_more.sql'),
      '-- Up Migration\nUPDATE things SET runs = runs + 1;\n-- Down Migration\nUPDATE things SET runs = runs - 1;\n',
    );
    assert.deepEqual(await pendingMigrations(config, 'payment', dir), ['1002_more']);
    const saved = process.env;
    process.env = { ...process.env, PAYMENT_DATABASE: database };
    try {
      const waiting = migrateCommand('payment', dir, ['--wait']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await applyMigrations(config, 'payment', dir);
      assert.equal(await waiting, 0);
    } finally {
      process.env = saved;
    }
    const rows = await admin((client) => client.query<{ runs: string }>('SELECT sum(runs) AS runs FROM things'), database);
    assert.equal(Number(rows.rows[0]?.runs), 2000);
  });
});
