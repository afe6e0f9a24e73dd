/**
 * Tail sampling in the ingesters (TRACE_SAMPLING=tail, issue 24), each deciding for the traces of its
 * partitions:
 *   - steady load with declines, the latency threshold above every checkout: every stored trace whole, every
 *     error trace kept, the rest at the configured share (10 %) ± 3 points over ≥ 1,000 checkouts
 *     (FULL_CHECKS=1; the short run places fewer and allows 3.5 standard deviations of its own count);
 *   - SIGKILL of an ingester mid-load and its restart: error traces lost per kill without the restart's
 *     replay of the decision window (PIPELINE_REPLAY=0, "before") and with it ("after", the default; goal 0),
 *     and the broken traces stored (late spans of an already-decided trace reaching the new owner).
 * The ingesters are restarted with the tail settings and back to the default (every trace kept) afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keepScenarios, scenariosOff, sleep, stack } from '../faults';
import { restartWith } from '../sampling-stack';
import { FULL, notPipeline, placeAtRate, report, seconds, tally, waitForLagZero } from './pipeline';

const PERCENT = 10;
const DECISION_WAIT_S = 10;
const tailSettings = {
  TRACE_SAMPLING: 'tail',
  TAIL_SAMPLING_PERCENT: String(PERCENT),
  // Above every checkout: only errors and the probabilistic share decide.
  TAIL_SAMPLING_LATENCY_MS: '120000',
  TAIL_SAMPLING_DECISION_WAIT: `${DECISION_WAIT_S}s`,
};
const defaults = Object.fromEntries([...Object.keys(tailSettings), 'PIPELINE_REPLAY'].map((key) => [key, undefined]));

async function restartIngesters(env: Record<string, string | undefined>): Promise<void> {
  await restartWith('ingester.1', env);
  await restartWith('ingester.2', env);
}

/** After the load: every decision taken (a decision wait after the last span), the lag drained. */
async function settle(): Promise<void> {
  await waitForLagZero(180_000);
  await sleep((DECISION_WAIT_S + 8) * 1_000);
}

describe('tail sampling in the ingesters', { skip: notPipeline }, () => {
  let restoreScenarios: () => Promise<void> = async () => undefined;
  before(async () => {
    restoreScenarios = await keepScenarios();
    await scenariosOff();
    await restartIngesters(tailSettings);
  });
  after(async () => {
    await restartIngesters(defaults);
    await restoreScenarios();
  });

  it(`keeps every error trace whole and ${PERCENT} % of the rest (± 3 points over ≥ 1,000 checkouts with FULL_CHECKS=1)`, async () => {
    const rate = FULL ? 5 : 4;
    const { placed } = await placeAtRate(rate, seconds(45, 230), 0.1);
    await settle();
    const figures = await tally(placed);
    const ordinary = placed.filter((one) => !one.declined);
    const lost = new Set(figures.lostIds);
    const kept = ordinary.filter((one) => !lost.has(one.traceId)).length;
    const share = (100 * kept) / ordinary.length;
    const sigma = 100 * Math.sqrt(((PERCENT / 100) * (1 - PERCENT / 100)) / ordinary.length);
    const tolerance = FULL ? 3 : Math.max(3, 3.5 * sigma);
    report('tail sampling share', {
      checkouts: placed.length,
      errors: figures.errors,
      errorsLost: figures.errorsLost,
      broken: figures.broken,
      ordinary: ordinary.length,
      kept,
      sharePercent: Number(share.toFixed(2)),
      tolerance: Number(tolerance.toFixed(2)),
    });
    if (FULL) assert.ok(placed.length >= 1_000, `only ${placed.length} checkouts`);
    assert.equal(figures.errorsLost, 0, 'error traces lost or stored in part');
    assert.equal(figures.broken, 0, 'stored traces missing a service');
    assert.ok(
      Math.abs(share - PERCENT) <= tolerance,
      `kept ${share.toFixed(1)} % of ${ordinary.length} ordinary checkouts, want ${PERCENT} ± ${tolerance.toFixed(1)}`,
    );
  });

  for (const replay of [false, true]) {
    it(`SIGKILL of an ingester mid-load, restarted ${replay ? 'with the replay of its decision window (after)' : 'without replay (before)'}: error traces lost per kill`, async () => {
      const env = { ...tailSettings, PIPELINE_REPLAY: replay ? undefined : '0' };
      let restart = '';
      const { placed } = await placeAtRate(2, seconds(30, 60), 0.5, async () => {
        // The kill lands when the ingester holds a full decision wait of undecided traces.
        await sleep(seconds(18, 30));
        await stack('kill', 'ingester.2');
        await sleep(3_000);
        restart = await restartWith('ingester.2', env);
      });
      await settle();
      const figures = await tally(placed);
      // What the replay said (its window, when it reached the ends, what it read and stored): the evidence
      // when an error trace is lost all the same.
      const replaySteps = restart
        .split('\n')
        .filter((line) => line.includes('ingester replay:'))
        .map((line) => line.replace(/^.*ingester replay: /, ''));
      report(`tail ingester kill, ${replay ? 'after (replay)' : 'before (no replay)'}`, {
        ...figures,
        full: FULL,
        ...(replay ? { replaySteps } : {}),
      });
      if (replay)
        assert.ok(
          replaySteps.some((line) => line.startsWith('done')),
          `the replay did not run: ${restart}`,
        );
      assert.ok(figures.errors >= 10, `only ${figures.errors} declined checkouts`);
      // The replay's goal is 0: 0 of 30 in each run since it waits until it has stored what it kept
      // (6 December; it was stopped after a fixed 13 s before, and lost 2 or 3 of 30 now and then), where
      // without it runs lose 3 to 10 of 30 (docs/tracing-pipeline.md). Under a tenth: a replay that does
      // nothing fails this; a figure above 0 is reported above (with the replay's own lines) and in the docs.
      if (replay) assert.ok(figures.errorsLost < figures.errors / 10, `error traces lost with the replay: ${JSON.stringify(figures)}`);
    });
  }
});
