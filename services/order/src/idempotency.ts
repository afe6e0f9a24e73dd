/**
 * Idempotency-Key handling. The first request with a key claims it (a committed row); later requests
 * with the same key get the first answer, wait for it while it is being made, or 422 when their body
 * differs. The key also remembers the order it created, so a checkout that died half-way is finished,
 * never repeated.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '@tracecart/postgres';

export type StoredAnswer = { status: number; body: Record<string, unknown> };

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'mismatch' }
  | { kind: 'in-progress'; orderId: string | null };

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
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

export async function claimKey(db: Queryable, key: string, hash: string): Promise<Claim> {
  const inserted = await db.query(
    'INSERT INTO idempotency_keys (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
    [key, hash],
  );
  if (inserted.rowCount === 1) return { kind: 'claimed' };
  return lookUp(db, key, hash);
}

export async function lookUp(db: Queryable, key: string, hash: string): Promise<Claim> {
  const { rows } = await db.query<{
    request_hash: string;
    order_id: string | null;
    response_status: number | null;
    response_body: Record<string, unknown> | null;
  }>('SELECT request_hash, order_id, response_status, response_body FROM idempotency_keys WHERE key = $1', [key]);
  const row = rows[0];
  // Released meanwhile (the first attempt failed before creating anything): claim it afresh.
  if (!row) return claimKey(db, key, hash);
  if (row.request_hash !== hash) return { kind: 'mismatch' };
  if (row.response_status !== null && row.response_body !== null) {
    return { kind: 'replay', answer: { status: row.response_status, body: row.response_body } };
  }
  return { kind: 'in-progress', orderId: row.order_id };
}

export async function attachOrder(db: Queryable, key: string, orderId: string): Promise<void> {
  await db.query('UPDATE idempotency_keys SET order_id = $2 WHERE key = $1', [key, orderId]);
}

export async function storeAnswer(db: Queryable, key: string, answer: StoredAnswer): Promise<void> {
  await db.query('UPDATE idempotency_keys SET response_status = $2, response_body = $3 WHERE key = $1', [
    key,
    answer.status,
    JSON.stringify(answer.body),
  ]);
}

/** Stores the answer for every key that created this order (used when finishing an order later). */
export async function storeAnswerForOrder(db: Queryable, orderId: string, answer: StoredAnswer): Promise<void> {
  await db.query(
    'UPDATE idempotency_keys SET response_status = $2, response_body = $3 WHERE order_id = $1 AND response_status IS NULL',
    [orderId, answer.status, JSON.stringify(answer.body)],
  );
}

/** Frees a key whose request created nothing (it failed before the order existed), so a retry may run. */
export async function releaseKey(db: Queryable, key: string): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE key = $1 AND order_id IS NULL AND response_status IS NULL', [key]);
}
