/**
 * What a SQL statement does, in a few words, for the name of its span: `SELECT payments`,
 * `UPDATE stock`, `SELECT carriers FOR UPDATE`, `INSERT outbox`, `COMMIT`. Read from the statement's
 * text as the database semantic conventions' query summary is (`db.query.summary`): the operation and
 * the table it works on, and nothing else. Literals, parameters and column names never reach it, so
 * no value can leak into a span name. Where a statement touches several tables (a join, a subquery)
 * the summary names the main one: the first table of the top-level FROM, the INSERT/UPDATE/DELETE
 * target. A small tokenizer, not a parser: unknown shapes fall back to the operation alone.
 */

export interface QuerySummary {
  /** `{operation} {table}` plus the row lock a SELECT takes, e.g. `SELECT carriers FOR UPDATE`. */
  summary: string;
  /** The operation of the statement (for a WITH query, the one after the CTEs): `SELECT`, `UPDATE`... */
  operation: string;
  /** The main table, when the statement names one. */
  table?: string;
  /** The table, only when it is the only table the statement touches (semconv's `db.collection.name`). */
  collection?: string;
}

type Token = { kind: 'word' | 'ident' | 'punct'; text: string; depth: number };

const maxSummaryLength = 255;

/** Keywords, identifiers and punctuation with their parenthesis depth; literals and comments dropped. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let at = 0;
  while (at < sql.length) {
    const char = sql[at]!;
    const rest = sql.slice(at);
    if (/\s/.test(char)) {
      at += 1;
    } else if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', at);
      at = end < 0 ? sql.length : end + 1;
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', at + 2);
      at = end < 0 ? sql.length : end + 2;
    } else if (char === "'") {
      // A string literal ('' escapes a quote): skipped, never read.
      at += 1;
      while (at < sql.length) {
        if (sql[at] === "'" && sql[at + 1] === "'") at += 2;
        else if (sql[at] === "'") break;
        else at += 1;
      }
      at += 1;
    } else if (char === '$' && /^\$([A-Za-z_]\w*)?\$/.test(rest)) {
      // A dollar-quoted literal ($$...$$ or $tag$...$tag$): skipped.
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(rest)![0];
      const end = sql.indexOf(tag, at + tag.length);
      at = end < 0 ? sql.length : end + tag.length;
    } else if (char === '"') {
      const end = sql.indexOf('"', at + 1);
      const text = sql.slice(at + 1, end < 0 ? sql.length : end);
      tokens.push({ kind: 'ident', text, depth });
      at = end < 0 ? sql.length : end + 1;
    } else if (/[A-Za-z_]/.test(char)) {
      // A word, possibly schema-qualified (public.orders); an alias's dot (s.id) is a word too.
      const word = /^[A-Za-z_][\w$]*(\s*\.\s*("[^"]*"|[A-Za-z_][\w$]*))*/.exec(rest)![0];
      tokens.push({ kind: 'word', text: word.replace(/\s+/g, ''), depth });
      at += word.length;
    } else if (/[0-9$]/.test(char)) {
      // Numbers and $1-style parameters: values, skipped.
      at += /^\$?[\w.]+/.exec(rest)?.[0].length ?? 1;
    } else {
      // A parenthesis has the depth outside it; the tokens within are one deeper.
      if (char === ')') depth = Math.max(0, depth - 1);
      tokens.push({ kind: 'punct', text: char, depth });
      if (char === '(') depth += 1;
      at += 1;
    }
  }
  return tokens;
}

const upper = (token: Token | undefined): string => (token?.kind === 'word' ? token.text.toUpperCase() : '');

/** Index of the `)` closing the `(` at `open`. */
function closing(tokens: Token[], open: number): number {
  const depth = tokens[open]!.depth;
  for (let at = open + 1; at < tokens.length; at += 1) {
    if (tokens[at]!.text === ')' && tokens[at]!.kind === 'punct' && tokens[at]!.depth === depth) return at;
  }
  return tokens.length;
}

/** Skips `WITH [RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (...) [, ...]`; returns where the main statement starts. */
function skipCtes(tokens: Token[], cteNames: Set<string>): number {
  let at = 1;
  if (upper(tokens[at]) === 'RECURSIVE') at += 1;
  while (at < tokens.length) {
    const name = tokens[at];
    if (!name || name.kind === 'punct') return at;
    cteNames.add(name.text.toLowerCase());
    at += 1;
    if (tokens[at]?.text === '(') at = closing(tokens, at) + 1;
    if (upper(tokens[at]) !== 'AS') return at;
    at += 1;
    while (upper(tokens[at]) === 'NOT' || upper(tokens[at]) === 'MATERIALIZED') at += 1;
    if (tokens[at]?.text !== '(') return at;
    at = closing(tokens, at) + 1;
    if (tokens[at]?.text !== ',') return at;
    at += 1;
  }
  return at;
}

const clauseEnds = new Set([
  'WHERE',
  'GROUP',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'HAVING',
  'WINDOW',
  'RETURNING',
  'FOR',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'ON',
  'USING',
  'SET',
  'VALUES',
  'SELECT',
  'DO',
]);

function isTableName(token: Token | undefined, next: Token | undefined): token is Token {
  if (!token || token.kind === 'punct') return false;
  if (token.kind === 'word' && ['LATERAL', 'ONLY', 'SELECT', 'VALUES'].includes(upper(token))) return false;
  return next?.text !== '('; // a function in FROM (unnest(...), generate_series(...)) is no table
}

/** Every table named after FROM, JOIN, INTO, UPDATE (and in comma lists of a FROM), in order, at any depth. */
function tablesIn(tokens: Token[], cteNames: Set<string>): string[] {
  const found: string[] = [];
  const add = (token: Token | undefined, next: Token | undefined): void => {
    if (!isTableName(token, next)) return;
    if (!cteNames.has(token.text.toLowerCase())) found.push(token.text);
  };
  for (let at = 0; at < tokens.length; at += 1) {
    const word = upper(tokens[at]);
    if (
      word === 'FROM' ||
      word === 'JOIN' ||
      word === 'INTO' ||
      (word === 'UPDATE' && upper(tokens[at - 1]) !== 'FOR' && upper(tokens[at - 1]) !== 'KEY' && upper(tokens[at - 1]) !== 'DO')
    ) {
      let target = at + 1;
      while (upper(tokens[target]) === 'ONLY' || upper(tokens[target]) === 'LATERAL') target += 1;
      add(tokens[target], word === 'INTO' || word === 'UPDATE' ? undefined : tokens[target + 1]);
      if (word !== 'FROM') continue;
      // FROM a x, b y: the comma-separated items of this FROM at its depth.
      const depth = tokens[at]!.depth;
      for (let item = target + 1; item < tokens.length && tokens[item]!.depth >= depth; item += 1) {
        const token = tokens[item]!;
        if (token.depth !== depth) continue;
        if (clauseEnds.has(upper(token)) || token.text === ')') break;
        if (token.text === ',') add(tokens[item + 1], tokens[item + 2]);
      }
    }
  }
  return found;
}

/** The first table of the first FROM at `depth`, from `start` on (a subquery in FROM: its own main table). */
function mainSelectTable(tokens: Token[], start: number, cteNames: Set<string>): string | undefined {
  const depth = tokens[start]?.depth ?? 0;
  for (let at = start; at < tokens.length; at += 1) {
    const token = tokens[at]!;
    if (token.depth < depth) return undefined;
    if (token.depth !== depth || upper(token) !== 'FROM') continue;
    let target = at + 1;
    while (upper(tokens[target]) === 'ONLY' || upper(tokens[target]) === 'LATERAL') target += 1;
    if (tokens[target]?.text === '(') return mainSelectTable(tokens, target + 1, cteNames);
    const table = tokens[target];
    if (!isTableName(table, tokens[target + 1])) return undefined;
    return cteNames.has(table.text.toLowerCase()) ? undefined : table.text;
  }
  return undefined;
}

/** The target of INSERT/UPDATE/DELETE; a `(` after it is INSERT's column list, not a call. */
function targetAfter(tokens: Token[], at: number, skip: string[]): string | undefined {
  let target = at;
  while (skip.includes(upper(tokens[target]))) target += 1;
  const table = tokens[target];
  return isTableName(table, undefined) ? table.text : undefined;
}

/** The row lock of a SELECT (FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE) at its own level. */
function rowLock(tokens: Token[], start: number): string | undefined {
  const depth = tokens[start]?.depth ?? 0;
  for (let at = start; at < tokens.length; at += 1) {
    if (tokens[at]!.depth !== depth || upper(tokens[at]) !== 'FOR') continue;
    const words: string[] = [];
    for (let next = at + 1; next < tokens.length && words.length < 3; next += 1) {
      const word = upper(tokens[next]);
      if (!['NO', 'KEY', 'UPDATE', 'SHARE'].includes(word)) break;
      words.push(word);
      if (word === 'UPDATE' || word === 'SHARE') return `FOR ${words.join(' ')}`;
    }
  }
  return undefined;
}

export function summarizeQuery(sql: string): QuerySummary {
  const tokens = tokenize(sql);
  const cteNames = new Set<string>();
  let start = 0;
  if (upper(tokens[0]) === 'WITH') start = skipCtes(tokens, cteNames);
  // A parenthesised statement, `(SELECT ...) UNION ...`: its first statement.
  while (tokens[start]?.text === '(') start += 1;
  const operation = upper(tokens[start]) || upper(tokens[0]) || 'QUERY';
  let table: string | undefined;
  let lock: string | undefined;
  switch (operation) {
    case 'SELECT':
      table = mainSelectTable(tokens, start, cteNames);
      lock = rowLock(tokens, start);
      break;
    case 'INSERT':
    case 'MERGE':
      table = targetAfter(tokens, start + 1, ['INTO']);
      break;
    case 'UPDATE':
      table = targetAfter(tokens, start + 1, ['ONLY']);
      break;
    case 'DELETE':
      table = targetAfter(tokens, start + 1, ['FROM', 'ONLY']);
      break;
    case 'TRUNCATE':
      table = targetAfter(tokens, start + 1, ['TABLE', 'ONLY']);
      break;
    default:
      break;
  }
  // A statement on a CTE (WITH moved AS (DELETE FROM outbox ...) SELECT ... FROM moved): the first real table.
  const tables = [...new Set(tablesIn(tokens, cteNames))];
  if (!table && cteNames.size > 0) table = tables[0];
  const summary = [operation, table, lock].filter(Boolean).join(' ').slice(0, maxSummaryLength);
  return {
    summary,
    operation,
    ...(table ? { table } : {}),
    ...(table && tables.length === 1 && tables[0] === table ? { collection: table } : {}),
  };
}
