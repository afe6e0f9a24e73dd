/** After a run: the slowest traces as links into Jaeger's UI and the report's verdict, with a button applying the fix. */
import type { RunSummary } from './api';
import { $, el, ms } from './dom';
import { flip } from './scenarios';

export function showVerdict(run: RunSummary, jaegerUiUrl: string): void {
  const note = $('verdict-note');
  const body = $('verdict-body');
  if (run.phase === 'failed') {
    note.textContent = `The run failed: ${run.problem ?? 'unknown reason'}`;
    body.hidden = true;
    return;
  }
  const analysis = run.analysis;
  const slowest = run.summary?.slowest ?? [];
  $('slowest').replaceChildren(
    ...slowest.map((trace) =>
      el('li', {}, [
        el('a', { href: `${jaegerUiUrl}/trace/${trace.traceId}`, target: '_blank', rel: 'noopener' }, [trace.traceId.slice(0, 16)]),
        ` ${ms(trace.latencyMs)} · HTTP ${trace.status}`,
      ]),
    ),
  );
  const critical = (analysis?.criticalPath ?? []).slice(0, 5);
  const widest = Math.max(1, ...critical.map((operation) => operation.p50SharePct));
  $('critical-path').replaceChildren(
    ...critical.map((operation) =>
      el('li', {}, [
        el('span', { class: 'bar-label' }, [`${operation.service} · ${operation.label}`]),
        el('span', { class: 'bar-value' }, [`${operation.p50SharePct}%`]),
        el('span', { class: 'bar-track', role: 'presentation' }, [
          el('span', { class: 'bar', style: `width: ${(100 * operation.p50SharePct) / widest}%; display: block` }),
        ]),
      ]),
    ),
  );
  const culprit = analysis?.culprit;
  $('culprit').textContent = culprit
    ? `${culprit.service} · ${culprit.label} (${culprit.p50SharePct}% of the path at p50)`
    : run.hidden
      ? "Hidden while a hunt exercise runs: find the culprit in Jaeger, starting from the slowest traces (the exercise's token shows the verdict here)."
      : (run.problem ?? 'No culprit: no checkout traces analysed.');
  const pathology = culprit?.pathology;
  $('culprit-pathology').textContent = pathology
    ? `Pathology: ${pathology.title} (${pathology.name}). ${pathology.cause}`
    : culprit
      ? 'No catalogued pathology: this is where the time goes now.'
      : '';
  $('culprit-fix').textContent = pathology ? `Fix: ${pathology.fix}` : '';
  const apply = $('apply-fix') as HTMLButtonElement;
  apply.hidden = !pathology;
  apply.onclick = pathology
    ? () =>
        void flip(pathology.name, false).then(
          (done) => (apply.textContent = done ? `Fix applied: ${pathology.name} is off` : 'Apply the fix'),
        )
    : null;
  apply.textContent = 'Apply the fix';
  const latency = run.summary?.latencyMs;
  note.textContent =
    `Run of ${run.ratePerSec}/s for ${run.durationSec} s${run.stopped ? ' (stopped early)' : ''}: ` +
    `p50 ${ms(latency?.p50)}, p99 ${ms(latency?.p99)}, ${run.totals.errors} errors; ` +
    (analysis ? `${analysis.traces.analysed} traces analysed.` : 'no verdict.');
  body.hidden = false;
}
