/**
 * The master keys: 32 random bytes each, from which every data key derives, so one secret is
 * kept, backed up and rotated, and no two purposes ever share a key. They live in a 0600 file
 * (`keys.masterKeyFile`, written by `maskgate keys init`, extended by `keys rotate`) or in an
 * environment variable (`keys.masterKeyEnv`), one per version (format: keys/key-file.ts).
 * Keys that are missing, malformed or readable by others stop start-up with the fix, never a
 * fallback.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { MASTER_KEY_BYTES, parseMasterKeys, readMasterKeyFile, writeMasterKeyFile, type MasterKeys } from './key-file.js';

/**
 * What each derived key protects. A purpose is part of the HKDF info, so keys for different
 * purposes are independent: a leaked blind-index key reveals nothing about contact records.
 * 'blind-index' and 'mo-parts' are HMAC keys derived only for stores made before they became
 * random keys kept sealed in the store ('store-secrets' seals those: store/store-secrets.ts).
 */
export type KeyPurpose = 'routing-bodies' | 'contacts' | 'blind-index' | 'key-check' | 'mo-parts' | 'store-secrets';

/**
 * HKDF salt (RFC 5869 §3.1). The master key is already uniformly random, so the salt need not
 * be secret or per-install; a fixed, maskgate-specific value separates our derivations from
 * any other use of the same bytes. Changing it changes every derived key: never change it.
 */
const HKDF_SALT = Buffer.from('maskgate/hkdf-salt/v1', 'utf8');

const KEY_CHECK_LABEL = 'maskgate key check';

export function generateMasterKey(): Buffer {
  return randomBytes(MASTER_KEY_BYTES);
}

/** The configured master keys by version; throws KEY_MISSING or KEY_INVALID naming the source and the fix. */
export function loadMasterKeys(keys: Pick<Config['keys'], 'masterKeyFile' | 'masterKeyEnv'>, configDir: string): MasterKeys {
  if (keys.masterKeyFile !== undefined) return readMasterKeyFile(path.resolve(configDir, keys.masterKeyFile));
  if (keys.masterKeyEnv !== undefined) return loadFromEnv(keys.masterKeyEnv);
  throw new GatewayError('KEY_MISSING', 'no master key configured: set keys.masterKeyFile (a 0600 key file) or keys.masterKeyEnv (an environment variable name)');
}

function loadFromEnv(name: string): MasterKeys {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new GatewayError('KEY_MISSING', `environment variable ${name} (keys.masterKeyEnv) is not set or empty; set it to the master key (\`maskgate keys init\` makes one)`);
  }
  return parseMasterKeys(value, `environment variable ${name}`, 'commas');
}

/**
 * With `keys.createIfMissing` (the demo), makes the key file when it does not exist yet and
 * returns its path; otherwise does nothing and returns undefined.
 */
export function createMasterKeyIfMissing(keys: Config['keys'], configDir: string): string | undefined {
  if (!keys.createIfMissing || keys.masterKeyFile === undefined) return undefined;
  const file = path.resolve(configDir, keys.masterKeyFile);
  if (existsSync(file)) return undefined;
  writeMasterKeyFile(file, new Map([[1, generateMasterKey()]]), { replace: false });
  return file;
}

/** A 32-byte key for one purpose and key version, derived from the master key with HKDF-SHA256. */
export function deriveKey(master: Buffer, purpose: KeyPurpose, version: number): Buffer {
  return Buffer.from(hkdfSync('sha256', master, HKDF_SALT, `maskgate:${purpose}:v${version}`, MASTER_KEY_BYTES));
}

/**
 * A fingerprint of a master key, safe to store beside the data: an HMAC under a key derived
 * for this purpose alone, so it reveals nothing about the keys that encrypt. Each store keeps
 * one per master key version (store/key-checks.ts) and compares them at every open, so a wrong
 * key stops start-up instead of surfacing later as records that fail to decrypt.
 */
export function keyCheckValue(master: Buffer): string {
  return createHmac('sha256', deriveKey(master, 'key-check', 1)).update(KEY_CHECK_LABEL).digest('hex');
}
