/**
 * Loads the configuration: file → YAML → schema → deep freeze (STYLE.md §8). It fails fast
 * and completely: every problem in the file comes back in one ConfigError, each with the
 * path of the field, what is expected, what was found, and the line, so an operator fixes
 * them all in one go. Nothing here runs at import time; the caller passes the file.
 *
 * The returned object carries `configDir`, the directory of the file: relative paths in
 * the configuration (stores, keys, TLS files, passwordFile) mean "relative to the config
 * file", not to wherever the daemon was started. Resolve them with `resolveConfigPath`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, GatewayError, type ConfigIssue } from '../errors.js';
import { configSchema, type Config } from './schema.js';

/** A loaded configuration: the file after defaults, plus the directory it was read from. */
export type LoadedConfig = Config & { readonly configDir: string };

export function loadConfig(file: string): LoadedConfig {
  const source = path.resolve(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(readConfigFile(source), { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: `line ${line}:${col}`, message: `invalid YAML: ${e.message}` };
      }),
    );
  }
  // A file holding only comments is a valid, all-defaults configuration.
  const raw: unknown = toPlainData(doc, source) ?? {};
  const knownKeys = new Map<string, string[]>();
  const result = configSchema.safeParse(raw, { reportInput: true, error: (issue) => expectation(issue, knownKeys) });
  if (!result.success) {
    // zod finalizes issues lazily, on this first read: that is when the error map runs and
    // fills knownKeys, so read them before formatting.
    const issues = result.error.issues;
    const located = issues.flatMap((issue) => toConfigIssues(issue, knownKeys, (p) => lineAt(doc, lineCounter, p)));
    // In file order (the sort is stable), so the list reads top to bottom like the file being fixed.
    located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new ConfigError(source, located.map(({ path: p, message, line }) => ({ path: p, message: line === undefined ? message : `${message} (line ${line})` })));
  }
  return deepFreeze({ ...result.data, configDir: path.dirname(source) });
}

/** A path from the configuration, made absolute against the configuration file's directory. */
export function resolveConfigPath(config: Pick<LoadedConfig, 'configDir'>, p: string): string {
  return path.resolve(config.configDir, p);
}

function readConfigFile(source: string): string {
  try {
    return readFileSync(source, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new GatewayError(
      'CONFIG_UNREADABLE',
      `cannot read configuration file ${source} (${reason}); pass --config <file> or set MASKGATE_CONFIG to a readable maskgate YAML file`,
      { cause: err },
    );
  }
}

function toPlainData(doc: Document, source: string): unknown {
  try {
    return doc.toJS();
  } catch (err) {
    // yaml refuses alias bombs here (a "billion laughs" file): report it like any issue.
    const message = err instanceof Error ? err.message : String(err);
    throw new ConfigError(source, [{ path: '', message: `invalid YAML: ${message}` }]);
  }
}

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;

const KIND: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/**
 * The error map: what a field expects, for issues whose schema gave no message of its own
 * (schema messages win in zod). The value found is appended later, by toConfigIssues.
 */
function expectation(issue: RawIssue, knownKeys: Map<string, string[]>): string {
  switch (issue.code) {
    case 'invalid_type': {
      const kind = KIND[issue.expected] ?? issue.expected;
      return issue.input === undefined ? `is required: ${kind}` : `must be ${kind}`;
    }
    case 'too_small':
      return bound(issue, issue.minimum, issue.inclusive ? '≥' : '>', 'at least');
    case 'too_big':
      return bound(issue, issue.maximum, issue.inclusive ? '≤' : '<', 'at most');
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `must match ${issue.pattern ?? issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      // The error map is where zod hands over the schema that raised the issue: keep its
      // keys for "did you mean", since the final issue no longer carries the schema.
      knownKeys.set(JSON.stringify(issue.path ?? []), keysOf(issue.schema));
      return 'unknown field';
    default:
      return 'is invalid';
  }
}

function bound(issue: RawIssue & { origin: string }, limit: number | bigint, op: string, words: string): string {
  const format = (issue.schema as { format?: unknown } | undefined)?.format;
  const isInt = issue.origin === 'int' || (typeof format === 'string' && format.includes('int'));
  switch (issue.origin) {
    case 'number':
    case 'int':
      return `must be ${isInt ? 'a whole number' : 'a number'} ${op} ${limit}`;
    case 'string':
      return limit === 1 && words === 'at least' ? 'must not be empty' : `must be ${words} ${limit} characters`;
    case 'array':
      return `must list ${words} ${limit} item${limit === 1 ? '' : 's'}`;
    default:
      return `must be ${op} ${limit}`;
  }
}

function keysOf(schema: z.core.$ZodType | undefined): string[] {
  const def = schema?._zod.def as { shape?: object; keyType?: { _zod: { def: { entries?: object } } } } | undefined;
  return Object.keys(def?.shape ?? def?.keyType?._zod.def.entries ?? {});
}

/** Codes whose message reads better with the value found: `must be ≥ 1, got 0`. */
const SHOWS_INPUT = new Set<Issue['code']>(['invalid_type', 'too_small', 'too_big', 'invalid_value', 'invalid_format', 'not_multiple_of']);

/** Fields whose value may be a secret pasted in the wrong place: never echo it. */
const SECRET_FIELD = /^(password|token|masterKey)/i;

interface LocatedIssue extends ConfigIssue {
  line: number | undefined;
}

function toConfigIssues(issue: Issue, knownKeys: Map<string, string[]>, lineOf: (p: readonly PropertyKey[]) => number | undefined): LocatedIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys.get(JSON.stringify(issue.path)) ?? [];
    return issue.keys.map((key) => {
      const p = [...issue.path, key];
      return { path: formatPath(p), message: unknownField(key, known), line: lineOf(p) };
    });
  }
  let message = issue.message;
  if (SHOWS_INPUT.has(issue.code) && issue.input !== undefined) {
    const field = String(issue.path.at(-1) ?? '');
    message += SECRET_FIELD.test(field) ? ', got something else (not shown, in case it is a secret)' : `, got ${render(issue.input)}`;
  }
  if (issue.code === 'invalid_value' && typeof issue.input === 'string') {
    const suggestion = closest(issue.input, issue.values.map(String));
    if (suggestion !== undefined) message += `; did you mean "${suggestion}"?`;
  }
  return [{ path: formatPath(issue.path), message, line: lineOf(issue.path) }];
}

function unknownField(key: string, known: readonly string[]): string {
  // A secret written inline: point at the two ways the file may name it instead.
  if (known.includes(`${key}Env`) && known.includes(`${key}File`)) {
    return `unknown field "${key}": secrets are never written in the configuration; set ${key}Env (an environment variable name) or ${key}File (a file path) instead`;
  }
  const suggestion = closest(key, known);
  return suggestion === undefined ? `unknown field "${key}"; remove it` : `unknown field "${key}"; did you mean "${suggestion}"?`;
}

/** The known word nearest to a misspelt one, if near enough to be what was meant. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    // A truncated name ("throughput" for "throughputMsgPerSec") counts as close.
    const distance = w.length >= 4 && c.startsWith(w) ? 1 : editDistance(w, c);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, one row at a time: the words are field names, a few dozen letters. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function render(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** `carriers[1].tls.caFile`: the way the fields are written in the documentation. */
function formatPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    const name = String(key);
    if (!/^[A-Za-z_][\w-]*$/.test(name)) return `${out}[${JSON.stringify(name)}]`;
    return out === '' ? name : `${out}.${name}`;
  }, '');
}

/** The line of the field at `p` in the file, or of its nearest parent when it is missing. */
function lineAt(doc: Document, lineCounter: LineCounter, p: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0];
  for (const key of p) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(key));
      if (pair === undefined) break;
      if (isScalar(pair.key)) offset = pair.key.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
      offset = (isMap(node) || isSeq(node) || isScalar(node) ? node.range?.[0] : undefined) ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
