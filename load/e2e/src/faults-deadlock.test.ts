/**
 * Stock reservation under opposite lock orders (issue 13, Medium #6): 50 simultaneous checkouts of the
 * same two SKUs, half of them listing the SKUs in one order and half in the other. Stock rows are locked
 * in product_id order, so PostgreSQL detects no deadlock (its own counter, pg_stat_database.deadlocks, is
 * the judge) and no checkout answers 500; with the pathologies as a fresh stack starts and with them off.
 * On this shared 2-core machine 50 checkouts queued on two rows can wait longer for a pooled connection
 * than POSTGRES_CONNECT_TIMEOUT_MS: that is a 503 the API asks clients to retry with the same
 * Idempotency-Key, so the clients do, every checkout must end 201, and the 503s are counted and printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { checkoutUntilFinal, keepScenarios, scenariosOff, sql, type Attempt } from './faults';
import { cart, setAllScenarios } from './stack';

const concurrent = 50;
const skus = ['SKU-00011', 'SKU-00012'] as const;

async function oppositeOrders(): Promise<Array<{ attempts: Attempt[]; final: Attempt | undefined }>> {
  return Promise.all(
    Array.from({ length: concurrent }, (_, index) => {
      const body = cart(1);
      const [first, second] = index % 2 === 0 ? skus : [skus[1], skus[0]];
      const items = [
        { sku: first, quantity: 1 },
        { sku: second, quantity: 1 },
      ];
      return checkoutUntilFinal({ ...body, items }, `opposite-${index}-${randomUUID()}`, Date.now() + 120_000);
    }),
  );
}

async function deadlocksSoFar(): Promise<number> {
  const rows = await sql<{ n: number }>('order', 'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()');
  return rows[0]!.n;
}

function tally(attempts: Attempt[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const attempt of attempts) {
    const label = attempt.kind === 'answer' ? String(attempt.status) : 'no-answer';
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

describe(`${concurrent} concurrent checkouts of the same two SKUs in opposite orders`, { timeout: 300_000 }, () => {
  let restoreScenarios: () => Promise<void> = async () => undefined;
  before(async () => {
    restoreScenarios = await keepScenarios();
  });
  after(async () => {
    await restoreScenarios();
  });

  for (const mode of ['pathologies on', 'pathologies off'] as const) {
    it(`no deadlock, no 500, every checkout placed (${mode})`, async () => {
      if (mode === 'pathologies on') await setAllScenarios(true);
      else await scenariosOff();
      const deadlocksBefore = await deadlocksSoFar();
      const outcomes = await oppositeOrders();
      const deadlocks = (await deadlocksSoFar()) - deadlocksBefore;
      const every = tally(outcomes.flatMap((outcome) => outcome.attempts));
      const finals = tally(outcomes.flatMap((outcome) => (outcome.final ? [outcome.final] : [])));
      console.log(
        `[reliability] opposite lock orders, ${concurrent} concurrent checkouts (${mode}): final ${JSON.stringify(finals)}, every answer ${JSON.stringify(every)}, deadlocks ${deadlocks}`,
      );
      assert.equal(deadlocks, 0, 'PostgreSQL detected no deadlock');
      const errors = outcomes
        .flatMap((outcome) => outcome.attempts)
        .filter((attempt) => attempt.kind === 'answer' && attempt.status >= 500 && attempt.status !== 503);
      assert.deepEqual(errors, [], 'no 500: a conflict is never an internal error');
      const unavailable = outcomes
        .flatMap((outcome) => outcome.attempts)
        .filter((attempt) => attempt.kind === 'answer' && attempt.status === 503);
      for (const attempt of unavailable)
        assert.equal(attempt.kind === 'answer' && attempt.body.error, 'database_unavailable', 'a 503 is a pool wait');
      assert.equal(finals['201'] ?? 0, concurrent, 'every checkout was placed');
    });
  }
});
