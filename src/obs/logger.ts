/**
 * The daemon's logger: winston with our levels, and every record redacted (redact.ts)
 * before it is formatted. Redaction sits in the logger's own format chain, ahead of the
 * output format, so every transport and every child logger gets redacted records.
 */
import winston from 'winston';
import { GatewayError } from '../errors.js';
import { redaction } from './redact.js';

/** `protocol` sits below debug: PDU traces, formatted only when enabled (STYLE.md §4). */
export const LOG_LEVELS = { error: 0, warn: 1, info: 2, debug: 3, protocol: 4 } as const;

export type LogLevel = keyof typeof LOG_LEVELS;

export type LogFormat = 'json' | 'pretty' | 'auto';

// winston types the npm and syslog methods whatever the levels; ours has none of them.
type ForeignMethods =
  | 'help' | 'data' | 'prompt' | 'http' | 'verbose' | 'input' | 'silly'
  | 'emerg' | 'alert' | 'crit' | 'warning' | 'notice'
  | 'isVerboseEnabled' | 'isSillyEnabled';

export interface Logger extends Omit<winston.Logger, ForeignMethods | 'child' | 'isLevelEnabled'> {
  protocol: winston.LeveledLogMethod;
  child(meta: Record<string, unknown>): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  stream?: NodeJS.WritableStream;
}

const LEVEL_ENV = 'MASKGATE_LOG_LEVEL';
const MESSAGE = Symbol.for('message');

function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(LOG_LEVELS, value);
}

function resolveLevel(fromOptions: LogLevel | undefined): LogLevel {
  const fromEnv = process.env[LEVEL_ENV]?.trim().toLowerCase();
  if (fromEnv === undefined || fromEnv === '') return fromOptions ?? 'info';
  if (!isLogLevel(fromEnv)) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `${LEVEL_ENV}=${JSON.stringify(process.env[LEVEL_ENV])} is not a log level: ` +
        `set it to one of ${Object.keys(LOG_LEVELS).join(', ')}, or unset it`,
    );
  }
  return fromEnv;
}

/** One JSON object per line: level, message, time, then the fields. */
const jsonLine = winston.format((info) => {
  const { level, message, ...fields } = info;
  const time = new Date().toISOString();
  const record: Record<string, unknown> = { level, message, time, ...fields };
  // a caller's `time` field must not pass for the record's timestamp
  record.time = time;
  info[MESSAGE] = JSON.stringify(record);
  return info;
});

const COLOURS: Record<string, string> = { error: '31', warn: '33', info: '32', debug: '34', protocol: '35' };

function prettyValue(value: unknown): string {
  return typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/** `time LEVEL message key=value …` on one line, for a human at a terminal. */
const prettyLine = winston.format((info, opts) => {
  const { level, message, ...fields } = info;
  const colour = (opts as { colour: boolean }).colour ? COLOURS[level] : undefined;
  const label = level.toUpperCase().padEnd(8);
  const pairs = Object.entries(fields).map(([key, value]) => `${key}=${prettyValue(value)}`);
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  info[MESSAGE] = [
    new Date().toISOString(),
    colour === undefined ? label : `\x1b[${colour}m${label}\x1b[0m`,
    text,
    ...pairs,
  ].join(' ');
  return info;
});

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/**
 * Builds a logger. The level comes from `opts.level` unless MASKGATE_LOG_LEVEL is set,
 * which wins so that an operator can turn on traces without editing the configuration.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? process.stdout;
  const tty = isTty(stream);
  const pretty = opts.format === 'pretty' || (opts.format === 'auto' && tty);
  const output = pretty ? prettyLine({ colour: tty }) : jsonLine();
  const logger = winston.createLogger({
    levels: LOG_LEVELS,
    level: resolveLevel(opts.level),
    format: winston.format.combine(redaction(), output),
    transports: [new winston.transports.Stream({ stream, eol: '\n' })],
  });
  return logger as unknown as Logger;
}
