/** The shared option parsers: what each accepts, and the message for what it refuses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { integer, number, percent, positive, positiveInteger } from './cli-options';

const refuses = (parse: (value: string) => number, value: string, message: string) =>
  assert.throws(
    () => parse(value),
    (error: unknown) => error instanceof InvalidArgumentError && error.message === message,
    `${value}: ${message}`,
  );

describe('cli options', () => {
  it('number and integer', () => {
    assert.equal(number('2.5'), 2.5);
    assert.equal(number('-3'), -3);
    refuses(number, '', 'not a number');
    refuses(number, 'x', 'not a number');
    refuses(number, 'Infinity', 'not a number');
    assert.equal(integer('7'), 7);
    refuses(integer, '7.5', 'not an integer');
  });

  it('positive and positive integer refuse zero and negatives', () => {
    assert.equal(positive('0.5'), 0.5);
    refuses(positive, '0', 'not a positive number');
    refuses(positive, '-1', 'not a positive number');
    refuses(positive, 'abc', 'not a number');
    assert.equal(positiveInteger('12'), 12);
    refuses(positiveInteger, '0', 'not a positive integer');
    refuses(positiveInteger, '1.5', 'not an integer');
  });

  it('percent is 0 to 100', () => {
    assert.equal(percent('0'), 0);
    assert.equal(percent('100'), 100);
    refuses(percent, '100.5', 'not a percentage (0-100)');
    refuses(percent, '-1', 'not a percentage (0-100)');
  });
});
