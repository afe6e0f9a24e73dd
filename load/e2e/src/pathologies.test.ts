/**
 * End-to-end, against the running stack and the real Jaeger: each pathology alone, switched on, then off.
 * For each: a bounded burst of checkouts (concurrent where the pathology needs it), their traces read back
 * from Jaeger, the pathology's signature asserted on the spans, and the report's analysis (as a library
 * call) asserted to name it; then the same with the pathology off, where the signature and the name must
 * be gone. ON and OFF are compared within the same test: absolute milliseconds on a loaded 2-core machine
 * say little. All switches are back ON at the end (a fresh stack's state).
 *
 * Each runs the catalogue's documented load for the pathology. Concurrency: lock-contention and
 * pool-starvation need parallel checkouts; their 8 and 6 in flight are above the starved pool (one connection) and
 * below the normal one (10), so with pool-starvation off the order service has a connection for every checkout
 * and the comparison is about the pathology alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { byTrace, type FlatSpan } from '@tracecart/jaeger-client';
import { runCheckoutBurst, traceIdsOf, waitForCheckoutTraces } from '@tracecart/load';
import { analyse, analyseTrace, isSkipped, percentile, type Analysis, type AnalysedTrace } from '@tracecart/report';
import {
  connectWaitMs,
  isQuerySpan,
  longestGap,
  overlappingSteps,
  planOf,
  queryAfter,
  reportedLoopDelayMs,
  statementOf,
} from '@tracecart/report/trace-measures';
import { pathology, type PathologyName } from '@tracecart/lab-catalogue';
import { config, setAllScenarios, setScenario } from './stack';

interface Burst {
  count: number;
  concurrency: number;
  lines: number;
}

interface Run {
  traces: AnalysedTrace[];
  spans: FlatSpan[];
  analysis: Analysis;
}

/** Runs the burst, waits for its traces in Jaeger, and analyses exactly those traces. */
async function burstAndAnalyse(burst: Burst): Promise<Run> {
  const result = await runCheckoutBurst({ orderUrl: config.ORDER_URL, ...burst });
  const paid = result.outcomes.filter((outcome) => outcome.status === 201).length;
  assert.ok(
    paid >= burst.count * 0.9,
    `only ${paid}/${burst.count} checkouts paid: ${JSON.stringify(result.outcomes.filter((o) => o.status !== 201).slice(0, 3))}`,
  );
  const spans = await waitForCheckoutTraces(config.JAEGER_QUERY_URL, traceIdsOf(result));
  const traces = [...byTrace(spans).values()]
    .map((traceSpans) => analyseTrace(traceSpans))
    .filter((trace): trace is AnalysedTrace => !isSkipped(trace));
  assert.ok(traces.length >= paid * 0.9, `only ${traces.length} of ${paid} traces in Jaeger`);
  return { traces, spans, analysis: analyse(spans, { jaeger: config.JAEGER_QUERY_URL }) };
}

function parentName(trace: AnalysedTrace, span: FlatSpan): string | undefined {
  return span.parentSpanId ? trace.tree.byId.get(span.parentSpanId)?.name : undefined;
}

function named(analysis: Analysis): string {
  return `pathologies named: [${analysis.pathologies.join(', ')}], findings: ${analysis.findings
    .filter((finding) => finding.significant)
    .map((finding) => `${finding.signature}@${finding.service}:${finding.label} ${finding.meanSharePct}%`)
    .join('; ')}`;
}

/** The lab's documented load for the pathology (the catalogue's), the same one `pnpm lab measure` drives. */
function labLoad(name: PathologyName): Burst {
  return pathology(name).load;
}

/** Spans of the partners stand-in (the third parties) under a given client path, per trace. */
function partnerSpans(run: Run, path: RegExp): FlatSpan[] {
  return run.traces.flatMap((trace) => trace.tree.spans.filter((span) => span.service === 'partners' && path.test(span.name)));
}

async function onThenOff(name: PathologyName, burst: Burst): Promise<{ on: Run; off: Run }> {
  await setAllScenarios(false);
  await setScenario(name, true);
  const on = await burstAndAnalyse(burst);
  await setScenario(name, false);
  const off = await burstAndAnalyse(burst);
  return { on, off };
}

// --- Signatures, as read straight from the spans ---------------------------------------------------

/** The fraud check's query spans: payment's SELECT on payments under payment.fraud_check. */
function fraudQueries(run: Run): FlatSpan[] {
  return run.traces.flatMap((trace) =>
    trace.tree.spans.filter(
      (span) =>
        span.service === 'payment-service' &&
        isQuerySpan(span) &&
        parentName(trace, span) === 'payment.fraud_check' &&
        /FROM payments/.test(statementOf(span)!),
    ),
  );
}

/** Per trace: the query spans under checkout.load_cart, and the cart's item count. */
function cartLoads(run: Run): Array<{ queries: FlatSpan[]; items: number }> {
  return run.traces.map((trace) => {
    const load = trace.tree.spans.find((span) => span.name === 'checkout.load_cart')!;
    const checkout = trace.tree.spans.find((span) => span.name === 'checkout')!;
    return {
      queries: (trace.tree.children.get(load.spanId) ?? []).filter(isQuerySpan),
      items: Number(checkout.attributes['app.order.items_count']),
    };
  });
}

interface Execution {
  traceId: string;
  span: FlatSpan;
}

function executions(run: Run, matches: (statement: string) => boolean, service: string): Execution[] {
  return run.traces.flatMap((trace) =>
    trace.tree.spans
      .filter((span) => span.service === service && isQuerySpan(span) && matches(statementOf(span)!))
      .map((span) => ({ traceId: trace.traceId, span })),
  );
}

const carrierLock = (statement: string) => /FROM carriers WHERE id = \$1 FOR UPDATE/.test(statement);
const carrierReserve = (statement: string) => /^UPDATE carriers SET reserved = reserved \+ 1/.test(statement);

/** FOR UPDATE executions that waited: much longer than the unblocked ones, while another trace ran the same statement. */
function lockWaits(locks: readonly Execution[]): Execution[] {
  const unblockedMs = percentile(
    locks.map(({ span }) => span.durationMs),
    10,
  )!;
  return locks.filter(
    ({ traceId, span }) =>
      span.durationMs >= Math.max(10, 5 * unblockedMs) &&
      locks.some((other) => other.traceId !== traceId && other.span.startMs < span.endMs && other.span.endMs > span.startMs),
  );
}

/** Per trace, the longest wait of a checkout for a pooled connection that was longer than the query after it (0 if none). */
function checkoutPoolWaits(run: Run): number[] {
  return run.traces.map((trace) => {
    const waits = trace.tree.spans
      .filter((span) => span.name === 'pg-pool.connect' && parentName(trace, span) === 'checkout')
      .map((connect) => ({ wait: connectWaitMs(trace.tree, connect), query: queryAfter(trace.tree, connect)?.durationMs ?? 0 }))
      .filter(({ wait, query }) => wait > query)
      .map(({ wait }) => wait);
    return Math.max(0, ...waits);
  });
}

describe('pathologies end to end: signature and report, on then off', () => {
  before(async () => {
    await setAllScenarios(false);
  });
  after(async () => {
    await setAllScenarios(true);
  });

  it('missing-index: the fraud check scans payments; with the index it does not', async () => {
    const { on, off } = await onThenOff('missing-index', { ...labLoad('missing-index'), count: 8 });
    const scansOn = fraudQueries(on);
    const scansOff = fraudQueries(off);
    assert.ok(scansOn.length >= 7 && scansOff.length >= 7, `fraud queries: ${scansOn.length} on, ${scansOff.length} off`);
    assert.deepEqual([...new Set(scansOn.map((span) => span.name))], ['SELECT payments'], 'named as the catalogue says');
    const p50On = percentile(
      scansOn.map((span) => span.durationMs),
      50,
    )!;
    const p50Off = percentile(
      scansOff.map((span) => span.durationMs),
      50,
    )!;
    assert.ok(p50On > 5 * p50Off, `fraud query p50: ${p50On.toFixed(1)} ms without the index, ${p50Off.toFixed(1)} ms with it`);
    const plansOn = scansOn.flatMap((span) => planOf(span)?.summary ?? []);
    assert.ok(
      plansOn.some((summary) => summary.includes('Seq Scan on payments')),
      `plans without the index: ${JSON.stringify(plansOn)}`,
    );
    // The plan is our own event, under `app.`: nothing of ours in the semantic conventions' reserved `db.query.plan`.
    const planEvents = scansOn.flatMap((span) => span.events.filter((event) => /plan/.test(event.name)));
    assert.ok(
      planEvents.length > 0 && planEvents.every((event) => event.name === 'app.db.plan'),
      `plan events: ${JSON.stringify(planEvents.map((event) => event.name))}`,
    );
    for (const event of planEvents)
      assert.ok(
        Object.keys(event.attributes).every((key) => key.startsWith('app.db.plan.')),
        JSON.stringify(event.attributes),
      );
    const plansOff = scansOff.flatMap((span) => planOf(span)?.summary ?? []);
    assert.ok(!plansOff.some((summary) => summary.includes('Seq Scan on payments')), `plans with the index: ${JSON.stringify(plansOff)}`);

    assert.equal(on.analysis.pathologies[0], 'missing-index', named(on.analysis));
    assert.equal(on.analysis.culprit?.pathology?.name, 'missing-index', named(on.analysis));
    assert.ok(!off.analysis.pathologies.includes('missing-index'), named(off.analysis));
  });

  it('n-plus-one: a staircase of sequential SELECTs under checkout.load_cart; one query with the fix', async () => {
    const { lines } = labLoad('n-plus-one');
    const { on, off } = await onThenOff('n-plus-one', { count: 6, concurrency: 1, lines });
    for (const { queries, items } of cartLoads(on)) {
      assert.equal(items, lines);
      assert.ok(queries.length >= items, `${queries.length} queries for ${items} items`);
      assert.equal(queries.length, 2 * items, 'a product and a stock query per line');
      assert.equal(overlappingSteps(queries), 0, 'one after the other');
      // Span start times have millisecond resolution, so the names are counted, not ordered.
      assert.deepEqual(
        queries.map((span) => span.name).sort(),
        [...Array<string>(items).fill('SELECT products'), ...Array<string>(items).fill('SELECT stock')],
        'named as the catalogue says: a SELECT products and a SELECT stock per line',
      );
    }
    for (const { queries } of cartLoads(off)) assert.equal(queries.length, 1, 'the set-based query');

    assert.equal(on.analysis.pathologies[0], 'n-plus-one', named(on.analysis));
    assert.ok(!off.analysis.pathologies.includes('n-plus-one'), named(off.analysis));
  });

  it('lock-contention: concurrent shipments wait in line on the carrier row; the atomic UPDATE does not hold it', async () => {
    const { on, off } = await onThenOff('lock-contention', labLoad('lock-contention'));
    const locksOn = executions(on, carrierLock, 'shipping-service');
    // ON: the holder waits on the carrier's rate quote (partners) inside its transaction, after the lock.
    const quotesOn = partnerSpans(on, /rate-quotes/);
    assert.ok(quotesOn.length >= 36, `${quotesOn.length} rate quotes`);
    const quotedWhileLocked = locksOn.filter(({ traceId, span }) =>
      quotesOn.some((quote) => quote.traceId === traceId && quote.startMs >= span.endMs - 1),
    ).length;
    assert.ok(quotedWhileLocked >= 36, `${quotedWhileLocked} traces quoted after taking the lock`);
    // OFF: the quote comes first, before the atomic reservation.
    const quotesOff = partnerSpans(off, /rate-quotes/);
    const quotedFirst = executions(off, carrierReserve, 'shipping-service').filter(({ traceId, span }) =>
      quotesOff.some((quote) => quote.traceId === traceId && quote.endMs <= span.startMs + 1),
    ).length;
    assert.ok(quotedFirst >= 36, `${quotedFirst} traces quoted before reserving`);
    assert.ok(locksOn.length >= 36, `${locksOn.length} FOR UPDATE spans`);
    assert.deepEqual([...new Set(locksOn.map(({ span }) => span.name))], ['SELECT carriers FOR UPDATE'], 'named as the catalogue says');
    const waits = lockWaits(locksOn);
    assert.ok(waits.length >= 5, `${waits.length} FOR UPDATE spans waited across traces`);
    assert.ok(new Set(waits.map((wait) => wait.traceId)).size >= 5);
    assert.equal(executions(off, carrierLock, 'shipping-service').length, 0, 'no FOR UPDATE on carriers with the fix');
    const reservesOff = executions(off, carrierReserve, 'shipping-service');
    assert.ok(reservesOff.length >= 36, `${reservesOff.length} atomic reservations`);
    const p95On = percentile(
      locksOn.map(({ span }) => span.durationMs),
      95,
    )!;
    const p95Off = percentile(
      reservesOff.map(({ span }) => span.durationMs),
      95,
    )!;
    assert.ok(p95On > 2 * p95Off, `reserving capacity p95: ${p95On.toFixed(1)} ms with the lock held, ${p95Off.toFixed(1)} ms atomic`);

    assert.equal(on.analysis.pathologies[0], 'lock-contention', named(on.analysis));
    const lockFinding = on.analysis.findings.find((finding) => finding.pathology === 'lock-contention');
    assert.equal(lockFinding?.path, 'shipped', 'lock waits lengthen checkout-to-shipped, not the HTTP answer');
    assert.equal(lockFinding?.signature, 'lock-wait', 'the waits, measured, rank first');
    // The same cause read from each holder's own trace: its lock held across the rate quote until COMMIT.
    const held = on.analysis.findings.find((finding) => finding.signature === 'lock-held');
    assert.equal(held?.pathology, 'lock-contention');
    assert.ok(held.significant && held.tracesAffected >= 36, `${held.tracesAffected} traces held the row across a call`);
    assert.match(held.evidence, /until COMMIT, .* waiting on POST \/carriers\/[a-z-]+\/rate-quotes/);
    assert.ok(!off.analysis.pathologies.includes('lock-contention'), named(off.analysis));
    assert.equal(
      off.analysis.findings.filter((finding) => finding.signature === 'lock-held').length,
      0,
      'the fix holds no lock across a call',
    );
  });

  it('pool-starvation: checkouts wait for a connection of the starved pool longer than their queries; not with the normal pool', async () => {
    const { on, off } = await onThenOff('pool-starvation', labLoad('pool-starvation'));
    // Every paid checkout's payment waited on the card network (partners), on and off.
    for (const run of [on, off]) {
      const authorisations = partnerSpans(run, /card-network\/authorisations/);
      assert.ok(
        authorisations.length >= run.traces.length * 0.9,
        `${authorisations.length} authorisations for ${run.traces.length} checkouts`,
      );
    }
    const waitsOn = checkoutPoolWaits(on);
    const waitsOff = checkoutPoolWaits(off);
    const waitedOn = waitsOn.filter((wait) => wait >= 10).length;
    const waitedOff = waitsOff.filter((wait) => wait >= 10).length;
    assert.ok(
      waitedOn >= waitsOn.length * 0.3,
      `${waitedOn}/${waitsOn.length} checkouts waited ≥ 10 ms for a connection with the starved pool`,
    );
    assert.ok(waitedOff * 3 <= waitedOn, `${waitedOff} waited with the normal pool, ${waitedOn} with the starved one`);
    const p95On = percentile(waitsOn, 95)!;
    const p95Off = percentile(waitsOff, 95)!;
    assert.ok(p95On > 3 * p95Off, `connection wait p95: ${p95On.toFixed(1)} ms starved, ${p95Off.toFixed(1)} ms normal`);

    assert.equal(on.analysis.pathologies[0], 'pool-starvation', named(on.analysis));
    assert.ok(!off.analysis.pathologies.includes('pool-starvation'), named(off.analysis));
  });

  it('event-loop-block: payment.risk_score blocks the loop, concurrent traces stall with it; a lookup with the fix', async () => {
    const { on, off } = await onThenOff('event-loop-block', labLoad('event-loop-block'));
    const riskSpans = (run: Run) =>
      run.traces.flatMap((trace) => trace.tree.spans.filter((span) => span.name === 'payment.risk_score').map((span) => ({ trace, span })));
    const blocksOn = riskSpans(on);
    assert.ok(blocksOn.length >= 36, `${blocksOn.length} risk score spans`);
    for (const { trace, span } of blocksOn) {
      assert.equal(trace.tree.children.get(span.spanId)?.length ?? 0, 0, 'no child: its time is its own');
      assert.equal(span.attributes['app.scenario.event-loop-block'], true);
    }
    // Correlated across traces: payment spans of other traces end together right after a block.
    const paymentSpans = on.traces.flatMap((trace) =>
      trace.tree.spans.filter((span) => span.service === 'payment-service').map((span) => ({ traceId: trace.traceId, span })),
    );
    const correlated = blocksOn.filter(({ trace, span }) => {
      const gap = longestGap(trace.tree, span);
      return paymentSpans.some(
        ({ traceId, span: other }) =>
          traceId !== trace.traceId && other.startMs <= gap.startMs && other.endMs >= gap.endMs && other.endMs - gap.endMs <= 15,
      );
    }).length;
    assert.ok(correlated >= 5, `${correlated} blocks held spans of other traces`);
    // The service's own loop delay report.
    const delaysOn = blocksOn.map(({ trace, span }) => reportedLoopDelayMs(trace.tree, span) ?? 0);
    const medianBlockMs = percentile(
      blocksOn.map(({ span }) => span.durationMs),
      50,
    )!;
    assert.ok(
      percentile(delaysOn, 50)! >= medianBlockMs * 0.5,
      `loop delay p50 ${percentile(delaysOn, 50)} ms, block p50 ${medianBlockMs} ms`,
    );
    const blocksOff = riskSpans(off);
    assert.ok(blocksOff.length >= 36 && blocksOff.every(({ span }) => span.attributes['app.scenario.event-loop-block'] === undefined));
    const p50Off = percentile(
      blocksOff.map(({ span }) => span.durationMs),
      50,
    )!;
    assert.ok(medianBlockMs > 10 * p50Off, `risk score p50: ${medianBlockMs.toFixed(1)} ms rebuilt, ${p50Off.toFixed(2)} ms looked up`);

    assert.equal(on.analysis.pathologies[0], 'event-loop-block', named(on.analysis));
    assert.equal(on.analysis.culprit?.operation, 'payment.risk_score', named(on.analysis));
    assert.ok(!off.analysis.pathologies.includes('event-loop-block'), named(off.analysis));
  });
});
