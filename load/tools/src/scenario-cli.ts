/** `pnpm scenario list | on <name> | off <name> | all-on | all-off`. See scenario/cli.ts. */
import { runScenarioCli } from './scenario/cli';

void runScenarioCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
