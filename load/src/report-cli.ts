/** `pnpm report`: the bottleneck report. See report/cli.ts for the options. */
import { reportCommand, runReport, type ReportOptions } from './report/cli';

const command = reportCommand();
command.action(async (options: ReportOptions) => {
  process.exitCode = await runReport(options);
});
command.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`report: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
