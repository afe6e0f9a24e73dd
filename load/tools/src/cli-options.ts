/**
 * Option parsers of the lab's command lines (commander's third argument). A bad value stops the command
 * with commander's message, e.g. `option '--rate <perSecond>' argument 'x' is invalid. not a number`.
 */
import { InvalidArgumentError } from 'commander';

export function number(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('not a number');
  return parsed;
}

export function integer(value: string): number {
  const parsed = number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('not an integer');
  return parsed;
}

export function positive(value: string): number {
  const parsed = number(value);
  if (parsed <= 0) throw new InvalidArgumentError('not a positive number');
  return parsed;
}

export function positiveInteger(value: string): number {
  const parsed = integer(value);
  if (parsed <= 0) throw new InvalidArgumentError('not a positive integer');
  return parsed;
}

export function percent(value: string): number {
  const parsed = number(value);
  if (parsed < 0 || parsed > 100) throw new InvalidArgumentError('not a percentage (0-100)');
  return parsed;
}
