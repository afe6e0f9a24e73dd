import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathology, pathologyNames, type PathologyName } from '@tracecart/lab-catalogue';
import type { Finding } from '@tracecart/report';
import { chooseHidden, levels } from './choice';
import { hintSequence, nextHint } from './hints';
import { AnswerError, judgeAnswer, parseAnswer, type ReportEvidence } from './judge';
import { summariseRuns, type RunFigures } from './measure';
import { judgeRun, seedsPerChoice } from './measure-exercises';

describe('lab: the hidden choice', () => {
  it('is the same for the same level and seed, and varies with the seed', () => {
    for (const level of levels) assert.deepEqual(chooseHidden(level, 42), chooseHidden(level, 42));
    const firsts = new Set(Array.from({ length: 200 }, (_, seed) => chooseHidden(1, seed).pathologies[0]));
    assert.deepEqual([...firsts].sort(), [...pathologyNames].sort(), 'every pathology comes up over 200 seeds');
  });
  it('hides one pathology at level 1, two different ones at level 2, one and the decoy at level 3', () => {
    for (let seed = 0; seed < 100; seed += 1) {
      const one = chooseHidden(1, seed);
      assert.equal(one.pathologies.length, 1);
      assert.deepEqual(one.decoys, []);
      const two = chooseHidden(2, seed);
      assert.equal(new Set(two.pathologies).size, 2);
      assert.deepEqual(two.decoys, []);
      const three = chooseHidden(3, seed);
      assert.equal(three.pathologies.length, 1);
      assert.deepEqual(three.decoys, ['slow-audit']);
    }
  });
  it('refuses a seed that is not a 32-bit unsigned integer', () => {
    assert.throws(() => chooseHidden(1, -1), RangeError);
    assert.throws(() => chooseHidden(1, 1.5), RangeError);
    assert.throws(() => chooseHidden(1, 2 ** 32), RangeError);
  });
});

describe('lab: hints', () => {
  it("gives the catalogue's three hints in order at level 1, then none", () => {
    const hidden = { pathologies: ['n-plus-one'] as PathologyName[], decoys: [] };
    assert.deepEqual(
      hintSequence(hidden).map((hint) => hint.text),
      [...pathology('n-plus-one').hints],
    );
    assert.equal(nextHint(hidden, 0)!.about, 'where');
    assert.equal(nextHint(hidden, 2)!.about, 'what it shows');
    assert.equal(nextHint(hidden, 3), null);
  });
  it('at level 2 goes step by step over both problems; at level 3 ends with the decoy', () => {
    const two = hintSequence({ pathologies: ['missing-index', 'lock-contention'], decoys: [] });
    assert.deepEqual(
      two.map((hint) => hint.text),
      [0, 1, 2].flatMap((step) => [pathology('missing-index').hints[step], pathology('lock-contention').hints[step]]),
    );
    assert.equal(two[1]!.about, 'problem 2 of 2, where');
    const three = hintSequence({ pathologies: ['pool-starvation'], decoys: ['slow-audit'] });
    assert.equal(three.length, 4);
    assert.equal(three[3]!.about, 'the decoy');
    assert.match(three[3]!.text, /checkout\.audit/);
    assert.deepEqual(
      three.map((hint) => hint.number),
      [1, 2, 3, 4],
    );
  });
});

function finding(overrides: Partial<Finding>): Finding {
  return {
    signature: 'seq-scan',
    service: 'payment-service',
    operation: 'SELECT payments',
    statement: 'SELECT ...',
    parent: 'payment.fraud_check',
    label: 'SELECT payments',
    path: 'http',
    pathology: 'missing-index',
    occurrences: 30,
    tracesAffected: 30,
    tracesOnPath: 30,
    meanCostMs: 200,
    p50CostMs: 200,
    p95CostMs: 300,
    p50SharePct: 60,
    p95SharePct: 80,
    meanSharePct: 61.5,
    significant: true,
    evidence: '312 ms, plan: Aggregate <- Seq Scan on payments',
    exampleTraceIds: ['abc123'],
    ...overrides,
  };
}

function evidence(findings: Finding[]): ReportEvidence {
  return {
    traces: { found: 30, analysed: 30, withShipment: 28, skipped: [], httpStatuses: { '201': 30 } },
    findings,
    pathologies: [...new Set(findings.filter((f) => f.significant && f.pathology).map((f) => f.pathology!))],
    source: { jaeger: 'http://jaeger', file: null, since: '2026-01-01T10:00:00.000Z', until: '2026-01-01T10:02:00.000Z', limit: 500 },
  };
}

describe('lab: judging an answer', () => {
  const missingIndex = { pathologies: ['missing-index'] as PathologyName[], decoys: [] };

  it('says right and cites the report finding that names it', () => {
    const verdict = judgeAnswer(missingIndex, ['missing-index'], evidence([finding({})]));
    assert.equal(verdict.correct, true);
    const text = verdict.lines.join('\n');
    assert.match(text, /^Right: missing-index/);
    assert.match(text, /30 checkout traces between 10:00:00 and 10:02:00 UTC names it/);
    assert.match(text, /Seq Scan on payments/);
    assert.match(text, /trace abc123/);
  });
  it('is still right when the report has not singled it out yet, and says what to look for', () => {
    const verdict = judgeAnswer(missingIndex, ['missing-index'], evidence([]));
    assert.equal(verdict.correct, true);
    assert.match(verdict.lines.join('\n'), /does not single it out yet/);
  });
  it('says wrong for a pathology that is off, with the report finding nothing there, without naming the hidden one', () => {
    const verdict = judgeAnswer(missingIndex, ['n-plus-one'], evidence([finding({})]));
    assert.equal(verdict.correct, false);
    const text = verdict.lines.join('\n');
    assert.match(text, /WRONG {2}n-plus-one: it is switched off/);
    assert.match(text, /no significant n-plus-one pattern on order-service \(checkout\.load_cart\)/);
    assert.doesNotMatch(text, /missing-index/);
  });
  it('says wrong for the decoy and explains why it is off the critical path', () => {
    const verdict = judgeAnswer({ pathologies: ['lock-contention'], decoys: ['slow-audit'] }, ['slow-audit'], evidence([]));
    assert.equal(verdict.correct, false);
    assert.match(verdict.lines.join('\n'), /that is the decoy.*after POST \/checkout has answered/);
  });
  it('at level 2 wants both: one right of two is not enough, one too many is wrong', () => {
    const two = { pathologies: ['missing-index', 'pool-starvation'] as PathologyName[], decoys: [] };
    const half = judgeAnswer(two, ['missing-index'], evidence([finding({})]));
    assert.equal(half.correct, false);
    assert.match(half.lines.join('\n'), /1 more problem is hidden: 2 in all/);
    assert.equal(judgeAnswer(two, ['pool-starvation', 'missing-index'], evidence([])).correct, true);
    assert.equal(judgeAnswer(two, ['pool-starvation', 'missing-index', 'n-plus-one'], evidence([])).correct, false);
  });
  it('refuses unknown names and an empty answer, naming the possible answers', () => {
    assert.deepEqual(parseAnswer([' Missing-Index ', 'missing-index']), ['missing-index']);
    assert.throws(
      () => parseAnswer(['slow-database']),
      (error: Error) =>
        error instanceof AnswerError && /unknown name slow-database; the pathologies are: missing-index/.test(error.message),
    );
    assert.throws(() => parseAnswer([]), AnswerError);
  });
});

describe('lab measure: figures from runs', () => {
  const run = (mode: 'on' | 'off', index: number, keyP95Ms: number | null, named: PathologyName[]): RunFigures => ({
    pathology: 'missing-index',
    run: index,
    mode,
    checkouts: 16,
    paid: 16,
    tracesAnalysed: 16,
    keyP95Ms,
    named,
    culprit: named[0] ?? null,
  });
  it('divides the median ON p95 by the median OFF p95 and counts the report hits', () => {
    const [figures] = summariseRuns([
      run('on', 1, 300, ['missing-index']),
      run('off', 1, 50, []),
      run('on', 2, 500, ['missing-index']),
      run('off', 2, 70, ['n-plus-one']),
      run('on', 3, 400, []),
      run('off', 3, 60, []),
    ]);
    assert.equal(figures!.p95Ratio, 6.7);
    assert.deepEqual(figures!.onP95Ms, [300, 500, 400]);
    assert.equal(figures!.onHits, 2);
    assert.equal(figures!.offClean, 2);
    assert.equal(figures!.keyLatency, 'checkout');
  });
  it('has no ratio without OFF figures', () => {
    assert.equal(summariseRuns([run('on', 1, 300, []), run('off', 1, null, [])])[0]!.p95Ratio, null);
  });
});

describe('lab measure --exercises: one exercise per hidden choice', () => {
  it('finds a seed for each of the five pathologies at level 1 and 3, and each of the ten pairs at level 2', () => {
    for (const level of [1, 3] as const) {
      const choices = seedsPerChoice(level);
      assert.deepEqual(choices.map(({ choice }) => choice.pathologies[0]).sort(), [...pathologyNames].sort());
    }
    const pairs = seedsPerChoice(2);
    assert.equal(pairs.length, 10);
    assert.equal(new Set(pairs.map(({ choice }) => [...choice.pathologies].sort().join('+'))).size, 10);
    for (const { seed, choice } of pairs) assert.deepEqual(chooseHidden(2, seed), choice, 'the seed gives that pair again');
  });
  it('counts an exercise only when the report names every hidden pathology and nothing else', () => {
    const hidden: PathologyName[] = ['n-plus-one', 'lock-contention'];
    const judged = (named: PathologyName[]) =>
      judgeRun(2, 7, hidden, { traces: { analysed: 90 }, pathologies: named }, named[0] ?? null).allNamed;
    assert.equal(judged(['lock-contention', 'n-plus-one']), true);
    assert.equal(judged(['lock-contention']), false);
    assert.equal(judged(['lock-contention', 'n-plus-one', 'missing-index']), false);
    assert.equal(judged([]), false);
  });
});
