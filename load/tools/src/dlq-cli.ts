/** `pnpm dlq list | show <id> | replay <id> | drop <id>`. See dlq/cli.ts. */
import { runDlqCli } from './dlq/cli';

void runDlqCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
