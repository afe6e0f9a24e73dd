/**
 * Database statements. Span names of queries summarise them (`SELECT payments`, one name for every
 * SELECT on that table); the parameterised `db.query.text` (no values) tells statements apart, so
 * operations of db spans are keyed by both.
 */
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';

/** The statement text with its whitespace collapsed; undefined for spans that are not queries. */
export function statementOf(span: FlatSpan): string | undefined {
  const text = span.attributes['db.query.text'];
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  return text.replace(/\s+/g, ' ').trim();
}

export function isDbSpan(span: FlatSpan): boolean {
  return span.attributes['db.system.name'] === 'postgresql' || span.attributes['db.system'] === 'postgresql';
}

export function isQuerySpan(span: FlatSpan): boolean {
  return isDbSpan(span) && statementOf(span) !== undefined;
}

export function isPoolConnectSpan(span: FlatSpan): boolean {
  return span.name === 'pg-pool.connect';
}

/** A span of the PostgreSQL driver that is not a query: a pool wait, or a connection being opened (`pg.connect`). */
export function isDriverSpan(span: FlatSpan): boolean {
  return isPoolConnectSpan(span) || span.name.startsWith('pg.');
}

/** SELECT ... FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE: the statement takes row locks and waits for them. */
export function isLockingSelect(statement: string): boolean {
  return /^(with\b.*\)\s*)?select\b/i.test(statement) && /\bfor\s+(no\s+key\s+)?update\b|\bfor\s+(key\s+)?share\b/i.test(statement);
}

export function isPlainSelect(statement: string): boolean {
  return /^(with\b.*\)\s*)?select\b/i.test(statement) && !isLockingSelect(statement);
}

export function isTransactionEnd(statement: string): boolean {
  return /^(commit|rollback|end)\b/i.test(statement);
}

/**
 * Statements the instrumentation itself runs (the slow-query EXPLAIN). Older services could leak them into
 * request traces; they are not request work, so the analysis ignores them.
 */
export function isInstrumentationStatement(statement: string): boolean {
  return /^explain\b/i.test(statement);
}

/** Shortens a statement for a one-line display. */
export function abbreviate(text: string, length = 72): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

export interface OperationKey {
  service: string;
  operation: string;
  /** The collapsed statement text for db query spans. */
  statement: string | undefined;
}

/**
 * The span's name; an HTTP client span is marked `(client)` to tell it from the server span of the same
 * route, and one named only by its method (no route template known) gets the path it calls.
 */
export function operationNameOf(span: FlatSpan): string {
  const path = span.attributes['url.path'];
  if (span.kind !== SpanKind.CLIENT || isDbSpan(span) || typeof path !== 'string' || path === '') return span.name;
  return span.name.includes(' ') ? `${span.name} (client)` : `${span.name} ${path} (client)`;
}

export function operationOf(span: FlatSpan): OperationKey {
  return { service: span.service, operation: operationNameOf(span), statement: statementOf(span) };
}

export function keyOf(operation: OperationKey): string {
  return `${operation.service}\u0000${operation.operation}\u0000${operation.statement ?? ''}`;
}

/** What a person reads: the statement for queries (the service says which database), else the operation. */
export function labelOf(operation: Pick<OperationKey, 'operation' | 'statement'>, length = 64): string {
  return operation.statement ? abbreviate(operation.statement, length) : operation.operation;
}
