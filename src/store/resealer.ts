/**
 * Re-sealing one store's records under one master key version, online, for `keys rotate`
 * (store/key-rotation.ts), over the columns of store/sealed-columns.ts.
 *
 * - `guardKeyFloor` first installs triggers that make every sealed column refuse, from then
 *   on, a value sealed under a version below the new one, whoever writes it: the daemon's
 *   announcement (sealing-handshake.ts) says it seals under the new version, and the guard
 *   makes sure a process that does not (a CLI command started before the new key existed, a
 *   daemon stalled past its heartbeat) fails its write instead of leaving a record that
 *   becomes unreadable when the old key is retired. A failed write is one nobody was told
 *   succeeded. The triggers stay: the floor is a fact of the store from then on, and the
 *   next rotation raises it. They compare the envelope's version bytes, so they cost a byte
 *   comparison per write.
 * - `resealBelow` then walks each table in rowid order, in short IMMEDIATE transactions of
 *   `batch` rows, so the daemon's group commits interleave with it (its writes wait at most
 *   one batch). Each row is opened under its old version and sealed anew under the target,
 *   with the same associated data, inside the transaction that rewrites it, so a row the
 *   daemon changed meanwhile is read as changed. Interrupted, it is simply run again: the
 *   rows already done are under the target and no longer match.
 * - `countBelow` is the check before any key is retired: with the guard in place, zero stays
 *   zero. `unlistedSealed` is the check that the list is complete: a BLOB column missing from
 *   it that holds old envelopes would lose them with the old key.
 */
import { GatewayError } from '../errors.js';
import { open, seal } from '../keys/envelope.js';
import type { PurposeKeys } from '../keys/key-ring.js';
import type { Database } from './database.js';
import type { SealedColumn } from './sealed-columns.js';

/** The envelope's 4 version bytes, big-endian (keys/envelope.ts): blob order is version order. */
function versionBytes(version: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(version);
  return bytes;
}

/** The SQL condition "this row's value is sealed under a version below the floor" (the floor is `?` or a literal). */
function below(c: SealedColumn, alias: string, floor: string): string {
  const rows = c.rows ? `${c.rows(alias)} AND ` : '';
  return `${rows}substr(${alias}.${c.column}, 2, 4) < ${floor}`;
}

const triggerName = (c: SealedColumn, op: 'insert' | 'update') => `maskgate_key_floor_${c.table}_${c.column}_${op}`;

/** Makes every column refuse values sealed under a version below `floor`, from this commit on. */
export function guardKeyFloor(db: Database, columns: readonly SealedColumn[], floor: number): void {
  const literal = `X'${versionBytes(floor).toString('hex')}'`;
  db.transaction(() => {
    for (const c of columns) {
      const refuse = `SELECT RAISE(ABORT, 'maskgate: a value of ${c.table}.${c.column} sealed under a master key version below ${floor}, which keys rotate retires; reload the key file (restart this process)')`;
      db.exec(`DROP TRIGGER IF EXISTS ${triggerName(c, 'insert')}`);
      db.exec(`DROP TRIGGER IF EXISTS ${triggerName(c, 'update')}`);
      db.exec(`CREATE TRIGGER ${triggerName(c, 'insert')} BEFORE INSERT ON ${c.table} WHEN ${below(c, 'NEW', literal)} BEGIN ${refuse}; END`);
      db.exec(`CREATE TRIGGER ${triggerName(c, 'update')} BEFORE UPDATE OF ${c.column} ON ${c.table} WHEN ${below(c, 'NEW', literal)} BEGIN ${refuse}; END`);
    }
  }).immediate();
}

/** Re-seals every value of the column under a version below `target`; returns how many. */
export function resealBelow(db: Database, c: SealedColumn, keys: PurposeKeys, target: number, batch: number): number {
  const key = keys.keyFor(target);
  if (key === undefined) throw new GatewayError('INTERNAL', `re-sealing ${c.table}.${c.column}: no key of version ${target} is loaded`);
  const columns = ['rowid AS rid', ...c.aadColumns, c.column].join(', ');
  const next = db.prepare(`SELECT ${columns} FROM ${c.table} AS t WHERE t.rowid > ? AND ${below(c, 't', '?')} ORDER BY t.rowid LIMIT ?`);
  const sets = c.versionColumn ? `${c.column} = ?, ${c.versionColumn} = ?` : `${c.column} = ?`;
  const update = db.prepare(`UPDATE ${c.table} SET ${sets} WHERE rowid = ?`);
  const floor = versionBytes(target);
  let after = 0;
  let done = 0;
  const step = db.transaction(() => {
    const rows = next.all(after, floor, batch) as Record<string, unknown>[];
    for (const row of rows) {
      const aad = c.aad(row);
      let plain: Buffer;
      try {
        plain = open(keys.keyFor, row[c.column] as Buffer, aad);
      } catch (err) {
        throw new GatewayError(
          'STORE_FAILED',
          `${db.name}: ${c.table} row ${String(row.rid)} cannot be opened with the keys loaded (${err instanceof Error ? err.message : String(err)}); nothing was retired. Restore the row from a backup or remove it, then run keys rotate again`,
          { cause: err },
        );
      }
      const sealed = seal(key, target, plain, aad);
      if (c.versionColumn) update.run(sealed, target, row.rid);
      else update.run(sealed, row.rid);
      after = row.rid as number;
    }
    return rows.length;
  });
  for (;;) {
    const n = step.immediate();
    done += n;
    if (n < batch) return done;
  }
}

/** How many values of the column are still sealed under a version below `target`. */
export function countBelow(db: Database, c: SealedColumn, target: number): number {
  return db.prepare(`SELECT count(*) FROM ${c.table} AS t WHERE ${below(c, 't', '?')}`).pluck().get(versionBytes(target)) as number;
}

/** An envelope (keys/envelope.ts): format byte 1, then the version, IV and tag: at least 33 bytes. */
const LOOKS_SEALED = (column: string) => `(typeof(${column}) = 'blob' AND length(${column}) >= 33 AND substr(${column}, 1, 1) = X'01' AND substr(${column}, 2, 4) < ?)`;

/**
 * Columns not in the list that hold values looking like envelopes under a version below
 * `target` ("table.column"): what a sealed column forgotten in store/sealed-columns.ts would
 * show. Columns that can hold a BLOB (declared BLOB, ANY or untyped) are read, one scan per table.
 */
export function unlistedSealed(db: Database, listed: readonly SealedColumn[], target: number): string[] {
  const known = new Set(listed.map((c) => `${c.table}.${c.column}`));
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const found: string[] = [];
  for (const table of tables) {
    const columns = (db.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(table) as { name: string; type: string }[])
      .filter((c) => ['BLOB', 'ANY', ''].includes(c.type.toUpperCase()) && !known.has(`${table}.${c.name}`))
      .map((c) => c.name);
    for (const column of columns) {
      const n = db.prepare(`SELECT count(*) FROM "${table}" WHERE ${LOOKS_SEALED(`"${column}"`)}`).pluck().get(versionBytes(target)) as number;
      if (n > 0) found.push(`${table}.${column}`);
    }
  }
  return found;
}
