/** `pnpm lab start | hint | answer | reveal | measure`. See lab/cli.ts. */
import { runLabCli } from './lab/cli';

void runLabCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
