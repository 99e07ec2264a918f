/**
 * Reads a pool import file: CSV text → checked rows, or every problem found, each with its
 * line number, what is wrong and how to fix it. Nothing here touches the store: the pool
 * (number-pool.ts) adds the checks that need it (already in the pool, configured carriers)
 * and writes all rows or none.
 *
 * Columns (a header row naming them is required, in any order, case-insensitive):
 *   e164          the number, '+' and digits (spaces, dashes, dots and brackets are dropped;
 *                 a spreadsheet that lost the '+' is forgiven: the digits are read as E.164)
 *   country       ISO 3166-1 alpha-2; must be the country the number's prefix belongs to
 *   region        free text, optional
 *   carrier       the carrier hosting the number (MO arrive from it, MT from it leave by it)
 *   capabilities  optional, sms-mt and/or sms-mo separated by ';' or spaces; empty: both
 *   reserved      optional, yes/no, true/false or 1/0; empty: no. Reserved numbers are never
 *                 handed out automatically.
 *
 * The country check uses libphonenumber-js metadata, as routing/destination.ts does: calling
 * codes shared by several countries (+7 RU/KZ, +1 NANP) are told apart by leading digits.
 */
import { parse } from 'csv-parse/sync';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { e164From } from './e164.js';

export const CAPABILITIES = ['sms-mt', 'sms-mo'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const CSV_COLUMNS = ['e164', 'country', 'region', 'carrier', 'capabilities', 'reserved'] as const;
const REQUIRED_COLUMNS = ['e164', 'country', 'carrier'] as const;
type Column = (typeof CSV_COLUMNS)[number];

// Carrier names follow the configuration's rule (config/schema.ts), so a row can name one.
const CARRIER_NAME = /^[a-z0-9][a-z0-9_-]*$/i;
const MAX_REGION_CHARS = 100;

/** What the operator says of a pool number: the columns of an import, the pool's own fields. */
export interface NumberFacts {
  e164: string;
  country: string;
  region: string | null;
  carrier: string;
  capabilities: Capability[];
  reserved: boolean;
}

/** A row that passed every check that needs no store. */
export interface NumberRow extends NumberFacts {
  /** The line of the file the row ends on (a quoted value may span lines), 1-based, counting the header. */
  line: number;
}

export interface RowProblem {
  /** 1-based line of the file; the header is line 1. */
  line: number;
  column?: Column;
  message: string;
}

const TRUE_WORDS = new Set(['yes', 'true', '1', 'y']);
const FALSE_WORDS = new Set(['no', 'false', '0', 'n', '']);

/**
 * The E.164 form of an operator-given number, or null when it is not one. Used for the CLI's
 * arguments too, so `numbers show 998712001234` finds '+998712001234'.
 */
export function normaliseE164(text: string): string | null {
  return e164From(text.trim().replace(/^\+/, '').replace(/[\s\-.()]/g, ''));
}

/** Checks one record (column → raw text) and returns the row or the problems found in it. */
function checkRecord(line: number, field: (c: Column) => string): NumberRow | RowProblem[] {
  const problems: RowProblem[] = [];
  const problem = (column: Column, message: string) => problems.push({ line, column, message });

  const rawNumber = field('e164');
  const e164 = normaliseE164(rawNumber);
  if (rawNumber === '') problem('e164', 'is empty; give the number in E.164 form, e.g. +998712001234');
  else if (e164 === null) {
    problem('e164', `${JSON.stringify(rawNumber)} is not a valid E.164 number; give '+', the country code and the national number (at most 15 digits), e.g. +998712001234`);
  }

  const country = field('country').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country) || !isSupportedCountry(country as CountryCode)) {
    problem('country', `${JSON.stringify(field('country'))} is not an ISO 3166-1 alpha-2 country code; give two letters such as UZ, KZ or DE`);
  } else if (e164 !== null) {
    const numberCountry = parsePhoneNumberFromString(e164)?.country;
    if (numberCountry !== country) {
      const belongs = numberCountry === undefined ? 'belongs to no single country' : `belongs to ${numberCountry}`;
      problem('country', `is ${country}, but ${e164} ${belongs} by its prefix; correct the country or the number`);
    }
  }

  const region = field('region');
  if (region.length > MAX_REGION_CHARS) problem('region', `is ${region.length} characters long; keep it to ${MAX_REGION_CHARS}`);
  // A line break or control character would break every listing.
  else if (/[\u0000-\u001f\u007f]/.test(region)) problem('region', 'contains a line break or control character; keep the region on one line');

  const carrier = field('carrier');
  if (!CARRIER_NAME.test(carrier)) {
    problem('carrier', `${JSON.stringify(carrier)} is not a carrier name; give the name of a carrier of the configuration (letters, digits, - or _)`);
  }

  const capabilityWords = field('capabilities').toLowerCase().split(/[;|,\s]+/).filter((w) => w !== '');
  const unknown = capabilityWords.filter((w) => !(CAPABILITIES as readonly string[]).includes(w));
  if (unknown.length > 0) {
    problem('capabilities', `${unknown.map((w) => JSON.stringify(w)).join(', ')} unknown; use ${CAPABILITIES.join(' and/or ')}, separated by ';' (empty means both)`);
  }
  const capabilities = capabilityWords.length === 0 ? [...CAPABILITIES] : CAPABILITIES.filter((c) => capabilityWords.includes(c));

  const reservedText = field('reserved').toLowerCase();
  if (!TRUE_WORDS.has(reservedText) && !FALSE_WORDS.has(reservedText)) {
    problem('reserved', `${JSON.stringify(field('reserved'))} is not yes or no; write yes, no, true, false, 1 or 0 (empty means no)`);
  }

  if (problems.length > 0 || e164 === null) return problems;
  return { line, e164, country, region: region === '' ? null : region, carrier, capabilities, reserved: TRUE_WORDS.has(reservedText) };
}

/** The header's column positions, or the problems with it (all reported on line 1). */
function readHeader(header: string[]): Map<Column, number> | RowProblem[] {
  const positions = new Map<Column, number>();
  const problems: RowProblem[] = [];
  header.forEach((name, i) => {
    const column = name.trim().toLowerCase() as Column;
    if (!CSV_COLUMNS.includes(column)) {
      problems.push({ line: 1, message: `unknown column ${JSON.stringify(name)} in the header; the columns are ${CSV_COLUMNS.join(', ')}` });
    } else if (positions.has(column)) {
      problems.push({ line: 1, message: `column ${column} appears twice in the header; keep one` });
    } else positions.set(column, i);
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !positions.has(c));
  if (missing.length > 0) {
    problems.push({ line: 1, message: `the header lacks ${missing.join(', ')}; the first line must name the columns, e.g. ${CSV_COLUMNS.join(',')}` });
  }
  return problems.length > 0 ? problems : positions;
}

/**
 * Parses and checks a whole file. Every record is checked, so one pass reports every bad
 * row; a number given twice is reported on its second line, naming the first.
 */
export function parseNumberCsv(text: string): { rows: NumberRow[]; problems: RowProblem[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes as { record, info }; the typings do not follow the option.
    records = parse(text, { bom: true, info: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (err) {
    // Malformed CSV (an unclosed quote…): csv-parse names the line; nothing can be trusted after it.
    const line = typeof (err as { lines?: unknown }).lines === 'number' ? (err as { lines: number }).lines : 1;
    return { rows: [], problems: [{ line, message: `the file is not valid CSV here (${(err as Error).message}); fix the quoting of this line` }] };
  }
  const [header, ...body] = records;
  if (header === undefined) return { rows: [], problems: [{ line: 1, message: `the file is empty; it needs a header row (${CSV_COLUMNS.join(',')}) and a row per number` }] };
  const positions = readHeader(header.record);
  if (!(positions instanceof Map)) return { rows: [], problems: positions };

  const rows: NumberRow[] = [];
  const problems: RowProblem[] = [];
  const firstLineOf = new Map<string, number>();
  for (const { record, info } of body) {
    const line = info.lines;
    if (record.length > header.record.length) {
      problems.push({ line, message: `has ${record.length} fields but the header has ${header.record.length}; quote a value that contains a comma` });
      continue;
    }
    const checked = checkRecord(line, (c) => {
      const i = positions.get(c);
      return i === undefined ? '' : (record[i] ?? '');
    });
    if (Array.isArray(checked)) {
      problems.push(...checked);
      continue;
    }
    const first = firstLineOf.get(checked.e164);
    if (first !== undefined) {
      problems.push({ line, column: 'e164', message: `${checked.e164} is already on line ${first}; remove one of the two rows` });
      continue;
    }
    firstLineOf.set(checked.e164, line);
    rows.push(checked);
  }
  if (body.length === 0) problems.push({ line: 2, message: 'the file has a header but no numbers; add a row per number' });
  return { rows, problems };
}
