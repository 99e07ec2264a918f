import test from 'ava';
import { InvalidArgumentError } from 'commander';
import { durationOption, parseDurationMs } from '../../src/cli/duration.js';

test('durations read as an operator writes them', (t) => {
  t.is(parseDurationMs('45s'), 45_000);
  t.is(parseDurationMs('30m'), 1_800_000);
  t.is(parseDurationMs('2h'), 7_200_000);
  t.is(parseDurationMs('7d'), 604_800_000);
  t.is(parseDurationMs('250ms'), 250);
  t.is(parseDurationMs('1h30m'), 5_400_000);
  t.is(parseDurationMs('1D'), 86_400_000, 'units in any case');
  t.is(parseDurationMs('90000'), 90_000, 'plain digits are milliseconds');
});

test('anything else is not a duration, and the option says what to write', (t) => {
  for (const bad of ['', 'm', '5x', '1.5h', '-5m', '5 m', '1h-30m', 'h1', '99999999999999999d']) t.is(parseDurationMs(bad), null, JSON.stringify(bad));
  const err = t.throws(() => durationOption('--ttl')('soon'), { instanceOf: InvalidArgumentError });
  t.is(err!.message, '--ttl takes a duration such as 45s, 30m, 2h, 7d or 1h30m, or plain milliseconds; got "soon"');
});
