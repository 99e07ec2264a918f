/**
 * HMAC keys that must NOT change when the master key does, kept sealed in their store's meta
 * table (`secret:<name>`). The blind index of a masked party's number (contact store) is what
 * the routing store refers to that party by, and the mo-parts group key names the parts of a
 * long MO held across restarts: derived from the master key, a rotation would change them and
 * orphan every reference. So each is 32 random bytes made with its store, sealed (AES-256-GCM,
 * the meta key as associated data) under the 'store-secrets' key of the current master key
 * version; `keys rotate` re-seals it like any record (store/sealed-columns.ts), and its value
 * never changes.
 *
 * Stores made before this derived them from master key version 1: their first open stores
 * exactly that value, sealed, so nothing changes for them.
 */
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { open, seal } from '../keys/envelope.js';
import { currentVersion, MASTER_KEY_BYTES, type MasterKeys } from '../keys/key-file.js';
import { deriveKey } from '../keys/master-key.js';
import type { Database } from './database.js';

/**
 * The secrets. The first two are named after the purpose their legacy value derived from;
 * 'audit-chain' (the HMAC key of the audit trail's hash chain, obs/audit.ts) is newer than
 * that scheme and is random in every store.
 */
export type StoreSecret = 'blind-index' | 'mo-parts' | 'audit-chain';

/** Secrets that existed before secrets were kept, whose old stores derived them from key version 1. */
const LEGACY: ReadonlySet<StoreSecret> = new Set(['blind-index', 'mo-parts']);

const PREFIX = 'secret:';

/** The meta rows that hold sealed secrets, as an SQL condition on a row alias (for store/sealed-columns.ts). */
export function secretRows(alias: string): string {
  return `${alias}.key GLOB '${PREFIX}*'`;
}

/** Associated data of a sealed secret: its meta key, so a value moved to another name fails to open. */
export function secretAad(metaKey: string): Buffer {
  return Buffer.from(`meta:${metaKey}`, 'utf8');
}

/**
 * In the opening transaction (database.ts): makes each secret the store lacks, random in a
 * new store, the legacy derived value in a store made before secrets were kept.
 */
export function ensureStoreSecrets(db: Database, secrets: readonly StoreSecret[], masters: MasterKeys, newStore: boolean): void {
  const exists = db.prepare('SELECT 1 FROM meta WHERE key = ?').pluck();
  const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
  const version = currentVersion(masters);
  const sealKey = deriveKey(masters.get(version)!, 'store-secrets', version);
  for (const secret of secrets) {
    const name = PREFIX + secret;
    if (exists.get(name) !== undefined) continue;
    const value = newStore || !LEGACY.has(secret) ? randomBytes(MASTER_KEY_BYTES) : legacyValue(secret as 'blind-index' | 'mo-parts', masters);
    insert.run(name, seal(sealKey, version, value, secretAad(name)));
  }
}

function legacyValue(secret: 'blind-index' | 'mo-parts', masters: MasterKeys): Buffer {
  const v1 = masters.get(1);
  if (v1 === undefined) {
    throw new GatewayError('KEY_MISSING', `the store predates sealed ${secret} keys, whose value derives from master key version 1, and no version 1 is loaded; add the version 1 key to the key file`);
  }
  return deriveKey(v1, secret, 1);
}

/** A secret's value, opened with the 'store-secrets' keys of the ring. */
export function readStoreSecret(db: Database, secret: StoreSecret, keyFor: (version: number) => Buffer | undefined): Buffer {
  const name = PREFIX + secret;
  const sealed = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(name);
  if (!Buffer.isBuffer(sealed)) {
    throw new GatewayError('STORE_FAILED', `${db.name}: the ${secret} key is missing from the meta table; the store was altered or not opened with its secrets: restore it from a backup`);
  }
  return open(keyFor, sealed, secretAad(name));
}
