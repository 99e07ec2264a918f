/**
 * Opens the contact store the configuration points at (`stores.contacts.path`), under the
 * master keys, as routing-store.ts does for the routing store: a second file, so the real
 * numbers of masked parties never share a file, a backup or a key with the routing data. A
 * store created under other master keys is refused here (KEY_MISMATCH, with the fix) rather
 * than surfacing later as numbers that fail to open.
 *
 * The daemon passes the key ring of its routing store, so both stores seal under the same
 * version and follow one key file; a CLI command gets a ring of its own. The blind-index key
 * is the store's own (store-secrets.ts): it never changes with the master key.
 *
 * Commits are synchronous = FULL, each fsynced by SQLite: contacts are written once per new
 * masked party, far from the message path that needs group commit.
 */
import { resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { KeyRing } from '../keys/key-ring.js';
import { createMasterKeyIfMissing } from '../keys/master-key.js';
import { ContactStore, contactKeys } from '../numbers/contact-store.js';
import { CONTACT_MIGRATIONS } from './contact-schema.js';
import { openDatabase, type Database } from './database.js';
import { readStoreSecret } from './store-secrets.js';

export function openContactStore(config: LoadedConfig, keyRing?: KeyRing): { db: Database; contacts: ContactStore; createdKeyFile: string | undefined } {
  const createdKeyFile = createMasterKeyIfMissing(config.keys, config.configDir);
  const ring = keyRing ?? KeyRing.load(config.keys, config.configDir);
  const db = openDatabase({
    path: resolveConfigPath(config, config.stores.contacts.path),
    name: 'contact store',
    migrations: CONTACT_MIGRATIONS,
    masterKey: ring.masters,
    secrets: ['blind-index'],
  });
  try {
    const index = readStoreSecret(db, 'blind-index', ring.keysFor('store-secrets').keyFor);
    return { db, contacts: new ContactStore({ db, keys: contactKeys(ring.keysFor('contacts'), index) }), createdKeyFile };
  } catch (err) {
    db.close();
    throw err;
  }
}
