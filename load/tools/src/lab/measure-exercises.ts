/**
 * `pnpm lab measure --exercises <level>`: real hunt exercises, one per distinct hidden choice of that level
 * (level 1 and 3: each of the five pathologies; level 2: each of the ten pairs). Each is started exactly as
 * `pnpm lab start --level <level> --seed <seed>` would (hidden switches, exercise mode, background load at
 * the quick start's rate), left running for `durationSec`, then judged by the report over its traces as
 * `pnpm lab answer` would be, and revealed (switches restored). The figure: in how many exercises the
 * report names every hidden pathology and nothing else. Measures: run it on a quiet machine.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '@tracecart/config';
import type { PathologyName } from '@tracecart/lab-catalogue';
import { chooseHidden, type HiddenChoice, type Level } from './choice';
import { recentEvidence, revealExercise, startExercise, type LabContext } from './exercise';

export interface ExerciseRun {
  level: Level;
  seed: number;
  hidden: PathologyName[];
  tracesAnalysed: number;
  /** What the report named over the exercise's traces. */
  named: PathologyName[];
  culprit: PathologyName | null;
  /** Every hidden pathology named, and nothing else. */
  allNamed: boolean;
}

/** The first seed (from 0) of each distinct hidden choice of a level, in the order they are met. */
export function seedsPerChoice(level: Level, limit = 10_000): Array<{ seed: number; choice: HiddenChoice }> {
  const seen = new Map<string, { seed: number; choice: HiddenChoice }>();
  for (let seed = 0; seed < limit; seed += 1) {
    const choice = chooseHidden(level, seed);
    const key = [...choice.pathologies].sort().join('+');
    if (!seen.has(key)) seen.set(key, { seed, choice });
  }
  return [...seen.values()];
}

export function judgeRun(
  level: Level,
  seed: number,
  hidden: readonly PathologyName[],
  evidence: { traces: { analysed: number }; pathologies: PathologyName[] },
  culprit: PathologyName | null,
): ExerciseRun {
  const named = [...evidence.pathologies];
  return {
    level,
    seed,
    hidden: [...hidden],
    tracesAnalysed: evidence.traces.analysed,
    named,
    culprit,
    allNamed: hidden.every((name) => named.includes(name)) && named.every((name) => hidden.includes(name)),
  };
}

export function renderExerciseRuns(runs: readonly ExerciseRun[]): string {
  const header = '| level | seed | hidden | traces | report names | culprit | all named, nothing else |\n|---|---|---|---|---|---|---|';
  const rows = runs.map(
    (run) =>
      `| ${run.level} | ${run.seed} | ${run.hidden.join(' + ')} | ${run.tracesAnalysed} | ${run.named.join(', ') || '-'} | ${run.culprit ?? '-'} | ${run.allNamed ? 'yes' : 'no'} |`,
  );
  const hits = runs.filter((run) => run.allNamed).length;
  return `${[header, ...rows].join('\n')}\n\n${hits} of ${runs.length} exercises: the report named every hidden pathology and nothing else.\n`;
}

export interface ExerciseMeasureOptions {
  level: Level;
  durationSec: number;
  rate: number;
  /** Only the first n choices (default: all of the level's). */
  choices?: number;
  stateFile: string;
}

export async function measureExercises(
  config: Config,
  options: ExerciseMeasureOptions,
  progress: (text: string) => void,
): Promise<ExerciseRun[]> {
  const context: LabContext = { config, stateFile: options.stateFile, print: () => undefined };
  const runs: ExerciseRun[] = [];
  for (const { seed, choice } of seedsPerChoice(options.level).slice(0, options.choices)) {
    const state = await startExercise(context, { level: options.level, seed, rate: options.rate, minutes: options.durationSec / 60 + 2 });
    let run: ExerciseRun;
    try {
      await sleep(options.durationSec * 1000);
      const evidence = await recentEvidence(config, state.startedAt, options.durationSec / 60 + 1);
      run = judgeRun(options.level, seed, choice.pathologies, evidence, evidence.culprit?.pathology?.name ?? null);
    } finally {
      await revealExercise(context);
    }
    progress(
      `level ${run.level} seed ${run.seed} [${run.hidden.join(' + ')}]: ${run.tracesAnalysed} traces, report names [${run.named.join(', ')}]\n`,
    );
    runs.push(run);
  }
  return runs;
}
