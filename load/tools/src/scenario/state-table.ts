/** The switches as a table: name, service, on/off, title, and the command that applies the fix. */
import type { ScenarioState } from '@tracecart/stack-client';

export function renderStates(states: readonly ScenarioState[]): string {
  const rows = [['scenario', 'service', 'state', 'what', 'fix command']];
  for (const state of states) {
    const switched = state.enabled === null ? 'unknown' : state.enabled ? 'ON' : 'off';
    rows.push([state.name, state.service, switched, state.title, state.fixCommand]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  const problems = [...new Set(states.flatMap((state) => (state.problem ? [state.problem] : [])))];
  return `${[...lines, ...problems.map((problem) => `! ${problem}`)].join('\n')}\n`;
}
