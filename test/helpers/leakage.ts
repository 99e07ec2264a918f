/**
 * The leakage scanner (issue 7's scan, shared by the leakage and forget tests): finds a real
 * number in any spelling (+E.164, E.164 digits, the national part) and encoding (Latin-1,
 * UTF-16 both ways, hex and base64 runs, digit separators dropped) in files, logs, PDUs and
 * every value of every row of a SQLite store. `findTexts` looks for exact strings the same
 * way (a blind index, say).
 */
import SQLite from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Numbers to look for, by a label that failure messages print instead of the number. */
export type Wanted = Map<string, string>;

/** The spellings of a number (E.164 digits): with '+', without, and its national part. */
function spellings(e164Digits: string): { form: string; text: string }[] {
  return [
    { form: '+E.164', text: `+${e164Digits}` },
    { form: 'E.164 digits', text: e164Digits },
    { form: 'national (last 9 digits)', text: e164Digits.slice(-9) },
  ];
}

const HEX_RUN = /(?:[0-9a-fA-F]{2}){9,}/g;
const BASE64_RUN = /[A-Za-z0-9+/]{12,}={0,2}/g;
// What a human puts between digit groups (+998 90 123-45-67, (90) 123 4567).
const DIGIT_SEPARATOR = /(?<=\d)[ ()-]{1,2}(?=\d)/g;

/** Every text a string may hide a number in: itself, without digit separators, decoded runs. */
function stringReadings(text: string): string[] {
  const out = [text, text.replace(DIGIT_SEPARATOR, '')];
  for (const run of text.match(HEX_RUN) ?? []) out.push(Buffer.from(run.length % 2 === 0 ? run : run.slice(0, -1), 'hex').toString('latin1'));
  for (const run of text.match(BASE64_RUN) ?? []) out.push(Buffer.from(run, 'base64').toString('latin1'));
  return out;
}

/** Every text a value can be read as: bytes as Latin-1 (UTF-8 digits too) and UTF-16 both ways. */
export function readings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return stringReadings(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return [String(value)];
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const bytes = Buffer.from(value);
    const even = bytes.subarray(0, bytes.length - (bytes.length % 2));
    return [...stringReadings(bytes.toString('latin1')), even.toString('utf16le'), Buffer.from(even).swap16().toString('utf16le')];
  }
  if (Array.isArray(value)) return value.flatMap(readings);
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...readings(v)]);
  return [String(value)];
}

/** Where each wanted number appears in `value`: "<where>: R3 as national in …context…". */
export function findNumbers(where: string, value: unknown, wanted: Wanted): string[] {
  const found: string[] = [];
  const texts = readings(value);
  for (const [label, number] of wanted) {
    for (const { form, text } of spellings(number)) {
      const hit = texts.find((t) => t.includes(text));
      if (hit === undefined) continue;
      const at = hit.indexOf(text);
      const context = hit.slice(Math.max(0, at - 40), at + text.length + 40).replaceAll(text, `<${label}>`);
      found.push(`${where}: ${label} as ${form} in ${JSON.stringify(context)}`);
      break; // one report per number and place: the longest spelling found
    }
  }
  return found;
}

/** Every file under `dir`, with its path relative to it. */
export function filesUnder(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return { name: path.relative(dir, full), bytes: readFileSync(full) };
    });
}

/** Every value of every row of every table (and the schema), as SQLite holds it. */
export function rowsOf(file: string): { where: string; value: unknown }[] {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const out: { where: string; value: unknown }[] = [];
    const tables = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    out.push({ where: `${path.basename(file)} sqlite_schema`, value: db.prepare('SELECT * FROM sqlite_schema').raw().all() });
    for (const table of tables) {
      const select = db.prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`).raw().safeIntegers();
      const columns = select.columns().map((c) => c.name);
      let n = 0;
      for (const row of select.iterate() as Iterable<unknown[]>) {
        row.forEach((value, i) => out.push({ where: `${path.basename(file)} ${table} row ${n} ${columns[i]}`, value }));
        n++;
      }
    }
    return out;
  } finally {
    db.close();
  }
}


/** Where each wanted text (exactly as given, e.g. a hex blind index) appears in `value`. */
export function findTexts(where: string, value: unknown, wanted: ReadonlyMap<string, string>): string[] {
  const texts = readings(value);
  return [...wanted].filter(([, text]) => texts.some((t) => t.includes(text))).map(([label]) => `${where}: ${label}`);
}
