/**
 * Opens the routing store the configuration points at, under its master keys: what the
 * daemon and the CLI commands that read or change routing data both need. A missing key
 * stops here with the fix (`maskgate keys init`), unless the configuration says
 * `keys.createIfMissing` (the demo), in which case the first command to need it makes it.
 * The key ring it returns is the one the daemon's stores seal with (and follows the key file
 * in the daemon); the mo-parts group key is the store's own (store-secrets.ts).
 */
import { resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { KeyRing } from '../keys/key-ring.js';
import { createMasterKeyIfMissing } from '../keys/master-key.js';
import { openDatabase, type Database } from './database.js';
import { ROUTING_MIGRATIONS } from './routing-schema.js';
import { readStoreSecret } from './store-secrets.js';

export interface OpenedRoutingStore {
  db: Database;
  keyRing: KeyRing;
  /** The HMAC key of the group keys of long MO parts (messages/mo-parts.ts). */
  moPartsKey: Buffer;
  /** The HMAC key of the audit trail's hash chain (obs/audit.ts). */
  auditKey: Buffer;
  createdKeyFile: string | undefined;
}

export function openRoutingStore(config: LoadedConfig, opts: { syncOffLoop?: boolean } = {}): OpenedRoutingStore {
  const createdKeyFile = createMasterKeyIfMissing(config.keys, config.configDir);
  const keyRing = KeyRing.load(config.keys, config.configDir);
  const db = openDatabase({
    path: resolveConfigPath(config, config.stores.routing.path),
    name: 'routing store',
    migrations: ROUTING_MIGRATIONS,
    masterKey: keyRing.masters,
    secrets: ['mo-parts', 'audit-chain'],
    ...opts,
  });
  try {
    const secretKeys = keyRing.keysFor('store-secrets').keyFor;
    return { db, keyRing, moPartsKey: readStoreSecret(db, 'mo-parts', secretKeys), auditKey: readStoreSecret(db, 'audit-chain', secretKeys), createdKeyFile };
  } catch (err) {
    db.close();
    throw err;
  }
}
