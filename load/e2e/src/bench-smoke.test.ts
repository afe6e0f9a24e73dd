/**
 * Smoke test of `pnpm bench --quick` against the running stack: both modes run, every figure the JSON
 * promises is there and sane, and no span is lost on the way to Jaeger. No timing targets: those belong
 * to the full benchmark (BENCHMARKS.md), which is too slow for the suite.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BenchResult } from '@tracecart/load';
import { repoRoot } from './faults';

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

describe('pnpm bench --quick', { timeout: 280_000 }, () => {
  let dir: string;
  let result: BenchResult;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tracecart-bench-'));
    const file = path.join(dir, 'bench.json');
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [path.join(repoRoot, 'load', 'tools', 'dist', 'bench-cli.js'), '--quick', '--json', file],
        { cwd: repoRoot, timeout: 270_000, maxBuffer: 10 * 1024 * 1024 },
        (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr.slice(-3000)}`)) : resolve()),
      );
    });
    result = JSON.parse(await readFile(file, 'utf8')) as BenchResult;
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ran both modes and reports their ratios', () => {
    assert.deepEqual(result.runs.map((run) => run.mode).sort(), ['traced', 'untraced']);
    for (const run of result.runs) {
      assert.ok(run.saturation.paid + run.saturation.declined > 0, `${run.mode}: no checkout completed at saturation`);
      assert.ok(run.fixed_rate.paid + run.fixed_rate.declined > 0, `${run.mode}: no checkout completed at the fixed rate`);
      assert.equal(run.load_average_before.length, 3);
    }
    assert.ok(
      finite(result.throughput_ratio) && result.throughput_ratio > 0 && result.throughput_ratio < 10,
      `throughput_ratio ${result.throughput_ratio}`,
    );
    assert.ok(finite(result.p50_ratio) && result.p50_ratio > 0 && result.p50_ratio < 100, `p50_ratio ${result.p50_ratio}`);
    assert.ok(finite(result.checkouts_per_s_traced) && result.checkouts_per_s_traced > 0);
    assert.ok(finite(result.p99_ms_at_half_rate) && result.p99_ms_at_half_rate > 0);
  });

  it('loses no span between the services and Jaeger', () => {
    const loss = result.span_loss!;
    assert.ok(
      loss.settled_before && loss.settled_after,
      'the stack never went quiet around the span-loss run (earlier work still draining?)',
    );
    assert.ok(loss.checkout_traces > 0, 'no checkout trace');
    assert.ok(result.spans_emitted > loss.checkout_traces * 10, `only ${result.spans_emitted} spans for ${loss.checkout_traces} checkouts`);
    assert.equal(result.spans_in_jaeger, result.spans_emitted, JSON.stringify(loss.by_service));
    for (const [service, counts] of Object.entries(loss.by_service)) {
      assert.equal(counts.export_failed, 0, `${service} failed to export spans`);
      assert.equal(counts.in_jaeger, counts.emitted, `${service}: ${JSON.stringify(counts)}`);
    }
  });

  it('reports resident memory per service and the machine', () => {
    for (const service of ['order', 'payment', 'shipping'] as const) {
      const rss = result.rss_mb[service];
      for (const value of [rss.idle_traced, rss.idle_untraced, rss.load_traced, rss.load_untraced]) {
        assert.ok(finite(value) && value > 20 && value < 4096, `${service} RSS ${value} MiB`);
      }
    }
    assert.ok(result.machine.cores >= 1);
    assert.match(result.machine.node, /^v\d+/);
    assert.equal(result.machine.load_average_at_start.length, 3);
    assert.ok(finite(result.summary.cpu_ms_per_checkout_at_saturation.traced.order));
  });
});
