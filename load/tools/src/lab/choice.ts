/**
 * What a hunt exercise hides, chosen from its seed: a plain function, so a seed always gives the same
 * exercise (workshops hand out seeds; tests use fixed ones).
 *   level 1: one pathology; level 2: two at once; level 3: one pathology plus the decoy (a slow span off
 *   the critical path).
 */
import { decoys, pathologyNames, type DecoyName, type PathologyName } from '@tracecart/lab-catalogue';
import { seededRandom } from '../load/cart';

export type Level = 1 | 2 | 3;
export const levels: readonly Level[] = [1, 2, 3];

export interface HiddenChoice {
  level: Level;
  seed: number;
  pathologies: PathologyName[];
  decoys: DecoyName[];
}

/** The load generator's seeded generator (mulberry32): enough to pick among five. */
export { seededRandom };

export function isLevel(value: number): value is Level {
  return (levels as readonly number[]).includes(value);
}

/** Seeds are integers from 0 to 2^32 - 1. */
export function isSeed(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

export function chooseHidden(level: Level, seed: number): HiddenChoice {
  if (!isSeed(seed)) throw new RangeError(`seed must be an integer from 0 to 4294967295 (got ${seed})`);
  const random = seededRandom(seed);
  const pool = [...pathologyNames];
  const take = (): PathologyName => pool.splice(Math.floor(random() * pool.length), 1)[0]!;
  const chosen = level === 2 ? [take(), take()] : [take()];
  return { level, seed, pathologies: chosen, decoys: level === 3 ? decoys.map((decoy) => decoy.name) : [] };
}

/** A fresh seed for `start` without `--seed`. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000);
}
