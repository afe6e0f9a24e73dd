/**
 * During a hunt exercise (`pnpm lab start`) the answer is not on show, in the console as in the services:
 * they answer GET /scenarios only with the exercise's token, and the console follows them. A request
 * that does not carry that token (the page sends the token it keeps for the tab as `Authorization:
 * Bearer`) gets the switches as unknown, and the runs without the switches they recorded and without the
 * report's diagnosis (its findings, culprit and the pathologies it named, in the verdict and in Compare):
 * the patterns it finds name the answer as plainly as the pathology does. What was measured stays
 * (latency, the critical path's ranking, the slowest traces): the learner's way into Jaeger.
 */
import type { Request } from 'express';
import type { Analysis, Comparison } from '@tracecart/report';
import type { ScenarioState } from '@tracecart/stack-client';

export const HIDDEN_MESSAGE =
  "A hunt exercise is running: which pathologies are on is hidden. Enter the exercise's token to see the switches (pnpm lab start keeps it in its state file), or end the exercise with pnpm lab reveal.";

/** The bearer token of a request, if any. */
export function requestToken(request: Request): string | undefined {
  const header = request.get('authorization') ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  return token.length > 0 && token.length <= 512 ? token : undefined;
}

/**
 * True when a service refused to show its switches to the token given (or to none): outside an exercise
 * GET /scenarios needs no token, so only a running exercise answers 401 or 403 there.
 */
export function exerciseLocked(states: readonly ScenarioState[]): boolean {
  return states.some((state) => state.enabled === null && /answered 40[13]\b/.test(state.problem ?? ''));
}

export type GatedState = ScenarioState & { exercise: boolean };

/** The switches as the request may see them: unknown, with the reason, while an exercise hides them. */
export function gateStates(states: readonly ScenarioState[]): GatedState[] {
  const locked = exerciseLocked(states);
  return states.map((state) =>
    locked ? { ...state, enabled: null, problem: HIDDEN_MESSAGE, exercise: true } : { ...state, exercise: false },
  );
}

/** An analysis without the diagnosis: no findings, no culprit, no pathology named. */
export function hideAnalysis(analysis: Analysis | null): Analysis | null {
  if (!analysis) return analysis;
  return { ...analysis, findings: [], pathologies: [], culprit: null };
}

/** A comparison without either side's diagnosis. */
export function hideComparison(comparison: Comparison): Comparison {
  return { ...comparison, pathologies: { before: [], after: [] }, culprit: { before: null, after: null } };
}

/** A run without the switches it recorded and without its verdict's diagnosis. */
export function hideRun<
  T extends { scenarios: Array<{ name: string; enabled: boolean | null }>; analysis: Analysis | null; hidden?: true },
>(run: T): T & { hidden: true } {
  return {
    ...run,
    scenarios: run.scenarios.map(({ name }) => ({ name, enabled: null })),
    analysis: hideAnalysis(run.analysis),
    hidden: true,
  };
}
