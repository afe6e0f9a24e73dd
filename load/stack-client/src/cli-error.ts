/**
 * A failure a lab CLI (scenario, lab, dlq) or the lab console reports in one line, with the exit code the
 * command ends with (2: usage, 1: everything else). One class for every lab command, so each catches and
 * prints the same way.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
