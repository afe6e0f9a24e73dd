/**
 * Idempotency-Key retention: a key's row (and so the replay of its answer) is kept for
 * IDEMPOTENCY_RETENTION_HOURS after its last claim, then deleted; a request with an expired key is a new
 * request. Without it the table grew by one row per keyed checkout for ever.
 *
 * The retention is hours, far longer than any checkout or recovery takes to settle a key (minutes), so
 * only keys whose answer is long decided are deleted. A pass runs soon after start and then every
 * `intervalMs`, outside any trace (its query makes no span: the pg instrumentation needs a parent).
 * With several order replicas, the replica holding the pass's lease (job_leases) runs it; the others skip.
 */
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import type { Logger } from '@tracecart/logger';
import type { Queryable } from '@tracecart/postgres';
import { releaseLease, takeLease } from './sweeper-claims';

/** Deletes the keys last claimed longer ago than `retentionHours`; answers how many went. */
export async function expireIdempotencyKeys(db: Queryable, retentionHours: number): Promise<number> {
  const deleted = await db.query('DELETE FROM idempotency_keys WHERE claimed_at < now() - make_interval(hours => $1)', [retentionHours]);
  return deleted.rowCount ?? 0;
}

export interface RetentionOptions {
  db: Queryable;
  logger: Logger;
  retentionHours: number;
  /** Time between passes (10 minutes). */
  intervalMs?: number;
  /** Time before the first pass (30 s: after start-up's own work). */
  firstPassMs?: number;
  /** This replica's name on the pass's lease (service.instance.id). */
  owner?: string;
}

export const RETENTION_LEASE = 'idempotency-retention';

export function startIdempotencyRetention({
  db,
  logger,
  retentionHours,
  intervalMs = 600_000,
  firstPassMs = 30_000,
  owner = `order:${process.pid}`,
}: RetentionOptions): { stop(): void } {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pass = async () => {
    if (running) return;
    running = true;
    try {
      const deleted = await context.with(ROOT_CONTEXT, async () => {
        // A lease longer than the pass takes; another replica holding it runs this pass instead.
        if (!(await takeLease(db, RETENTION_LEASE, owner, 300))) return 0;
        const count = await expireIdempotencyKeys(db, retentionHours);
        await releaseLease(db, RETENTION_LEASE, owner);
        return count;
      });
      if (deleted > 0) logger.info({ deleted, retentionHours }, 'expired idempotency keys');
    } catch (error) {
      logger.warn({ err: error }, 'idempotency key retention pass failed; will retry');
    } finally {
      running = false;
    }
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void pass().finally(() => schedule(intervalMs));
    }, delay);
    timer.unref();
  };
  schedule(firstPassMs);
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
