// The test stages' one summary (scripts/test). Two roles in one file:
//  - a node test runner reporter (`--test-reporter=scripts/test-summary.mjs --test-reporter-destination=<file>`):
//    writes the run's overall summary (counts, duration) as one JSON line;
//  - a command (`node scripts/test-summary.mjs <dir>`): reads every stage's record in <dir> (in the order
//    the stages ran) and prints one summary of them all, in the node test runner's own words (ℹ tests N,
//    ℹ pass N, ℹ fail N, ...), the totals of every stage; exits 1 if any stage failed.
// A stage record is `<n>-<stage>.json` (the reporter's line) and/or `<n>-<stage>.exit` (the stage's exit
// status). A stage with an exit status and no counts (a script that does not use the reporter) counts as
// one test, passed or failed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export default async function* summaryReporter(source) {
  let overall;
  for await (const event of source) {
    if (event.type === 'test:summary' && event.data.file === undefined) overall = event.data;
  }
  if (overall) yield `${JSON.stringify({ counts: overall.counts, duration_ms: overall.duration_ms, success: overall.success })}\n`;
}

function readStages(dir) {
  const stages = new Map();
  for (const file of readdirSync(dir).sort()) {
    const match = /^(\d+-.+)\.(json|exit)$/.exec(file);
    if (!match) continue;
    const stage = stages.get(match[1]) ?? { name: match[1].replace(/^\d+-/, '') };
    const text = readFileSync(path.join(dir, file), 'utf8').trim();
    if (match[2] === 'exit') stage.exit = Number(text);
    else if (text) stage.summary = JSON.parse(text.split('\n').at(-1));
    stages.set(match[1], stage);
  }
  return [...stages.values()];
}

function printSummary(dir) {
  const totals = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0, duration_ms: 0 };
  let failed = false;
  for (const stage of readStages(dir)) {
    const counts = stage.summary?.counts;
    const ok = stage.exit === undefined ? stage.summary?.success === true : stage.exit === 0;
    failed ||= !ok;
    if (counts) {
      totals.tests += counts.tests;
      totals.suites += counts.suites;
      totals.pass += counts.passed;
      totals.fail += counts.failed;
      totals.cancelled += counts.cancelled;
      totals.skipped += counts.skipped;
      totals.todo += counts.todo;
      totals.duration_ms += stage.summary.duration_ms;
      // A stage that failed outside its tests (a stack that did not start) still fails the totals.
      if (!ok && counts.failed === 0) totals.fail += 1;
      console.log(
        `ℹ stage ${stage.name}: ${ok ? 'passed' : 'FAILED'} (tests ${counts.tests}, pass ${counts.passed}, fail ${counts.failed}, cancelled ${counts.cancelled})`,
      );
    } else {
      totals.tests += 1;
      if (ok) totals.pass += 1;
      else totals.fail += 1;
      console.log(`ℹ stage ${stage.name}: ${ok ? 'passed' : 'FAILED'} (exit ${stage.exit ?? 'unknown'}; no test counts)`);
    }
  }
  for (const [key, value] of Object.entries(totals)) console.log(`ℹ ${key} ${value}`);
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = printSummary(process.argv[2]);
}
