#!/usr/bin/env node
/** `node load/tools/dist/cpuprofile-cli.js <file.cpuprofile> [--top N] [--json]`: top self-time functions and packages. */
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { summariseProfile, type CpuProfile } from './bench/cpuprofile';
import { number, positiveInteger } from './cli-options';

const program = new Command()
  .name('cpuprofile')
  .argument('<file>', 'a .cpuprofile written by node --cpu-prof')
  .option('--top <n>', 'rows per table', positiveInteger, 25)
  .option('--from-ms <ms>', 'skip the first milliseconds (start-up)', number, 0)
  .option('--json', 'print the summary as JSON')
  .parse();

async function main(): Promise<void> {
  const [file] = program.args;
  const { top, json, fromMs } = program.opts<{ top: number; json?: boolean; fromMs: number }>();
  const summary = summariseProfile(JSON.parse(await readFile(file!, 'utf8')) as CpuProfile, top, fromMs);
  if (json) {
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  console.log(`${file}: ${summary.total_ms} ms profiled, ${summary.busy_ms} ms busy, ${summary.idle_ms} ms idle\n`);
  console.log('self%  self ms  function (location)');
  for (const row of summary.top_self) {
    console.log(`${row.self_pct_of_busy.toFixed(1).padStart(5)}  ${String(row.self_ms).padStart(7)}  ${row.function} (${row.location})`);
  }
  console.log('\nself%  attr%  incl%  package (attr: leaf frame, or nearest package caller of node internals/native)');
  for (const row of summary.packages) {
    const cell = (value: number) => value.toFixed(1).padStart(5);
    console.log(`${cell(row.self_pct_of_busy)}  ${cell(row.attributed_pct_of_busy)}  ${cell(row.inclusive_pct_of_busy)}  ${row.package}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
