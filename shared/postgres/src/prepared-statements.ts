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

/**
 * At most this many distinct texts are named. Our statements are fixed texts, a few dozen per service; a
 * text built at run time (a placeholder list that grows with its input, say) would otherwise add a name
 * here, and a prepared statement on every connection, per variant, for ever. Past the bound a new text
 * runs unnamed, as before this module.
 */
export const maxNamedStatements = 1_000;

/** The statement name for a query text: stable across processes, distinct per text; undefined past the bound. */
export function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= maxNamedStatements) return undefined;
    name = `tc_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

type QueryFunction = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Makes one connection name its parameterised queries (call once per new connection). */
export function preparePerConnection(client: pg.Client | pg.PoolClient): void {
  // The prototype's query is the one the pg instrumentation wraps: calling it keeps every span.
  const prototypeQuery = (Object.getPrototypeOf(client) as { query: QueryFunction }).query;
  const query: QueryFunction = function (this: pg.Client, config, values, callback) {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name !== undefined) return prototypeQuery.call(this, { name, text: config, values }, callback);
    }
    return prototypeQuery.call(this, config, values, callback);
  };
  Object.defineProperty(client, 'query', { value: query, writable: true, configurable: true });
}
