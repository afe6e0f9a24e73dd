/** `pnpm report`: the bottleneck report. See report/cli.ts for the options. */
import { reportCommand, runReport, type ReportOptions } from './report-command';

// Output piped into a command that stops reading early (| head) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const command = reportCommand();
command.action(async (options: ReportOptions) => {
  process.exitCode = await runReport(options);
});
command.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`report: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
