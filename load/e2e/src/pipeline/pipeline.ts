/**
 * Helpers for the Kafka pipeline's drills (load/e2e/src/pipeline/*.test.ts, run by scripts/test-pipeline on a
 * stack brought up with TRACE_PIPELINE=kafka; docs/tracing-pipeline.md): checkouts placed at a steady rate,
 * each one's trace read back from Cassandra through the query API and classified against what the services
 * emitted, the consumer lag, and the drill lengths (short by default, FULL_CHECKS=1 for the full ones).
 */
import type { FlatSpan } from '@tracecart/jaeger-client';
import { sleep, stack, waitUntil } from '../faults';
import { cart, checkout, jaeger, paidTraceComplete } from '../stack';

/** The drills run only against the pipeline mode (scripts/test-pipeline sets TRACE_PIPELINE=kafka). */
export const notPipeline = process.env.TRACE_PIPELINE === 'kafka' ? false : 'runs in the pipeline stage: scripts/test-pipeline';

export const FULL = process.env.FULL_CHECKS === '1';
/** A drill length: `short` seconds by default (CI), `full` with FULL_CHECKS=1. */
export const seconds = (short: number, full: number) => (FULL ? full : short) * 1_000;

export async function kafkaLag(): Promise<number> {
  const output = await stack('kafka-lag');
  const line = output
    .trim()
    .split('\n')
    .reverse()
    .find((candidate) => /^\d+$/.test(candidate.trim()));
  if (line === undefined) throw new Error(`no lag in: ${output.slice(-300)}`);
  return Number(line);
}

/** Waits until the ingesters have read every span in Kafka; returns how long that took. */
export async function waitForLagZero(timeoutMs: number): Promise<number> {
  const started = Date.now();
  await waitUntil('the consumer lag to reach 0', async () => (await kafkaLag()) === 0, timeoutMs, 2_000);
  return Date.now() - started;
}

export interface Placed {
  traceId: string;
  declined: boolean;
  status: number;
  at: number;
}

/**
 * Checkouts at `perSecond` for `durationMs` (each started on its tick, not after the previous one), a share
 * `declineShare` of them declined (ERROR spans); `during` runs alongside (the fault). Only answered
 * checkouts (201 or 402) count: their traces are what the services emitted.
 */
export async function placeAtRate(
  perSecond: number,
  durationMs: number,
  declineShare: number,
  during: () => Promise<void> = async () => undefined,
): Promise<{ placed: Placed[]; unanswered: number }> {
  const pending: Array<Promise<Placed | undefined>> = [];
  const started = Date.now();
  const fault = during();
  let index = 0;
  while (Date.now() - started < durationMs) {
    const declined = (index * declineShare) % 1 >= 1 - declineShare; // spread evenly, declineShare of them
    index += 1;
    pending.push(
      checkout(cart(2, declined ? 'tok_chargeDeclined' : undefined)).then(
        (answer) =>
          answer.status === 201 || answer.status === 402
            ? { traceId: answer.body.traceId, declined: answer.status === 402, status: answer.status, at: Date.now() }
            : undefined,
        () => undefined,
      ),
    );
    await sleep(Math.max(0, started + (index * 1_000) / perSecond - Date.now()));
  }
  await fault;
  const answers = await Promise.all(pending);
  const placed = answers.filter((answer): answer is Placed => answer !== undefined);
  return { placed, unanswered: answers.length - placed.length };
}

export type TraceState = 'whole' | 'broken' | 'missing';

/** A stored checkout trace is whole when it has every service's spans (paid) or order's and payment's with the ERROR (declined). */
export function traceState(spans: FlatSpan[], declined: boolean): TraceState {
  if (spans.length === 0) return 'missing';
  if (declined) {
    const whole =
      spans.some((span) => span.service === 'order-service') &&
      spans.some((span) => span.service === 'payment-service' && span.statusCode === 2);
    return whole ? 'whole' : 'broken';
  }
  return paidTraceComplete(spans) ? 'whole' : 'broken';
}

export interface Tally {
  checkouts: number;
  errors: number;
  stored: number;
  lost: number;
  broken: number;
  errorsLost: number;
  brokenIds: string[];
  lostIds: string[];
}

/** Reads every placed checkout's trace from the query service (Cassandra) and counts what is missing or incomplete. */
export async function tally(placed: Placed[]): Promise<Tally> {
  const result: Tally = { checkouts: placed.length, errors: 0, stored: 0, lost: 0, broken: 0, errorsLost: 0, brokenIds: [], lostIds: [] };
  for (const one of placed) {
    const state = traceState(await jaeger.trace(one.traceId), one.declined);
    if (one.declined) result.errors += 1;
    if (state !== 'missing') result.stored += 1;
    if (state === 'missing') {
      result.lost += 1;
      result.lostIds.push(one.traceId);
    }
    if (state === 'broken') {
      result.broken += 1;
      result.brokenIds.push(one.traceId);
    }
    if (one.declined && state !== 'whole') result.errorsLost += 1;
  }
  return result;
}

/** Waits until every placed trace is stored whole, or `timeoutMs` passes; then the tally. */
export async function settleAndTally(placed: Placed[], timeoutMs: number): Promise<Tally> {
  const deadline = Date.now() + timeoutMs;
  let last = await tally(placed);
  while ((last.lost > 0 || last.broken > 0) && Date.now() < deadline) {
    await sleep(3_000);
    last = await tally(placed);
  }
  return last;
}

/** One line of figures for the drill's output (the note's table is built from them). */
export function report(name: string, figures: Record<string, unknown>): void {
  const { brokenIds, lostIds, ...shown } = figures as Record<string, unknown> & { brokenIds?: unknown; lostIds?: unknown };
  console.log(
    `[pipeline drill] ${name}: ${JSON.stringify(shown)}${lostIds || brokenIds ? ` sample ids ${JSON.stringify({ lost: (lostIds as string[] | undefined)?.slice(0, 3), broken: (brokenIds as string[] | undefined)?.slice(0, 3) })}` : ''}`,
  );
}
