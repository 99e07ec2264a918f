/**
 * Which master keys a store belongs to: a key check value (keys/master-key.ts
 * `keyCheckValue`, an HMAC that reveals nothing of the key) per master key version, in the
 * store's meta table as `key_check:v<N>`. Stores made before key versions have one row
 * `key_check`: version 1.
 *
 * Opening a store (database.ts), with the versions the key file or variable holds:
 * - every loaded version the store has a check for must match it: a wrong key under a known
 *   version stops start-up here, not later as records that fail to open;
 * - at least one loaded version must be one the store knows: keys from before a rotation (only
 *   retired versions) or of another installation (no version in common) are refused;
 * - a loaded version the store has no check for is accepted but never recorded by an open:
 *   only `keys rotate` records a new version's check, before the key joins the key file, and
 *   drops the checks of the versions it retires, so a key file from before the rotation no
 *   longer opens the store.
 * A new store records the check of every version loaded when it is made.
 */
import { GatewayError } from '../errors.js';
import { keyCheckValue } from '../keys/master-key.js';
import type { MasterKeys } from '../keys/key-file.js';
import type { Database } from './database.js';

/** The row of stores made before key versions: the check of version 1. */
const LEGACY_CHECK = 'key_check';
const CHECK_PREFIX = 'key_check:v';

function checkName(version: number): string {
  return `${CHECK_PREFIX}${version}`;
}

/** The store's key check values by version (a version may have a legacy and a versioned row). */
function readKeyChecks(db: Database): Map<number, string[]> {
  const rows = db.prepare(`SELECT key, value FROM meta WHERE key = ? OR key GLOB ?`).all(LEGACY_CHECK, `${CHECK_PREFIX}*`) as { key: string; value: string }[];
  const checks = new Map<number, string[]>();
  for (const { key, value } of rows) {
    const version = key === LEGACY_CHECK ? 1 : Number(key.slice(CHECK_PREFIX.length));
    if (!Number.isSafeInteger(version) || version < 1) continue; // not ours: never a match
    checks.set(version, [...(checks.get(version) ?? []), value]);
  }
  return checks;
}

/**
 * Checks the loaded keys against the store, inside the opening transaction; records the
 * checks of a new store. Returns whether the store is new (it had no check yet).
 */
export function checkStoreKeys(db: Database, opts: { name: string; file: string; masters: MasterKeys; migrated: boolean }): boolean {
  const { name, file, masters } = opts;
  const checks = readKeyChecks(db);
  if (checks.size === 0) {
    // A migrated store without a key check had it removed: recording the current keys now
    // would accept any key from here on.
    if (opts.migrated) {
      throw new GatewayError('STORE_FAILED', `${name} ${file} has no key check value in its meta table: it was altered or not made by maskgate; restore it from a backup`);
    }
    for (const [version, master] of masters) recordKeyCheck(db, version, master);
    return true;
  }
  for (const [version, master] of masters) {
    const values = checks.get(version);
    if (values !== undefined && values.some((v) => v !== keyCheckValue(master))) {
      const which = masters.size > 1 ? ` (the loaded key of version ${version} is not the one it knows)` : '';
      throw new GatewayError(
        'KEY_MISMATCH',
        `${name} ${file} was created with a different master key${which}: point keys.masterKeyFile/masterKeyEnv at the key it was created with (or restore it); maskgate will not start with the wrong key`,
      );
    }
  }
  if (![...masters.keys()].some((version) => checks.has(version))) {
    const known = [...checks.keys()].sort((a, b) => a - b).join(', ');
    const loaded = [...masters.keys()].sort((a, b) => a - b).join(', ');
    throw new GatewayError(
      'KEY_MISMATCH',
      `${name} ${file} belongs to master key version(s) ${known}, and the keys loaded are version(s) ${loaded}: these are keys a rotation retired, or another installation's. Point keys.masterKeyFile/masterKeyEnv at the keys \`keys rotate\` left; maskgate will not start with the wrong key`,
    );
  }
  return false;
}

/** Records (or replaces) the check of a master key version: `keys rotate`, before the key joins the key file. */
export function recordKeyCheck(db: Database, version: number, master: Buffer): void {
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(checkName(version), keyCheckValue(master));
}

/** Drops the checks of every version but `keep`: `keys rotate`, once nothing is sealed under them. */
export function dropKeyChecksExcept(db: Database, keep: number): void {
  db.prepare('DELETE FROM meta WHERE (key = ? OR key GLOB ?) AND key <> ?').run(LEGACY_CHECK, `${CHECK_PREFIX}*`, checkName(keep));
}
