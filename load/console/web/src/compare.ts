/** Compare: the last two runs the lab kept, side by side, with the report's before/after per operation. */
import { ApiError, call, type CompareAnswer, type RunSummary } from './api';
import { $, el, ms, say } from './dom';

function side(title: string, run: RunSummary): HTMLDivElement {
  const culprit = run.analysis?.culprit;
  const on = run.scenarios.filter((scenario) => scenario.enabled).map((scenario) => scenario.name);
  return el('div', { 'data-side': title.toLowerCase() }, [
    el('h3', {}, [`${title}: ${new Date(run.startedAt).toLocaleTimeString()}`]),
    el('dl', { class: 'totals' }, [
      el('div', {}, [el('dt', {}, ['rate']), el('dd', {}, [`${run.ratePerSec}/s`])]),
      el('div', {}, [el('dt', {}, ['p50']), el('dd', {}, [ms(run.summary?.latencyMs?.p50)])]),
      el('div', {}, [el('dt', {}, ['p99']), el('dd', {}, [ms(run.summary?.latencyMs?.p99)])]),
      el('div', {}, [el('dt', {}, ['answered/s']), el('dd', {}, [String(run.summary?.rate.throughputPerSec ?? '–')])]),
      el('div', {}, [el('dt', {}, ['errors']), el('dd', {}, [String(run.totals.errors)])]),
    ]),
    el('p', {}, [
      run.hidden ? 'Pathologies on: hidden while a hunt exercise runs' : `Pathologies on: ${on.length ? on.join(', ') : 'none'}`,
    ]),
    el('p', { class: 'culprit' }, [
      culprit
        ? `Culprit: ${culprit.service} · ${culprit.label}${culprit.pathology ? ` (${culprit.pathology.name})` : ''}`
        : run.hidden
          ? 'Culprit: hidden while a hunt exercise runs'
          : 'No culprit',
    ]),
  ]);
}

function change(before: number | undefined, after: number | undefined): HTMLTableCellElement {
  if (before === undefined || after === undefined) return el('td', {}, ['–']);
  const delta = after - before;
  return el('td', { class: delta < 0 ? 'better' : delta > 0 ? 'worse' : '' }, [`${delta > 0 ? '+' : ''}${delta.toFixed(1)} pts`]);
}

export async function showCompare(): Promise<void> {
  const body = $('compare-body');
  try {
    const { before, after, comparison } = await call<CompareAnswer>('GET', '/api/compare');
    const latency = comparison.checkoutLatencyMs;
    const rows = comparison.criticalPath
      .slice(0, 8)
      .map((operation) =>
        el('tr', {}, [
          el('td', {}, [`${operation.service} · ${operation.label}`]),
          el('td', {}, [operation.before ? `${operation.before.p50SharePct}%` : '–']),
          el('td', {}, [operation.after ? `${operation.after.p50SharePct}%` : '–']),
          change(operation.before?.p50SharePct, operation.after?.p50SharePct),
        ]),
      );
    body.replaceChildren(
      side('Before', before),
      side('After', after),
      el('div', { class: 'wide' }, [
        el('p', {}, [
          `Checkout latency from the traces: p50 ${ms(latency.before?.p50)} → ${ms(latency.after?.p50)}` +
            (latency.p50ChangePct === null ? '' : ` (${latency.p50ChangePct > 0 ? '+' : ''}${latency.p50ChangePct}%)`) +
            `, p95 ${ms(latency.before?.p95)} → ${ms(latency.after?.p95)}` +
            (latency.p95ChangePct === null ? '' : ` (${latency.p95ChangePct > 0 ? '+' : ''}${latency.p95ChangePct}%)`),
        ]),
        el('table', { 'aria-label': 'Critical path share at p50, before and after' }, [
          el('thead', {}, [
            el('tr', {}, [
              el('th', { scope: 'col' }, ['operation']),
              el('th', { scope: 'col' }, ['before']),
              el('th', { scope: 'col' }, ['after']),
              el('th', { scope: 'col' }, ['change']),
            ]),
          ]),
          el('tbody', {}, rows),
        ]),
      ]),
    );
    body.hidden = false;
    say('compare-message', '');
  } catch (error) {
    body.hidden = true;
    say('compare-message', error instanceof ApiError ? error.message : String(error), 'bad');
  }
}
