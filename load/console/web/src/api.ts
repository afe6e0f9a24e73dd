/** The page's calls to its own server (same origin: the browser adds Origin and Sec-Fetch-Site itself). */
import type { Comparison } from '@tracecart/report';
import type { ScenarioState } from '@tracecart/stack-client';
import type { RunRecord } from '../../src/run-record';
import type { StackStatus } from '../../src/status';

export type { RunRecord, StackStatus };
export type RunSummary = Omit<RunRecord, 'points'>;
/** `exercise`: a hunt exercise hides the switches from this tab (it lacks the exercise's token). */
export type Scenario = ScenarioState & { cause: string; inJaeger: string; fix: string; exercise: boolean };

/** The sessionStorage entry that keeps the scenario token (or a running exercise's token) for this tab. */
export const SESSION_SLOT = 'tracecart-lab-token';

/** Dispatched on the document when the tab's token changes. */
export const CREDENTIAL_CHANGED_EVENT = 'lab-credential-changed';

export function storedToken(): string | null {
  return sessionStorage.getItem(SESSION_SLOT);
}
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
    // The tab's token goes with every call: during a hunt exercise the server shows the switches and the
    // pathologies its verdicts name only to the exercise's token.
    const token = storedToken();
    response = await fetch(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'lab_down', 'the lab console server does not answer');
  }
  const answer = (await response.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!response.ok) throw new ApiError(response.status, answer.error ?? 'error', answer.message ?? `HTTP ${response.status}`);
  return answer;
}
