/**
 * The hints of an exercise, in the order `pnpm lab hint` gives them: each hidden pathology's catalogue
 * hints, step by step (the service of every problem first, then the spans, then what they show), and
 * at level 3 a last one about the decoy.
 */
import { decoys, pathology } from '@tracecart/lab-catalogue';
import type { HiddenChoice } from './choice';

const steps = ['where', 'which span', 'what it shows'] as const;

export interface Hint {
  /** 1-based position in the sequence. */
  number: number;
  of: number;
  /** e.g. "problem 2 of 2, which span", or "the decoy". */
  about: string;
  text: string;
}

export function hintSequence(choice: Pick<HiddenChoice, 'pathologies' | 'decoys'>): Hint[] {
  const texts: Array<{ about: string; text: string }> = [];
  const many = choice.pathologies.length > 1;
  steps.forEach((step, index) => {
    choice.pathologies.forEach((name, problem) => {
      texts.push({
        about: many ? `problem ${problem + 1} of ${choice.pathologies.length}, ${step}` : step,
        text: pathology(name).hints[index]!,
      });
    });
  });
  for (const name of choice.decoys) {
    const decoy = decoys.find((candidate) => candidate.name === name)!;
    texts.push({
      about: 'the decoy',
      text: `Not every slow span makes the checkout slow: compare where a long span sits with where POST /checkout ends. ${decoy.whyHarmless}`,
    });
  }
  return texts.map((entry, index) => ({ number: index + 1, of: texts.length, ...entry }));
}

/** The next hint after `given` hints, or null when all have been given. */
export function nextHint(choice: Pick<HiddenChoice, 'pathologies' | 'decoys'>, given: number): Hint | null {
  return hintSequence(choice)[given] ?? null;
}
