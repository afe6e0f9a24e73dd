/** One load run from the console, as the page shows it live and as the lab keeps it afterwards. */
import type { LoadSummary } from '@tracecart/load';
import type { Analysis } from '@tracecart/report';
import type { PathologyName } from '@tracecart/lab-catalogue';

/** One second of the run: what the generator saw answered in it. */
export interface RunPoint {
  /** Seconds since the first scheduled send, at the end of this window. */
  t: number;
  /** Checkouts answered per second (any status). */
  checkoutsPerSec: number;
  /** Checkouts sent per second. */
  sentPerSec: number;
  /** Latency percentiles of the answers in this window, ms (null when none came). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Errors in this window: 5xx/4xx other than declines, network errors, timeouts. */
  errors: number;
}

export type RunPhase = 'starting' | 'sending' | 'draining' | 'shipping' | 'analysing' | 'done' | 'failed';

export interface RunRecord {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  ratePerSec: number;
  durationSec: number;
  phase: RunPhase;
  stopped: boolean;
  /** The switches when the run started (null: the service could not be asked). */
  scenarios: Array<{ name: PathologyName; enabled: boolean | null }>;
  points: RunPoint[];
  totals: { sent: number; completed: number; errors: number; dropped: number; inFlight: number };
  summary: LoadSummary | null;
  analysis: Analysis | null;
  /** Why the run or its analysis failed, in one line. */
  problem: string | null;
  /**
   * Set only on an answer to a page without a running hunt exercise's token: the switches and the
   * pathologies the verdict named are left out (exercise-gate.ts). Never stored.
   */
  hidden?: true;
}
