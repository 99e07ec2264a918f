/**
 * The one error registry (STYLE.md §3). Everything maskgate throws on purpose is a
 * GatewayError with a stable `code`; its message names what is wrong and how to fix it.
 * `smpp/status.ts` maps codes to wire statuses, `cli/exit-codes.ts` to exit codes.
 * Adding a code here without a wire row fails to compile there.
 */
export const ERROR_CODES = [
  // configuration and start-up
  'CONFIG_INVALID',
  'CONFIG_UNREADABLE',
  'SECRET_MISSING',
  // keys and stores
  'KEY_MISSING',
  'KEY_INVALID',
  'KEY_MISMATCH',
  'STORE_TOO_NEW',
  'STORE_FAILED',
  // usage of the CLI or an API
  'USAGE',
  // routing
  'NO_ROUTE',
  // virtual numbers: a lease or mask request the pool cannot serve now
  'NO_NUMBER_AVAILABLE',
  // SMPP protocol, as seen on a session
  'BAD_LENGTH',
  'UNKNOWN_COMMAND',
  'INVALID_BIND_STATE',
  'ALREADY_BOUND',
  'BAD_PASSWORD',
  'BAD_SYSTEM_ID',
  'BIND_NOT_ALLOWED',
  'BAD_SOURCE',
  'BAD_DESTINATION',
  'MESSAGE_TOO_LONG',
  'BAD_MESSAGE_LENGTH',
  'BAD_UDH',
  'BAD_SAR',
  'THROTTLED',
  'QUEUE_FULL',
  'MALFORMED_PDU',
  // content rules: a submit refused for what it says
  'CONTENT_BLOCKED',
  // transport
  'CONNECT_TIMEOUT',
  'BIND_TIMEOUT',
  'RESPONSE_TIMEOUT',
  'SESSION_CLOSED',
  'WINDOW_FULL',
  // anything we did not foresee
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class GatewayError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}

/** One problem found in a configuration file, with the path of the field and how to fix it. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends GatewayError {
  readonly issues: readonly ConfigIssue[];

  constructor(source: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`);
    super('CONFIG_INVALID', `${source} is not a valid maskgate configuration:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Wraps anything thrown into a GatewayError, so callers handle one type. */
export function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError('INTERNAL', message, { cause: err });
}
