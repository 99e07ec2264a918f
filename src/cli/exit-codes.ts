import type { ErrorCode } from '../errors.js';

/** CLI exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error. */
export const EXIT = { OK: 0, RUNTIME: 1, USAGE: 2 } as const;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFIG_INVALID',
  'CONFIG_UNREADABLE',
  'SECRET_MISSING',
  // A missing, malformed or wrong master key, or a store from a newer maskgate, is fixed by
  // the operator (the key file, the version), not by retrying.
  'KEY_MISSING',
  'KEY_INVALID',
  'KEY_MISMATCH',
  'STORE_TOO_NEW',
  'USAGE',
]);

export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? EXIT.USAGE : EXIT.RUNTIME;
}
