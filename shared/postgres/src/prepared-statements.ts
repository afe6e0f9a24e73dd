/**
 * Named prepared statements for every parameterised query, without touching a call site: a pooled
 * connection's `query(text, values)` becomes `query({ name, text, values })`, the name derived from the
 * text. PostgreSQL then parses a statement once per connection instead of once per call, and after five
 * runs plans it once too (its generic plan, unless a custom plan is clearly cheaper). pg keeps track of
 * what each connection has prepared; a dropped or created index invalidates the plans, so the
 * missing-index pathology still switches at run time. Queries without values (BEGIN, COMMIT, SELECT 1)
 * stay unnamed: there is nothing to plan twice.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

const names = new Map<string, string>();

/** The statement name for a query text: stable across processes, distinct per text. */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `tc_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

type QueryFunction = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Makes one connection name its parameterised queries (call once per new connection). */
export function preparePerConnection(client: pg.Client | pg.PoolClient): void {
  // The prototype's query is the one the pg instrumentation wraps: calling it keeps every span.
  const prototypeQuery = Object.getPrototypeOf(client).query as QueryFunction;
  const query: QueryFunction = function (this: pg.Client, config, values, callback) {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      return prototypeQuery.call(this, { name: statementName(config), text: config, values }, callback);
    }
    return prototypeQuery.call(this, config, values, callback);
  };
  Object.defineProperty(client, 'query', { value: query, writable: true, configurable: true });
}
