/**
 * `pnpm lab start [--level 1|2|3] [--seed N] | hint | answer <name...> | reveal | measure [--json] [--exercises <level>]`.
 * See exercise.ts (the hunt exercises), measure.ts (the lab's ON/OFF figures) and measure-exercises.ts
 * (real exercises judged by the report).
 */
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from '@tracecart/config';
import { pathologyNames, isPathologyName, type PathologyName } from '@tracecart/lab-catalogue';
import { CliError } from '@tracecart/stack-client';
import { isLevel, isSeed, type Level } from './choice';
import { answerExercise, giveHint, revealExercise, startExercise, type LabContext } from './exercise';
import { measure, renderFigures, summariseRuns } from './measure';
import { measureExercises, renderExerciseRuns } from './measure-exercises';
import { defaultStateFile, readState } from './state';
import { positive, positiveInteger } from '../cli-options';

export interface LabIo {
  print: (text: string) => void;
  error: (text: string) => void;
  config: () => Config;
}

const defaultIo: LabIo = {
  print: (text) => process.stdout.write(text),
  error: (text) => process.stderr.write(text),
  config: () => loadConfig(),
};

function level(value: string): Level {
  const parsed = Number(value);
  if (!isLevel(parsed)) throw new InvalidArgumentError('1, 2 or 3');
  return parsed;
}

function seed(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !isSeed(parsed)) throw new InvalidArgumentError('an integer from 0 to 4294967295');
  return parsed;
}

function pathologyList(value: string, previous: PathologyName[] = []): PathologyName[] {
  if (!isPathologyName(value)) throw new InvalidArgumentError(`one of ${pathologyNames.join(', ')}`);
  return [...previous, value];
}

/** `outcome.code` is set to 3 by a wrong answer. */
export function labCommand(io: LabIo = defaultIo, outcome: { code: number } = { code: 0 }): Command {
  const program = new Command('lab')
    .description("Hunt exercises for workshops (a hidden pathology to find in Jaeger), and the lab's ON/OFF figures.")
    .option('--state <file>', 'where a running exercise keeps its state', defaultStateFile)
    .showHelpAfterError();
  const context = (): LabContext => ({
    config: io.config(),
    stateFile: path.resolve(program.opts<{ state: string }>().state),
    print: io.print,
  });
  program
    .command('start')
    .description('switch on a hidden choice, start background load, and say where to look first')
    .option('--level <n>', '1: one pathology; 2: two at once; 3: one plus a decoy (a slow span off the critical path)', level, 1 as Level)
    .option('--seed <n>', 'the same seed gives the same exercise (default: random)', seed)
    .option('--rate <perSecond>', 'background load, checkouts per second', positive, 2)
    .option('--minutes <n>', 'the background load stops after this long at the latest', positive, 60)
    .action(async (options: { level: Level; seed?: number; rate: number; minutes: number }) => {
      await startExercise(context(), options);
    });
  program
    .command('hint')
    .description('the next hint: the service, then the span, then what the span shows')
    .action(async () => giveHint(context()));
  program
    .command('answer <names...>')
    .description(`name the hidden pathology (or both, at level 2): ${pathologyNames.join(', ')}`)
    .option('--window <minutes>', 'the report reads the traces of the last N minutes of the exercise', positive, 2)
    .action(async (names: string[], options: { window: number }) => {
      const verdict = await answerExercise(context(), names, options.window);
      if (!verdict.correct) outcome.code = 3;
    });
  program
    .command('reveal')
    .description('end the exercise: show the answer, stop the load, restore the switches as they were before start')
    .action(async () => {
      await revealExercise(context());
    });
  program
    .command('measure')
    .description("interleaved ON/OFF bursts per pathology (the catalogue's load): p95 ratio of its key latency and the report's hit rate")
    .option('--runs <n>', 'ON/OFF pairs per pathology', positiveInteger, 5)
    .option('--pathology <name>', 'only this one (repeatable; default: all five)', pathologyList)
    .option('--count <n>', "checkouts per burst instead of the catalogue's (a quick smoke run)", positiveInteger)
    .option('--json', 'print the figures as JSON', false)
    .option(
      '--exercises <level>',
      'instead: one real exercise per hidden choice of this level (2: each of the ten pairs), judged by the report',
      level,
    )
    .option('--duration <seconds>', 'with --exercises: how long each exercise runs before it is judged', positive, 45)
    .option('--rate <perSecond>', 'with --exercises: the background load, checkouts per second', positive, 2)
    .option('--choices <n>', 'with --exercises: only the first n hidden choices (a quick smoke run)', positiveInteger)
    .action(
      async (options: {
        runs: number;
        pathology?: PathologyName[];
        count?: number;
        json: boolean;
        exercises?: Level;
        duration: number;
        rate: number;
        choices?: number;
      }) => {
        const running = readState(context().stateFile);
        if (running)
          throw new CliError(
            `an exercise is running since ${running.startedAt}: measuring would switch its pathologies (pnpm lab reveal ends it)`,
          );
        if (options.exercises !== undefined) {
          const exerciseRuns = await measureExercises(
            io.config(),
            {
              level: options.exercises,
              durationSec: options.duration,
              rate: options.rate,
              choices: options.choices,
              stateFile: `${context().stateFile}.measure`,
            },
            io.error,
          );
          io.print(
            options.json
              ? `${JSON.stringify({ generatedAt: new Date().toISOString(), exercises: exerciseRuns }, null, 2)}\n`
              : renderExerciseRuns(exerciseRuns),
          );
          return;
        }
        const names = options.pathology ?? pathologyNames;
        const runs = await measure(io.config(), { names, runs: options.runs, count: options.count }, io.error);
        const figures = summariseRuns(runs);
        io.print(
          options.json ? `${JSON.stringify({ generatedAt: new Date().toISOString(), figures, runs }, null, 2)}\n` : renderFigures(figures),
        );
      },
    );
  return program;
}

/** Runs the CLI; resolves to the exit code (2: usage, 3: a wrong answer, 1: anything else). */
export async function runLabCli(argv: readonly string[], io: LabIo = defaultIo): Promise<number> {
  const outcome = { code: 0 };
  const program = labCommand(io, outcome).exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return outcome.code;
  } catch (error) {
    if (error instanceof CliError) {
      io.error(`lab: ${error.message}\n`);
      return error.exitCode;
    }
    const commanderError = error as { code?: string };
    if (typeof commanderError.code === 'string' && commanderError.code.startsWith('commander.')) {
      return commanderError.code === 'commander.helpDisplayed' || commanderError.code === 'commander.version' ? 0 : 2;
    }
    io.error(`lab: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
