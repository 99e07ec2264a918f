/**
 * Durations as an operator types them (`45s`, `30m`, `2h`, `7d`, `1h30m`, or plain
 * milliseconds), for options such as `--ttl`. The stores and the configuration keep plain
 * milliseconds; only the CLI reads the short forms, so this lives here.
 */
import { InvalidArgumentError } from 'commander';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PIECE = /(\d+)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;

export const DURATION_HELP = 'a duration such as 45s, 30m, 2h, 7d or 1h30m, or plain milliseconds';

/** Milliseconds of a duration, or null when the text is not one. */
export function parseDurationMs(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!WHOLE.test(trimmed)) return null;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PIECE)) total += Number(amount) * UNIT_MS[unit!]!;
  return Number.isSafeInteger(total) ? total : null;
}

/** A commander option parser for a duration: a bad value exits 2 saying what to write instead. */
export const durationOption = (flag: string) => (value: string): number => {
  const ms = parseDurationMs(value);
  if (ms === null) throw new InvalidArgumentError(`${flag} takes ${DURATION_HELP}; got ${JSON.stringify(value)}`);
  return ms;
};
