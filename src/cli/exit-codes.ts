import type { ErrorCode } from '../errors.js';

/** CLI exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error. */
export const EXIT = { OK: 0, RUNTIME: 1, USAGE: 2 } as const;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFIG_INVALID',
  'CONFIG_UNREADABLE',
  'SECRET_MISSING',
  'USAGE',
]);

export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? EXIT.USAGE : EXIT.RUNTIME;
}
