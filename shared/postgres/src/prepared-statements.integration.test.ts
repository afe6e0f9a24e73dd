/** Named prepared statements against the real PostgreSQL (the local stack's order database). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@tracecart/config';
import { ensureDatabase } from './migrations';
import { createPool, type Pool } from './pool';
import { maxNamedStatements, statementName } from './prepared-statements';

const config = loadConfig();
const text = 'SELECT $1::int + 1 AS n';

async function preparedOnTheConnection(pool: Pool): Promise<string[]> {
  // max: 1, so this runs on the connection the query before it used.
  const { rows } = await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
  return rows.map((row) => row.name);
}

describe('named prepared statements (real PostgreSQL)', () => {
  const pools: Pool[] = [];
  // The integration stage starts PostgreSQL alone: the order database may not exist yet (no table is needed).
  before(() => ensureDatabase(config, 'order'));
  after(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  it('a parameterised query runs as a statement named after its text, prepared once per connection', async () => {
    const pool = createPool(config, 'order', { max: 1, prepare: true });
    pools.push(pool);
    for (const value of [1, 41, 99]) {
      const { rows } = await pool.query<{ n: number }>(text, [value]);
      assert.equal(rows[0]?.n, value + 1);
    }
    assert.deepEqual(await preparedOnTheConnection(pool), [statementName(text)]);
  });

  it('queries on a checked-out client (transactions) are named too; queries without values are not', async () => {
    const pool = createPool(config, 'order', { max: 1, prepare: true });
    pools.push(pool);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ n: number }>(text, [1]);
      assert.equal(rows[0]?.n, 2);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    assert.deepEqual(await preparedOnTheConnection(pool), [statementName(text)]);
  });

  it('prepare: false leaves every statement unnamed', async () => {
    const pool = createPool(config, 'order', { max: 1, prepare: false });
    pools.push(pool);
    await pool.query(text, [1]);
    assert.deepEqual(await preparedOnTheConnection(pool), []);
  });

  it('names are stable and distinct per text', () => {
    assert.equal(statementName(text), statementName(`${text}`));
    assert.notEqual(statementName(text), statementName('SELECT $1::int + 2 AS n'));
    assert.match(statementName(text) ?? '', /^tc_[0-9a-f]{24}$/);
  });

  // Last: it fills the process's table of names.
  it('past the bound, a new text runs unnamed (and still runs); the texts named before stay named', async () => {
    for (let i = 0; statementName(`SELECT $1::int + ${i} AS filler`) !== undefined; i += 1) assert.ok(i <= maxNamedStatements);
    const pool = createPool(config, 'order', { max: 1, prepare: true });
    pools.push(pool);
    const unnamed = 'SELECT $1::int * 3 AS n';
    assert.equal(statementName(unnamed), undefined);
    const { rows } = await pool.query<{ n: number }>(unnamed, [5]);
    assert.equal(rows[0]?.n, 15);
    await pool.query(text, [1]);
    assert.deepEqual(await preparedOnTheConnection(pool), [statementName(text)]);
  });
});
