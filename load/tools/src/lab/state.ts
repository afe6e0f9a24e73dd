/**
 * A running exercise's state, in a file (default `.stack/lab-exercise.json`), so that `hint`, `answer`
 * and `reveal` work from any later run of the command. It holds the answer and the exercise's token:
 * the learner is trusted not to read it.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DecoyName, PathologyName } from '@tracecart/lab-catalogue';
import type { Level } from './choice';

export interface ExerciseState {
  version: 1;
  level: Level;
  seed: number;
  startedAt: string;
  pathologies: PathologyName[];
  decoys: DecoyName[];
  /** The exercise's token: the only one the scenario routes take while it runs. */
  token: string;
  /** Each switch as it was before start; reveal puts them back. */
  before: Partial<Record<PathologyName, boolean>>;
  hintsGiven: number;
  /** The background load: a detached `pnpm load` process. */
  load: { pid: number; rate: number; log: string } | null;
  answers: Array<{ at: string; names: string[]; correct: boolean }>;
}

/** The repository root, from this file's place in load/tools/dist/lab/. */
export const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
export const defaultStateFile = path.join(repoRoot, '.stack', 'lab-exercise.json');

export function readState(file: string): ExerciseState | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const state = JSON.parse(text) as ExerciseState;
  if (state.version !== 1 || !Array.isArray(state.pathologies)) throw new Error(`${file} is not an exercise state file`);
  return state;
}

/** Written whole, then renamed: a crash never leaves half a file. */
export function writeState(file: string, state: ExerciseState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}
