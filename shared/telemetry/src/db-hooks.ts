/**
 * Hooks on database query spans. Every query span is named by its query summary. The pg
 * instrumentation is configured once, by the preload, before any pool exists; whoever wants to look at query spans later (e.g. @tracecart/postgres's
 * slow-query plans) adds a listener here and gets each query's span, its statement and, when it
 * answers, how long it took. Nothing here knows what a listener does with them.
 */
import type { Span } from '@opentelemetry/api';
import { hrTime, hrTimeDuration, hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR_DB_COLLECTION_NAME, ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_SUMMARY } from '@opentelemetry/semantic-conventions';
import { summarizeQuery, type QuerySummary } from './query-summary';

export interface DbQuery {
  text: string;
  /** Parameter values: for the listener only, never to be written to a span. */
  values: readonly unknown[];
}

export interface DbQueryListener {
  /** A query span has started. */
  onQuery?(span: Span, query: DbQuery): void;
  /** The query of that span has answered, `elapsedMs` after its span started. */
  onResult?(span: Span, elapsedMs: number): void;
}

const listeners = new Set<DbQueryListener>();

/** Adds a listener for every query span of this process; returns the function that removes it. */
export function addDbQueryListener(listener: DbQueryListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

// A service runs a few dozen distinct statements (their values travel apart from the text), so each
// text is tokenised once, not once per query. Bounded in case a caller builds texts with values in them.
const summaries = new Map<string, QuerySummary>();
const maxSummaries = 1_000;

function summaryOf(text: string): QuerySummary {
  let summary = summaries.get(text);
  if (summary === undefined) {
    summary = summarizeQuery(text);
    if (summaries.size >= maxSummaries) summaries.clear();
    summaries.set(text, summary);
  }
  return summary;
}

/**
 * Names a query span by what it touches (`SELECT payments`, `UPDATE stock`, `SELECT carriers FOR UPDATE`)
 * instead of the instrumentation's `pg.query:SELECT <database>`, with the semconv attributes that go
 * with it. Only the statement's operation and table words are read: no value reaches the name.
 */
export function nameQuerySpan(span: Span, text: string): void {
  const { summary, operation, collection } = summaryOf(text);
  span.updateName(summary);
  span.setAttribute(ATTR_DB_QUERY_SUMMARY, summary);
  span.setAttribute(ATTR_DB_OPERATION_NAME, operation);
  if (collection) span.setAttribute(ATTR_DB_COLLECTION_NAME, collection);
}

export function pgRequestHook(span: Span, info: { query: { text: string; values?: unknown[] } }): void {
  nameQuerySpan(span, info.query.text);
  if (listeners.size === 0) return;
  const query = { text: info.query.text, values: info.query.values ?? [] };
  for (const listener of listeners) listener.onQuery?.(span, query);
}

export function pgResponseHook(span: Span): void {
  if (listeners.size === 0) return;
  const startTime = (span as unknown as ReadableSpan).startTime;
  if (!startTime) return;
  const elapsedMs = hrTimeToMilliseconds(hrTimeDuration(startTime, hrTime()));
  for (const listener of listeners) listener.onResult?.(span, elapsedMs);
}
