/**
 * `pnpm lab start | hint | answer | reveal`: the hunt exercise against a running stack (local or compose),
 * through the stack client (switches, exercise mode), the load generator (background load) and the
 * report (evidence for answers).
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '@tracecart/config';
import { decoys as decoyCatalogue, pathologyNames, pathology, type PathologyName } from '@tracecart/lab-catalogue';
import {
  CliError,
  endExerciseMode,
  readStates,
  serviceUrls,
  startExerciseMode,
  switchScenarios,
  type ServiceUrls,
} from '@tracecart/stack-client';
import { analyse, analysisDefaults, fetchCheckoutSpans, type Analysis } from '@tracecart/report';
import { exerciseRush, rushText, startBackgroundLoad, stopBackgroundLoad, logTail } from './background-load';
import { chooseHidden, randomSeed, type Level } from './choice';
import { nextHint } from './hints';
import { judgeAnswer, parseAnswer, type Verdict } from './judge';
import { readState, removeState, writeState, type ExerciseState } from './state';

export interface LabContext {
  config: Config;
  stateFile: string;
  print(text: string): void;
}

export interface StartOptions {
  level: Level;
  seed?: number;
  /** Checkouts per second of the background load. */
  rate: number;
  /** How long the background load runs at most (reveal stops it earlier). */
  minutes: number;
}

function requireState(context: LabContext): ExerciseState {
  const state = readState(context.stateFile);
  if (!state) throw new CliError(`no exercise is running (no ${context.stateFile}); start one with pnpm lab start`);
  return state;
}

/** The switches as they are now (every one must answer). */
async function currentSwitches(urls: ServiceUrls, token: string): Promise<Record<PathologyName, boolean>> {
  const states = await readStates(urls, 5_000, token);
  const broken = states.filter((state) => state.enabled === null);
  if (broken.length > 0) throw new CliError(`cannot read the switches: ${[...new Set(broken.map((state) => state.problem))].join('; ')}`);
  return Object.fromEntries(states.map((state) => [state.name, state.enabled === true])) as Record<PathologyName, boolean>;
}

/** Switches only those that differ (missing-index builds or drops an index: seconds). */
async function applySwitches(
  urls: ServiceUrls,
  token: string,
  from: Partial<Record<PathologyName, boolean>>,
  to: Partial<Record<PathologyName, boolean>>,
): Promise<void> {
  const changes = pathologyNames.filter((name) => to[name] !== undefined && from[name] !== to[name]);
  const on = changes.filter((name) => to[name] === true);
  const off = changes.filter((name) => to[name] === false);
  if (off.length > 0) await switchScenarios(urls, token, off, false);
  if (on.length > 0) await switchScenarios(urls, token, on, true);
}

function targetSwitches(hidden: readonly PathologyName[]): Record<PathologyName, boolean> {
  return Object.fromEntries(pathologyNames.map((name) => [name, hidden.includes(name)])) as Record<PathologyName, boolean>;
}

export async function startExercise(context: LabContext, options: StartOptions): Promise<ExerciseState> {
  const running = readState(context.stateFile);
  if (running) throw new CliError(`an exercise is running since ${running.startedAt} (level ${running.level}); pnpm lab reveal ends it`);
  const urls = serviceUrls(context.config);
  const hidden = chooseHidden(options.level, options.seed ?? randomSeed());
  const before = await currentSwitches(urls, context.config.SCENARIO_TOKEN);
  const state: ExerciseState = {
    version: 1,
    level: hidden.level,
    seed: hidden.seed,
    startedAt: new Date().toISOString(),
    pathologies: hidden.pathologies,
    decoys: hidden.decoys,
    token: randomBytes(24).toString('base64url'),
    before,
    hintsGiven: 0,
    load: null,
    answers: [],
  };
  // Saved before anything changes, so that a failure half-way can still be revealed.
  writeState(context.stateFile, state);
  try {
    await applySwitches(urls, context.config.SCENARIO_TOKEN, before, targetSwitches(hidden.pathologies));
    await startExerciseMode(urls, context.config.SCENARIO_TOKEN, state.token, hidden.decoys);
    state.load = startBackgroundLoad(options.rate, Math.round(options.minutes * 60), `${context.stateFile}.load.log`);
    writeState(context.stateFile, state);
  } catch (error) {
    await revealExercise(context).catch(() => undefined);
    throw error;
  }
  const problems = hidden.pathologies.length === 1 ? 'One problem is' : `${hidden.pathologies.length} problems are`;
  context.print(
    [
      `Exercise started: level ${hidden.level}, seed ${hidden.seed}. ${problems} switched on somewhere in the checkout${hidden.decoys.length > 0 ? ', and one slow span is a decoy' : ''}.`,
      `Background load: ${options.rate} checkouts/s plus ${rushText(exerciseRush)}, for up to ${options.minutes} min (pid ${state.load.pid}, log ${state.load.log}).`,
      '',
      'Where to look first:',
      `  1. Open Jaeger's UI (${context.config.JAEGER_UI_URL}), service order-service, operation POST /checkout, and find the slow traces.`,
      '  2. In a slow trace, follow the critical path: what is POST /checkout waiting for, span by span? Then ask whether the',
      '     same span is as slow in the other slow traces, and whether shipping (after the answer) is slow too.',
      '  3. The switches and the app.scenario.* span labels are hidden until you reveal.',
      '',
      `pnpm lab hint                 the next hint (service, then span, then what it shows)`,
      `pnpm lab answer <name...>     one of ${pathologyNames.join(', ')}${hidden.pathologies.length > 1 ? ' (name both)' : ''}`,
      'pnpm lab reveal               the answer; stops the load and restores the switches',
      '',
    ].join('\n'),
  );
  return state;
}

export function giveHint(context: LabContext): void {
  const state = requireState(context);
  const hint = nextHint(state, state.hintsGiven);
  if (!hint) {
    context.print(`No more hints (${state.hintsGiven} given). pnpm lab answer <name...>, or pnpm lab reveal.\n`);
    return;
  }
  state.hintsGiven += 1;
  writeState(context.stateFile, state);
  context.print(`Hint ${hint.number} of ${hint.of} (${hint.about}): ${hint.text}\n`);
}

/** The report over the exercise's recent traces: since its start, at most `windowMinutes` back. */
export async function recentEvidence(config: Config, startedAt: string, windowMinutes: number): Promise<Analysis> {
  const until = new Date();
  const since = new Date(Math.max(Date.parse(startedAt), until.getTime() - windowMinutes * 60_000));
  const spans = await fetchCheckoutSpans(config.JAEGER_QUERY_URL, analysisDefaults.root, { since, until }, 500);
  return analyse(spans, { jaeger: config.JAEGER_QUERY_URL, since: since.toISOString(), until: until.toISOString(), limit: 500 });
}

export async function answerExercise(context: LabContext, names: readonly string[], windowMinutes: number): Promise<Verdict> {
  const state = requireState(context);
  let answered;
  try {
    answered = parseAnswer(names);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  const evidence = await recentEvidence(context.config, state.startedAt, windowMinutes);
  const verdict = judgeAnswer(state, answered, evidence);
  state.answers.push({ at: new Date().toISOString(), names: answered, correct: verdict.correct });
  writeState(context.stateFile, state);
  context.print(`${verdict.lines.join('\n')}\n`);
  return verdict;
}

/** Ends the exercise: stops the load, ends the exercise mode, restores the switches, shows the answer. */
export async function revealExercise(context: LabContext): Promise<ExerciseState> {
  const state = requireState(context);
  const urls = serviceUrls(context.config);
  const problems: string[] = [];
  const stopped = state.load ? await stopBackgroundLoad(state.load.pid) : false;
  try {
    // The SCENARIO_TOKEN ends the mode whether or not a failed start got as far as beginning it.
    await endExerciseMode(urls, context.config.SCENARIO_TOKEN);
    await applySwitches(urls, context.config.SCENARIO_TOKEN, await currentSwitches(urls, context.config.SCENARIO_TOKEN), state.before);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    problems.push(error.message);
  }
  const lines = [
    `The answer (level ${state.level}, seed ${state.seed}):`,
    ...state.pathologies.map((name) => `  ${name} (${pathology(name).service}): ${pathology(name).title}. ${pathology(name).inJaeger}`),
    ...state.decoys.map((name) => `  decoy ${name}: ${decoyCatalogue.find((decoy) => decoy.name === name)!.whyHarmless}`),
    `Hints used: ${state.hintsGiven}; answers: ${state.answers.length === 0 ? 'none' : state.answers.map((answer) => `${answer.names.join('+')} (${answer.correct ? 'right' : 'wrong'})`).join(', ')}.`,
    state.load
      ? `Background load ${stopped ? 'stopped' : 'had already ended'} (log ${state.load.log}).`
      : 'No background load was running.',
    problems.length === 0 ? 'Switches restored as they were before the exercise.' : `Could not restore everything:\n${problems.join('\n')}`,
  ];
  if (state.load) {
    const tail = logTail(state.load.log);
    if (tail) lines.push('', "The load's summary:", tail);
  }
  if (problems.length > 0) {
    context.print(`${lines.join('\n')}\n`);
    throw new CliError('the exercise state is kept: fix the stack and run pnpm lab reveal again');
  }
  removeState(context.stateFile);
  context.print(`${lines.join('\n')}\n`);
  return state;
}
