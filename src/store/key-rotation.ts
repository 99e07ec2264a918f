/**
 * `maskgate keys rotate`: a new master key for both stores, online, while the daemon runs
 * and traffic flows. When it ends, the old master key is gone from the key file and nothing
 * in either store is sealed under it, so a leaked old key opens nothing.
 *
 * The invariant: no record may ever be sealed under a version that is no longer loaded. In
 * order, each step resumable (run it again after a crash and it finishes the job):
 *
 * 1. A new master key, version V = current + 1: its key check goes into both stores first,
 *    then the key joins the key file (temp file, fsync, rename). The daemon's key ring sees
 *    the file within a second and seals under V. A key file holding more than one version is
 *    a rotation under way: it is resumed with V = its highest version, no new key made.
 * 2. Wait until the running daemon, if any, announces that it seals under V and that every
 *    record it sealed under an older version is committed (store/sealing-handshake.ts).
 * 3. Guard: from now on each store refuses any value sealed under a version below V, from
 *    any process (store/resealer.ts). Without this, a process that loaded the key file
 *    before step 1 could write a record under the old version after step 4 passed it.
 * 4. Re-seal every record under an older version, table by table, in short transactions.
 * 5. Check that none is left (in the listed columns, and in any other BLOB column: a sealed
 *    column missing from the list stops the rotation), drop the old versions' key checks (a
 *    key file from before the rotation then no longer opens the stores), then rewrite the key
 *    file with V alone. The daemon drops the old keys when it sees the file.
 *
 * Two rotations at once would each add their own version V: a lock file beside the key file
 * (`<key file>.rotating`, with the pid) lets one run; a stale lock of a dead process is taken
 * over. Keys from an environment variable cannot be rotated online: maskgate cannot change the
 * environment of the running daemon, so the command refuses and says how to move to a file.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { readMasterKeyFile, writeMasterKeyFile } from '../keys/key-file.js';
import type { KeyRing } from '../keys/key-ring.js';
import { generateMasterKey } from '../keys/master-key.js';
import { openContactStore } from './contact-store.js';
import type { Database } from './database.js';
import { dropKeyChecksExcept, recordKeyCheck } from './key-checks.js';
import { countBelow, guardKeyFloor, resealBelow, unlistedSealed } from './resealer.js';
import { openRoutingStore } from './routing-store.js';
import { CONTACT_SEALED, ROUTING_SEALED, type SealedColumn } from './sealed-columns.js';
import { awaitSealing, pidAlive } from './sealing-handshake.js';

export interface RotationReport {
  /** The one master key version left. */
  version: number;
  /** The versions removed from the key file. */
  retired: number[];
  /** A rotation under way was finished rather than a new one started. */
  resumed: boolean;
  /** Whether a running daemon was waited for. */
  daemon: boolean;
  /** Records re-sealed, by store and table. */
  resealed: Record<string, Record<string, number>>;
}

interface RotatedStore {
  name: string;
  db: Database;
  columns: readonly SealedColumn[];
}

/** A full pass normally leaves nothing; a pass that does (rowids renumbered) is repeated. */
const MAX_PASSES = 3;

export async function rotateKeys(config: LoadedConfig, opts: { batch: number; progress?: (line: string) => void }): Promise<RotationReport> {
  const file = keyFileOf(config);
  const progress = opts.progress ?? (() => undefined);
  const releaseLock = takeLock(`${file}.rotating`);
  const stores: RotatedStore[] = [];
  try {
    const routing = openRoutingStore(config);
    stores.push({ name: 'routing store', db: routing.db, columns: ROUTING_SEALED });
    const ring = routing.keyRing;
    stores.push({ name: 'contact store', db: openContactStore(config, ring).db, columns: CONTACT_SEALED });

    const resumed = ring.masters.size > 1;
    const target = resumed ? ring.currentVersion : ring.currentVersion + 1;
    if (resumed) {
      progress(`resuming the rotation to master key version ${target}`);
      // A version added by hand has no check yet; a wrong one was refused by the open.
      for (const s of stores) recordKeyCheck(s.db, target, ring.masters.get(target)!);
    } else {
      addVersion(file, ring, target, stores);
    }

    const { daemon } = await awaitSealing(stores, target, { waiting: (store, pid) => progress(`waiting for the daemon (pid ${pid}) to seal the ${store} under version ${target}…`) });
    for (const s of stores) guardKeyFloor(s.db, s.columns, target);

    const resealed: RotationReport['resealed'] = {};
    for (const s of stores) {
      const counts: Record<string, number> = (resealed[s.name] = {});
      for (const c of s.columns) {
        counts[c.table] = resealColumn(s, c, ring, target, opts.batch);
        if (counts[c.table]! > 0) progress(`re-sealed ${counts[c.table]} record(s) of ${s.name} ${c.table}`);
      }
    }

    for (const s of stores) {
      const forgotten = unlistedSealed(s.db, s.columns, target);
      if (forgotten.length > 0) {
        throw new GatewayError(
          'INTERNAL',
          `${s.name}: ${forgotten.join(', ')} hold(s) values sealed under a version below ${target} that keys rotate does not know to re-seal (missing from store/sealed-columns.ts); no key was retired. Report this: retiring the old key would make them unreadable`,
        );
      }
    }
    const retired = [...ring.masters.keys()].filter((v) => v !== target).sort((a, b) => a - b);
    for (const s of stores) s.db.transaction(() => dropKeyChecksExcept(s.db, target)).immediate();
    writeMasterKeyFile(file, new Map([[target, ring.masters.get(target)!]]), { replace: true });
    return { version: target, retired, resumed, daemon, resealed };
  } finally {
    for (const s of stores) s.db.close();
    releaseLock();
  }
}

function keyFileOf(config: LoadedConfig): string {
  const { masterKeyFile, masterKeyEnv } = config.keys;
  if (masterKeyFile !== undefined) return resolveConfigPath(config, masterKeyFile);
  throw new GatewayError(
    'USAGE',
    `keys rotate works on a key file (keys.masterKeyFile), and this configuration takes the master key from the environment variable ${masterKeyEnv}, which maskgate cannot change for the running daemon. ` +
      `To rotate: write the variable's keys to a file only you can read (\`printf '%s\\n' "$${masterKeyEnv}" | tr ',' '\\n' > master.key && chmod 600 master.key\`), ` +
      'set keys.masterKeyFile to that file instead of keys.masterKeyEnv, restart the daemon, then run `maskgate keys rotate`',
  );
}

/** Step 1: the new version's key check in every store, then the key in the file. */
function addVersion(file: string, ring: KeyRing, version: number, stores: readonly RotatedStore[]): void {
  const key = generateMasterKey();
  // Replaces the check a crashed run may have left: its key never reached the file.
  for (const s of stores) recordKeyCheck(s.db, version, key);
  const onDisk = readMasterKeyFile(file);
  if (onDisk.size !== ring.masters.size || [...onDisk].some(([v, k]) => !ring.masters.get(v)?.equals(k))) {
    throw new GatewayError('USAGE', `master key file ${file} changed while keys rotate read it; run keys rotate again`);
  }
  writeMasterKeyFile(file, new Map([...ring.masters, [version, key]]), { replace: true });
  ring.reload();
}

function resealColumn(s: RotatedStore, c: SealedColumn, ring: KeyRing, target: number, batch: number): number {
  let resealed = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    resealed += resealBelow(s.db, c, ring.keysFor(c.purpose), target, batch);
    if (countBelow(s.db, c, target) === 0) return resealed;
  }
  throw new GatewayError(
    'STORE_FAILED',
    `${s.name}: ${countBelow(s.db, c, target)} value(s) of ${c.table}.${c.column} are still sealed under a version below ${target} after ${MAX_PASSES} passes; no key was retired. Run keys rotate again`,
  );
}

/**
 * One rotation at a time: the lock file appears with the pid already in it (written to a
 * temporary file, then linked, which fails if the lock exists). A lock left by a process
 * that no longer runs is taken over. Returns the release.
 */
function takeLock(lock: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    const temp = `${lock}.${process.pid}.tmp`;
    writeFileSync(temp, String(process.pid), { mode: 0o600 });
    try {
      linkSync(temp, lock);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(temp, { force: true });
    }
    const holder = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) {
      throw new GatewayError('USAGE', `another keys rotate (pid ${holder}) is running on this key file; wait for it to end (or, if that process is no keys rotate, remove ${lock})`);
    }
    rmSync(lock, { force: true }); // its process is gone
  }
  throw new GatewayError('USAGE', `cannot take the rotation lock ${lock}: another keys rotate keeps taking it; run keys rotate again`);
}
