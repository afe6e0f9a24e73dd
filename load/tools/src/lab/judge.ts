/**
 * Judging `pnpm lab answer <name...>`: right when the names are exactly the hidden pathologies (and not
 * the decoy). Each named one is explained with what the report found over the exercise's recent traces;
 * a wrong answer is explained without giving the hidden one away.
 */
import {
  decoys,
  isDecoyName,
  isPathologyName,
  pathology,
  pathologyNames,
  type DecoyName,
  type PathologyName,
} from '@tracecart/lab-catalogue';
import type { Analysis, Finding } from '@tracecart/report';
import type { HiddenChoice } from './choice';

export type AnsweredName = PathologyName | DecoyName;

/** The report's view of the recent window, as much of it as judging needs. */
export type ReportEvidence = Pick<Analysis, 'traces' | 'findings' | 'pathologies' | 'source'>;

export interface Verdict {
  correct: boolean;
  lines: string[];
}

export class AnswerError extends Error {}

/** Validates the names given; unknown ones are a usage error naming the possible answers. */
export function parseAnswer(names: readonly string[]): AnsweredName[] {
  const cleaned = [...new Set(names.map((name) => name.trim().toLowerCase()).filter((name) => name !== ''))];
  if (cleaned.length === 0) throw new AnswerError(`name at least one pathology: ${pathologyNames.join(', ')}`);
  const unknown = cleaned.filter((name) => !isPathologyName(name) && !isDecoyName(name));
  if (unknown.length > 0)
    throw new AnswerError(
      `unknown name${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the pathologies are: ${pathologyNames.join(', ')}`,
    );
  return cleaned as AnsweredName[];
}

function windowText(evidence: ReportEvidence): string {
  const { since, until } = evidence.source;
  const span = since && until ? ` between ${since.slice(11, 19)} and ${until.slice(11, 19)} UTC` : '';
  return `the report over ${evidence.traces.analysed} checkout trace${evidence.traces.analysed === 1 ? '' : 's'}${span}`;
}

function findingsFor(evidence: ReportEvidence, name: PathologyName): Finding[] {
  return evidence.findings.filter((finding) => finding.pathology === name);
}

function cite(finding: Finding): string {
  const path = finding.path === 'http' ? 'the checkout answer' : 'checkout-to-shipped';
  const example = finding.exampleTraceIds[0] ? `; e.g. trace ${finding.exampleTraceIds[0]}` : '';
  return `${finding.signature} on ${finding.service} (${finding.label}) in ${finding.tracesAffected} of ${finding.tracesOnPath} traces, ${finding.meanSharePct} % of ${path} on average; evidence: ${finding.evidence}${example}`;
}

function explainRight(name: PathologyName, evidence: ReportEvidence): string {
  const found = findingsFor(evidence, name).filter((finding) => finding.significant);
  if (found[0]) return `RIGHT  ${name}: it is switched on. ${capitalise(windowText(evidence))} names it: ${cite(found[0])}.`;
  return `RIGHT  ${name}: it is switched on, though ${windowText(evidence)} does not single it out yet (let the load run longer). What it looks like: ${pathology(name).inJaeger}`;
}

function explainWrong(name: PathologyName, evidence: ReportEvidence): string {
  const { signature, foundOn } = pathology(name);
  const flagged = findingsFor(evidence, name).filter((finding) => finding.significant)[0];
  if (flagged) {
    return `WRONG  ${name}: it is switched off. ${capitalise(windowText(evidence))} flags a ${signature} pattern there (${cite(flagged)}), but it is not one of the hidden problems: look at what lengthens the critical path most.`;
  }
  const seen = findingsFor(evidence, name)[0];
  const weak = seen
    ? ` (only a trace of it: ${seen.tracesAffected} of ${seen.tracesOnPath} traces, ${seen.meanSharePct} % of the path)`
    : '';
  return `WRONG  ${name}: it is switched off. ${capitalise(windowText(evidence))} finds no significant ${signature} pattern on ${foundOn.service} (${foundOn.span})${weak}.`;
}

function explainDecoy(name: DecoyName): string {
  const decoy = decoys.find((candidate) => candidate.name === name)!;
  return `WRONG  ${name}: that is the decoy, not a pathology. ${decoy.whyHarmless}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function judgeAnswer(
  hidden: Pick<HiddenChoice, 'pathologies' | 'decoys'>,
  answered: readonly AnsweredName[],
  evidence: ReportEvidence,
): Verdict {
  const lines: string[] = [];
  for (const name of answered) {
    if (isDecoyName(name)) lines.push(explainDecoy(name));
    else if (hidden.pathologies.includes(name)) lines.push(explainRight(name, evidence));
    else lines.push(explainWrong(name, evidence));
  }
  const rightOnes = answered.filter((name) => isPathologyName(name) && hidden.pathologies.includes(name));
  const missing = hidden.pathologies.length - rightOnes.length;
  const correct = missing === 0 && rightOnes.length === answered.length;
  if (missing > 0) {
    lines.push(
      `${missing === hidden.pathologies.length ? 'None of the hidden problems named' : `${missing} more problem${missing > 1 ? 's are' : ' is'} hidden`}: ${hidden.pathologies.length} in all.`,
    );
  }
  lines.unshift(correct ? `Right: ${answered.join(' and ')}.` : 'Not quite.');
  if (correct)
    lines.push(
      '`pnpm lab reveal` ends the exercise and restores the switches; then apply the fix and compare (`pnpm scenario off <name>`).',
    );
  return { correct, lines };
}
