/**
 * End-to-end, as a user runs them: `pnpm scenario` switches the running services, and `pnpm report`
 * reads a burst's traces from the real Jaeger and names the culprit. Both CLIs are spawned as processes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCheckoutBurst, traceIdsOf, waitForCheckoutTraces } from '@tracecart/load';
import type { Analysis } from '@tracecart/report';
import { config, getJson, serviceUrl, setAllScenarios, type ServiceName } from './stack';

const loadDist = path.dirname(require.resolve('@tracecart/load'));
const work = mkdtempSync(path.join(tmpdir(), 'stack-cli-'));

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(loadDist, script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

async function switchedOn(service: ServiceName, name: string): Promise<boolean | undefined> {
  const { body } = await getJson<Array<{ name: string; enabled: boolean }>>(`${serviceUrl[service]}/scenarios`);
  return body.find((entry) => entry.name === name)?.enabled;
}

describe('the CLIs against the running stack', () => {
  after(async () => {
    rmSync(work, { recursive: true, force: true });
    await setAllScenarios(true);
  });

  it('pnpm scenario: switches the owning service at once and prints all four; a wrong token changes nothing', async () => {
    const off = run('scenario-cli.js', ['off', 'n-plus-one']);
    assert.equal(off.code, 0, off.err);
    assert.equal(await switchedOn('order', 'n-plus-one'), false);
    assert.match(off.out, /n-plus-one\s+order\s+off\s+Cart loaded one query per line item\s+pnpm scenario off n-plus-one/);
    assert.equal(
      off.out
        .trim()
        .split('\n')
        .filter((line) => /^(missing-index|n-plus-one|lock-contention|pool-starvation)\s/.test(line)).length,
      4,
    );

    const refused = run('scenario-cli.js', ['on', 'n-plus-one'], { SCENARIO_TOKEN: 'certainly-not-the-token' });
    assert.equal(refused.code, 1);
    assert.match(refused.err, /order-service refused to switch n-plus-one \(403/);
    assert.equal(await switchedOn('order', 'n-plus-one'), false);

    const on = run('scenario-cli.js', ['on', 'n-plus-one']);
    assert.equal(on.code, 0, on.err);
    assert.equal(await switchedOn('order', 'n-plus-one'), true);
  });

  it('pnpm report --json: reads the window’s checkout traces from Jaeger and names the culprit', async () => {
    const all = run('scenario-cli.js', ['all-off']);
    assert.equal(all.code, 0, all.err);
    const on = run('scenario-cli.js', ['on', 'missing-index']);
    assert.equal(on.code, 0, on.err);
    const burst = await runCheckoutBurst({ orderUrl: config.ORDER_URL, count: 6, concurrency: 1, lines: 2 });
    await waitForCheckoutTraces(config.JAEGER_QUERY_URL, traceIdsOf(burst));
    const json = path.join(work, 'report.json');
    const since = new Date(burst.startedAt.getTime() - 500).toISOString();
    const until = new Date(burst.endedAt.getTime() + 500).toISOString();
    const report = run('report-cli.js', ['--since', since, '--until', until, '--json', json]);
    assert.equal(report.code, 0, report.err);
    assert.match(report.out, /Top culprit: payment-service SELECT count\(\*\)/);
    assert.match(report.out, /Fix command: pnpm scenario off missing-index/);
    const analysis = JSON.parse(readFileSync(json, 'utf8')) as Analysis;
    assert.equal(analysis.source.jaeger, config.JAEGER_QUERY_URL);
    assert.equal(analysis.traces.analysed, 6, 'exactly the burst’s checkouts are in the window');
    assert.equal(analysis.culprit?.pathology?.name, 'missing-index');
    assert.ok(traceIdsOf(burst).every((id) => analysis.perTrace.some((trace) => trace.traceId === id)));
  });

  it('pnpm report on an empty window says so and exits 1', () => {
    const report = run('report-cli.js', ['--since', '2001-01-01T00:00:00Z', '--until', '2001-01-01T00:05:00Z']);
    assert.equal(report.code, 1);
    assert.match(report.out, /No order-service "POST \/checkout" traces in Jaeger between/);
  });
});
