/**
 * The Idempotency-Keys' repository (table idempotency_keys) and the claim protocol's SQL; the loop that
 * runs a checkout with them is idempotent-checkout.ts. The first request with a key claims it (a committed row with a claim
 * token); later requests with the same key get the first answer, wait for it while it is being made,
 * or 422 when their body differs. The key also remembers the order it created, so a checkout that
 * died half-way is finished, never repeated.
 *
 * A claim that never got its order (the request died between claiming the key and committing the
 * order: process killed, database gone) would block the key for ever; once older than any live
 * checkout can take (claimStaleSeconds, checkout-deadlines.ts), a waiting request takes it over with a fresh token. Only the token's holder can
 * attach an order, so a slow original holder that lost its claim rolls back instead of ordering twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Queryable } from '@tracecart/postgres';

export type StoredAnswer = { status: number; body: Record<string, unknown> };

export type Claim =
  | { kind: 'claimed'; token: string }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'mismatch' }
  | { kind: 'in-progress'; orderId: string | null };

/** The request lost its claim on the key to a takeover (it was considered abandoned). */
export class ClaimLostError extends Error {
  constructor(key: string) {
    super(`Idempotency-Key ${key} was taken over by another request`);
    this.name = 'ClaimLostError';
  }
}

const keyPattern = /^[\x21-\x7e]{1,128}$/;

export function isValidKey(key: string): boolean {
  return keyPattern.test(key);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Same hash for the same JSON body whatever the key order. */
export function requestHash(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

export async function claimKey(db: Queryable, key: string, hash: string, staleAfterSeconds: number): Promise<Claim> {
  const token = randomUUID();
  const inserted = await db.query(
    'INSERT INTO idempotency_keys (key, request_hash, claim_token) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING',
    [key, hash, token],
  );
  if (inserted.rowCount === 1) return { kind: 'claimed', token };
  return lookUp(db, key, hash, staleAfterSeconds);
}

export async function lookUp(db: Queryable, key: string, hash: string, staleAfterSeconds: number): Promise<Claim> {
  const { rows } = await db.query<{
    request_hash: string;
    order_id: string | null;
    response_status: number | null;
    response_body: Record<string, unknown> | null;
    stale: boolean;
  }>(
    `SELECT request_hash, order_id, response_status, response_body, claimed_at < now() - make_interval(secs => $2) AS stale
       FROM idempotency_keys WHERE key = $1`,
    [key, staleAfterSeconds],
  );
  const row = rows[0];
  // Released meanwhile (the first attempt failed before creating anything): claim it afresh.
  if (!row) return claimKey(db, key, hash, staleAfterSeconds);
  if (row.request_hash !== hash) return { kind: 'mismatch' };
  if (row.response_status !== null && row.response_body !== null) {
    return { kind: 'replay', answer: { status: row.response_status, body: row.response_body } };
  }
  if (row.order_id === null && row.stale) {
    // Abandoned before its order was committed: take it over. The conditions are re-checked under the
    // row lock, so of several takers, and against a late attachOrder, exactly one wins.
    const token = randomUUID();
    const taken = await db.query(
      `UPDATE idempotency_keys SET claim_token = $2, claimed_at = now()
        WHERE key = $1 AND order_id IS NULL AND response_status IS NULL AND claimed_at < now() - make_interval(secs => $3)`,
      [key, token, staleAfterSeconds],
    );
    if (taken.rowCount === 1) return { kind: 'claimed', token };
  }
  return { kind: 'in-progress', orderId: row.order_id };
}

/** Records the key's order, in the order's transaction; throws ClaimLostError when the claim is gone. */
export async function attachOrder(db: Queryable, key: string, token: string, orderId: string): Promise<void> {
  const updated = await db.query('UPDATE idempotency_keys SET order_id = $3 WHERE key = $1 AND claim_token = $2 AND order_id IS NULL', [
    key,
    token,
    orderId,
  ]);
  if (updated.rowCount !== 1) throw new ClaimLostError(key);
}

/** Stores a final answer that created no order (a business refusal), if this request still holds the key. */
export async function storeAnswer(db: Queryable, key: string, token: string, answer: StoredAnswer): Promise<void> {
  await db.query(
    'UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE key = $1 AND claim_token = $2 AND order_id IS NULL',
    [key, token, answer.status, JSON.stringify(answer.body)],
  );
}

/** Stores the answer for every key that created this order (used when finishing an order later). */
export async function storeAnswerForOrder(db: Queryable, orderId: string, answer: StoredAnswer): Promise<void> {
  await db.query('UPDATE idempotency_keys SET response_status = $2, response_body = $3 WHERE order_id = $1 AND response_status IS NULL', [
    orderId,
    answer.status,
    JSON.stringify(answer.body),
  ]);
}

/** Frees a key whose request created nothing (it failed before the order existed), so a retry may run. */
export async function releaseKey(db: Queryable, key: string, token: string): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE key = $1 AND claim_token = $2 AND order_id IS NULL AND response_status IS NULL', [
    key,
    token,
  ]);
}
