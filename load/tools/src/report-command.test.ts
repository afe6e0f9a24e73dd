/** The report CLI as a process, on recorded fixture files (no stack needed). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fixturePath } from '@tracecart/report/fixtures';
import type { ReportDocument } from './report-command';

const cli = path.join(__dirname, 'report-cli.js');
const work = mkdtempSync(path.join(tmpdir(), 'report-cli-'));

function report(...args: string[]) {
  const run = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, JAEGER_UI_URL: 'http://jaeger.test' },
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('report CLI on files', () => {
  after(() => rmSync(work, { recursive: true, force: true }));

  it('--traces and --json: prints the ranking and the culprit, writes the analysis', () => {
    const json = path.join(work, 'missing-index.json');
    const { code, out, err } = report('--traces', fixturePath('missing-index'), '--json', json, '--top', '3');
    assert.equal(code, 0, err);
    assert.match(out, /Critical path of the HTTP answer/);
    assert.equal(out.split('\n').filter((line) => /^\s+\d+\s+\S+-service\s/.test(line)).length, 3 + 3, 'three rows of each ranking');
    assert.match(out, /Pathology: missing-index — Fraud check scans every payment/);
    assert.match(out, /Fix command: pnpm scenario off missing-index/);
    const document = JSON.parse(readFileSync(json, 'utf8')) as ReportDocument;
    assert.equal(document.version, 1);
    assert.equal(document.culprit?.pathology?.name, 'missing-index');
    assert.equal(document.traces.analysed, document.perTrace.length);
    assert.equal(document.source.file, fixturePath('missing-index'));
    assert.equal(document.comparison, undefined);
  });

  it('--compare: before/after per operation and for checkout-to-shipped, also in the JSON', () => {
    const before = path.join(work, 'before.json');
    assert.equal(report('--traces', fixturePath('n-plus-one'), '--json', before).code, 0);
    const afterJson = path.join(work, 'after.json');
    const { code, out, err } = report('--traces', fixturePath('all-off'), '--compare', before, '--json', afterJson);
    assert.equal(code, 0, err);
    assert.match(out, /Checkout-to-shipped\s+p50\s+\S+ ms\s+\S+ ms/);
    assert.match(out, /SELECT quantity FROM stock WHERE product_id = \$1\s+\S+ %\s+–/);
    assert.match(out, /Pathologies named: before n-plus-one; after none/);
    const document = JSON.parse(readFileSync(afterJson, 'utf8')) as ReportDocument;
    assert.deepEqual(document.comparison?.pathologies, { before: ['n-plus-one'], after: [] });
  });

  it('--traces with several files analyses them together', () => {
    const json = path.join(work, 'together.json');
    const { code, err } = report('--traces', fixturePath('all-off'), fixturePath('missing-index'), '--json', json);
    assert.equal(code, 0, err);
    const document = JSON.parse(readFileSync(json, 'utf8')) as ReportDocument;
    const single = (name: 'all-off' | 'missing-index') => {
      const file = path.join(work, `${name}-alone.json`);
      assert.equal(report('--traces', fixturePath(name), '--json', file).code, 0);
      return (JSON.parse(readFileSync(file, 'utf8')) as ReportDocument).traces.analysed;
    };
    assert.equal(document.traces.analysed, single('all-off') + single('missing-index'));
    assert.equal(document.source.file, `${fixturePath('all-off')}, ${fixturePath('missing-index')}`);
  });

  it('clear errors: a bad --since, a --compare file that is no report, a file without spans', () => {
    const badTime = report('--since', 'yesterday');
    assert.equal(badTime.code, 1);
    assert.match(badTime.err, /not a time: "yesterday"/);
    const notReport = report('--traces', fixturePath('all-off'), '--compare', fixturePath('all-off'));
    assert.equal(notReport.code, 1);
    assert.match(notReport.err, /is not a report written by `pnpm report --json`/);
    const analysisFile = path.join(work, 'an-analysis.json');
    assert.equal(report('--traces', fixturePath('all-off'), '--json', analysisFile).code, 0);
    const noSpans = report('--traces', analysisFile);
    assert.equal(noSpans.code, 1);
    assert.match(noSpans.err, /holds no OTLP spans/);
  });
});
