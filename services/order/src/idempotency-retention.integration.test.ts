/** Idempotency-Key retention against the real PostgreSQL: old keys go, recent ones stay, the job runs by itself. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '@tracecart/config';
import { createLogger } from '@tracecart/logger';
import { createPool, migrate, type Pool } from '@tracecart/postgres';
import { claimKey, requestHash, storeAnswer } from './idempotency-keys-repo';
import { expireIdempotencyKeys, startIdempotencyRetention } from './idempotency-retention';

describe('idempotency key retention (real PostgreSQL)', () => {
  let pool: Pool;
  before(async () => {
    // The integration stage starts PostgreSQL alone: the order database and its tables come from its migrations.
    const config = loadConfig();
    await migrate(config, 'order', path.join(__dirname, '..', 'migrations'), createLogger('test', 'silent'));
    pool = createPool(config, 'order', { max: 4 });
  });
  after(() => pool.end());

  /** A key with a stored answer, last claimed `hoursAgo` hours ago. */
  async function answeredKey(hoursAgo: number): Promise<{ key: string; hash: string }> {
    const key = `retention-${randomUUID()}`;
    const hash = requestHash({ key });
    const claim = await claimKey(pool, key, hash, 30);
    assert.equal(claim.kind, 'claimed');
    await storeAnswer(pool, key, (claim as { token: string }).token, { status: 409, body: { error: 'out_of_stock' } });
    await pool.query(
      `UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $2), claimed_at = now() - make_interval(hours => $2) WHERE key = $1`,
      [key, hoursAgo],
    );
    return { key, hash };
  }

  async function exists(key: string): Promise<boolean> {
    return (await pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount === 1;
  }

  it('deletes keys older than the retention and keeps the others', async () => {
    const old = await answeredKey(25);
    const recent = await answeredKey(23);
    const fresh = await answeredKey(0);
    const deleted = await expireIdempotencyKeys(pool, 24);
    assert.ok(deleted >= 1, `deleted ${deleted}`);
    assert.equal(await exists(old.key), false, 'the 25 h old key expired');
    assert.equal(await exists(recent.key), true, 'the 23 h old key stays');
    assert.equal(await exists(fresh.key), true);
    // The recent key still replays its answer; the expired one is a new request.
    assert.equal((await claimKey(pool, recent.key, recent.hash, 30)).kind, 'replay');
    assert.equal((await claimKey(pool, old.key, old.hash, 30)).kind, 'claimed');
  });

  it('follows the configured retention', async () => {
    const twoHours = await answeredKey(2);
    await expireIdempotencyKeys(pool, 3);
    assert.equal(await exists(twoHours.key), true);
    await expireIdempotencyKeys(pool, 1);
    assert.equal(await exists(twoHours.key), false);
  });

  it('runs periodically by itself once started', async () => {
    const old = await answeredKey(48);
    const job = startIdempotencyRetention({
      db: pool,
      logger: createLogger('retention-test', 'silent'),
      retentionHours: 24,
      intervalMs: 50,
      firstPassMs: 10,
    });
    try {
      const deadline = Date.now() + 30_000;
      while ((await exists(old.key)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await exists(old.key), false, 'the job deleted the expired key');
      // And again on a later pass: a key that expires while the job runs goes too.
      const later = await answeredKey(30);
      const again = Date.now() + 30_000;
      while ((await exists(later.key)) && Date.now() < again) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await exists(later.key), false, 'a later pass deleted the next expired key');
    } finally {
      job.stop();
    }
  });
});
