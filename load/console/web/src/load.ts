/** Start and stop a load run; poll the run every second for its new points (never falling behind: each poll asks for every point after the last one drawn). */
import { ApiError, call, CREDENTIAL_CHANGED_EVENT, type LatestRun } from './api';
import { addPoints, resetChart } from './chart';
import { $, say } from './dom';
import { showVerdict } from './verdict';

let drawnRun: string | undefined;
/** The run this page just started: answers about an earlier run (a poll already in flight) are ignored until it shows. */
let awaiting: string | undefined;
let drawn = 0;
let timer: number | undefined;

function setRunning(running: boolean): void {
  ($('start') as HTMLButtonElement).disabled = running;
  ($('stop') as HTMLButtonElement).disabled = !running;
}

async function poll(jaegerUiUrl: string): Promise<void> {
  let latest: LatestRun;
  try {
    latest = await call<LatestRun>('GET', `/api/runs/latest?after=${drawnRun ? drawn : 0}`);
  } catch (error) {
    say('run-message', `Cannot read the run: ${(error as Error).message}`, 'bad');
    schedule(jaegerUiUrl, 2_000);
    return;
  }
  const run = latest.run;
  if (!run) return;
  if (awaiting && run.id !== awaiting) return schedule(jaegerUiUrl, 300);
  awaiting = undefined;
  if (run.id !== drawnRun) {
    drawnRun = run.id;
    drawn = 0;
    resetChart();
    if (run.pointsFrom !== 0) return schedule(jaegerUiUrl, 0);
  }
  addPoints(run.points);
  drawn = run.pointCount;
  $('total-phase').textContent = run.phase;
  $('total-sent').textContent = String(run.totals.sent);
  $('total-completed').textContent = String(run.totals.completed);
  $('total-errors').textContent = String(run.totals.errors);
  $('total-dropped').textContent = String(run.totals.dropped);
  setRunning(latest.running);
  if (latest.running) {
    say(
      'run-message',
      run.phase === 'analysing'
        ? "Load sent and answered: reading the run's traces from Jaeger for the verdict…"
        : `Running ${run.ratePerSec}/s for ${run.durationSec} s…`,
    );
    schedule(jaegerUiUrl, 1_000);
  } else {
    say(
      'run-message',
      run.phase === 'failed' ? `Run failed: ${run.problem ?? ''}` : 'Run finished.',
      run.phase === 'failed' ? 'bad' : 'ok',
    );
    showVerdict(run, jaegerUiUrl);
  }
}

function schedule(jaegerUiUrl: string, delayMs: number): void {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => void poll(jaegerUiUrl), delayMs);
}

export function setUpLoad(jaegerUiUrl: string): void {
  $('load-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const ratePerSec = Number(($('rate') as HTMLInputElement).value);
    const durationSec = Number(($('duration') as HTMLInputElement).value);
    setRunning(true);
    say('run-message', 'Starting…');
    window.clearTimeout(timer);
    call<{ id: string }>('POST', '/api/runs', { ratePerSec, durationSec }).then(
      (run) => {
        awaiting = run.id;
        schedule(jaegerUiUrl, 300);
      },
      (error: unknown) => {
        setRunning(false);
        say('run-message', `Not started: ${error instanceof ApiError ? error.message : String(error)}`, 'bad');
        if (error instanceof ApiError && error.code === 'run_in_progress') schedule(jaegerUiUrl, 0);
      },
    );
  });
  $('stop').addEventListener('click', () => {
    void call('POST', '/api/runs/stop').then(() => say('run-message', 'Stopping: the requests in flight finish…'));
  });
  // A new token (a hunt exercise's) may show what was hidden: draw the last run again.
  document.addEventListener(CREDENTIAL_CHANGED_EVENT, () => {
    drawnRun = undefined;
    schedule(jaegerUiUrl, 0);
  });
  schedule(jaegerUiUrl, 0);
}
