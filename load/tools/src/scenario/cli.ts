/** `pnpm scenario list | on <name> | off <name> | all-on | all-off` */
import { Command } from 'commander';
import { loadConfig, type Config } from '@tracecart/config';
import { pathologies, pathologyNames, type PathologyName } from '@tracecart/lab-catalogue';
import { renderStates } from './state-table';
import { CliError, readStates, resolveName, serviceUrls, switchScenarios, type ServiceUrls } from '@tracecart/stack-client';

export interface ScenarioCliIo {
  print(text: string): void;
  config(): Config;
}

const defaultIo: ScenarioCliIo = { print: (text) => process.stdout.write(text), config: () => loadConfig() };

async function showStates(io: ScenarioCliIo, urls: ServiceUrls): Promise<void> {
  const states = await readStates(urls);
  io.print(renderStates(states));
  if (states.some((state) => state.enabled === null)) throw new CliError('some services could not be asked (see above)');
}

async function apply(io: ScenarioCliIo, names: readonly PathologyName[], enabled: boolean): Promise<void> {
  const config = io.config();
  const urls = serviceUrls(config);
  const slow = enabled ? [] : names.filter((name) => name === 'missing-index');
  const note = slow.length > 0 ? ' (missing-index builds its index concurrently: a few seconds)' : '';
  io.print(`Switching ${names.join(', ')} ${enabled ? 'on' : 'off'}${note}…\n`);
  await switchScenarios(urls, config.SCENARIO_TOKEN, names, enabled);
  await showStates(io, urls);
}

export function scenarioCommand(io: ScenarioCliIo = defaultIo): Command {
  const program = new Command('scenario')
    .description(`Shows and switches the pathologies of the running services (${pathologyNames.join(', ')}).`)
    .showHelpAfterError();
  program
    .command('list')
    .description('show every pathology: its service, on/off, what it is, and the fix command')
    .action(async () => showStates(io, serviceUrls(io.config())));
  program
    .command('on <name>')
    .description('switch one pathology on (at once, on its owning service)')
    .action(async (name: string) => apply(io, [resolveName(name)], true));
  program
    .command('off <name>')
    .description('switch one pathology off: applies its fix')
    .action(async (name: string) => apply(io, [resolveName(name)], false));
  program
    .command('all-on')
    .description('switch every one on (the default state of a fresh stack)')
    .action(async () =>
      apply(
        io,
        pathologies.map((entry) => entry.name),
        true,
      ),
    );
  program
    .command('all-off')
    .description('switch every one off: every fix applied')
    .action(async () =>
      apply(
        io,
        pathologies.map((entry) => entry.name),
        false,
      ),
    );
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function runScenarioCli(
  argv: readonly string[],
  io: ScenarioCliIo = defaultIo,
  printError: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const program = scenarioCommand(io).exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      printError(`scenario: ${error.message}\n`);
      return error.exitCode;
    }
    const commanderError = error as { code?: string; exitCode?: number };
    if (typeof commanderError.code === 'string' && commanderError.code.startsWith('commander.')) {
      return commanderError.code === 'commander.helpDisplayed' || commanderError.code === 'commander.version' ? 0 : 2;
    }
    printError(`scenario: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
