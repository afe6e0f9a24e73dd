/** The page's calls to its own server (same origin: the browser adds Origin and Sec-Fetch-Site itself). */
import type { Comparison } from '@tracecart/load';
import type { ScenarioState } from '@tracecart/stack-client';
import type { RunRecord } from '../../src/run-record';
import type { StackStatus } from '../../src/status';

export type { RunRecord, StackStatus };
export type RunSummary = Omit<RunRecord, 'points'>;
export type Scenario = ScenarioState & { cause: string; inJaeger: string; fix: string };
export interface LatestRun {
  run: (RunSummary & { points: RunRecord['points']; pointsFrom: number; pointCount: number }) | null;
  running: boolean;
}
export interface CompareAnswer {
  before: RunSummary;
  after: RunSummary;
  comparison: Comparison;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'lab_down', 'the lab console server does not answer');
  }
  const answer = (await response.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!response.ok) throw new ApiError(response.status, answer.error ?? 'error', answer.message ?? `HTTP ${response.status}`);
  return answer;
}
