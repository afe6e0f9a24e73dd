/** Test helper: the recorded traces in load/report/src/fixtures (run `node load/tools/dist/burst-cli.js --only <name> --record <file>` to re-record). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { byTrace, type FlatSpan } from '@tracecart/jaeger-client';
import { analyseTrace, isSkipped, type AnalysedTrace } from './analysed-trace';
import { spansFromJson } from './trace-file';

export const fixtureNames = ['all-off', 'missing-index', 'n-plus-one', 'lock-contention', 'pool-starvation', 'event-loop-block'] as const;
export type FixtureName = (typeof fixtureNames)[number];

/** Compiled tests run from dist; the fixtures stay in src/fixtures. */
export function fixturePath(name: FixtureName): string {
  return path.join(__dirname, '..', 'src', 'fixtures', `${name}.json`);
}

export function fixtureSpans(name: FixtureName): FlatSpan[] {
  return spansFromJson(JSON.parse(readFileSync(fixturePath(name), 'utf8')) as unknown);
}

export function fixtureTraces(name: FixtureName): AnalysedTrace[] {
  return [...byTrace(fixtureSpans(name)).values()]
    .map((spans) => analyseTrace(spans))
    .filter((trace): trace is AnalysedTrace => !isSkipped(trace));
}
