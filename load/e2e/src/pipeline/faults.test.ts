/**
 * Faults of the pipeline under 2 checkouts a second (twice the quick start's rate; a fifth of them declined), trace
 * sampling off (issue 24): an ingester SIGKILLed and started again, a collector SIGKILLed, Kafka stopped,
 * Cassandra stopped. For each, against what the services emitted (every answered checkout's trace): traces
 * lost, broken traces stored (a service's spans missing), error traces lost, and the consumer lag back to 0.
 * Lengths: short by default (CI), FULL_CHECKS=1 for the (Kafka 30 s, Cassandra 60 s).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keepScenarios, scenariosOff, sleep, stack } from '../faults';
import { FULL, notPipeline, placeAtRate, report, seconds, settleAndTally, waitForLagZero } from './pipeline';

const RATE = 2;
const DECLINED = 0.2;
const SETTLE_MS = 120_000;

/** Load around a fault: `lead` of steady load, the fault, then load until `total` has passed. */
async function drill(name: string, totalMs: number, fault: () => Promise<void>) {
  const { placed, unanswered } = await placeAtRate(RATE, totalMs, DECLINED, fault);
  const lagDrainedMs = await waitForLagZero(SETTLE_MS);
  const figures = await settleAndTally(placed, 60_000);
  report(name, { ...figures, unanswered, lagDrainedMs, full: FULL });
  return figures;
}

describe('pipeline faults under 2 checkouts/s, sampling off', { skip: notPipeline }, () => {
  let restoreScenarios: () => Promise<void> = async () => undefined;
  before(async () => {
    restoreScenarios = await keepScenarios();
    await scenariosOff();
    await waitForLagZero(SETTLE_MS);
  });
  after(async () => {
    for (const piece of ['kafka', 'cassandra', 'ingester.1', 'ingester.2', 'collector.1', 'collector.2']) await stack('start', piece);
    await restoreScenarios();
  });

  it('SIGKILL of an ingester, started again: nothing lost (offsets marked only after Cassandra stored the spans)', async () => {
    const figures = await drill('ingester kill', seconds(25, 60), async () => {
      await sleep(seconds(8, 20));
      await stack('kill', 'ingester.2');
      await sleep(seconds(5, 15));
      await stack('start', 'ingester.2');
    });
    assert.ok(figures.checkouts >= 30, `only ${figures.checkouts} checkouts answered`);
    assert.deepEqual([figures.lost, figures.broken, figures.errorsLost], [0, 0, 0], JSON.stringify(figures));
  });

  it('SIGKILL of a collector: nothing lost (answered only after Kafka acknowledged; HAProxy resends the rest)', async () => {
    const figures = await drill('collector kill', seconds(25, 60), async () => {
      await sleep(seconds(8, 20));
      await stack('kill', 'collector.1');
      await sleep(seconds(8, 20));
      await stack('start', 'collector.1');
    });
    assert.deepEqual([figures.lost, figures.broken, figures.errorsLost], [0, 0, 0], JSON.stringify(figures));
  });

  it('Cassandra stopped: nothing lost (the ingesters retry, Kafka holds the backlog), lag back to 0', async () => {
    const figures = await drill('cassandra stop', seconds(40, 90), async () => {
      await sleep(seconds(5, 10));
      await stack('stop', 'cassandra');
      await sleep(seconds(20, 60));
      await stack('start', 'cassandra');
    });
    assert.deepEqual([figures.lost, figures.broken, figures.errorsLost], [0, 0, 0], JSON.stringify(figures));
    // Back to 0 again, not at one instant: the services' background spans keep a live pipeline's lag moving.
    await waitForLagZero(30_000);
  });

  it('Kafka stopped: nothing lost (the collectors hold requests, then the SDKs retry), lag back to 0', async () => {
    const figures = await drill('kafka stop', seconds(30, 60), async () => {
      await sleep(seconds(5, 10));
      await stack('stop', 'kafka');
      await sleep(seconds(10, 30));
      await stack('start', 'kafka');
    });
    // The collectors hold each request up to KAFKA_EXPORT_RETRY_MAX_ELAPSED (20 s), then fail it and the
    // SDKs retry it, their batch queue filling meanwhile: 30 s at 2 checkouts/s lost nothing (docs).
    assert.deepEqual([figures.lost, figures.broken, figures.errorsLost], [0, 0, 0], JSON.stringify(figures));
    assert.ok(figures.stored > 0, 'nothing stored after Kafka came back');
    // Back to 0 again, not at one instant: the services' background spans keep a live pipeline's lag moving.
    await waitForLagZero(30_000);
  });
});
