/**
 * Opens the contact store the configuration points at (`stores.contacts.path`), under the
 * master key, as routing-store.ts does for the routing store: a second file, so the real
 * numbers of masked parties never share a file, a backup or a key with the routing data. A
 * store created under another master key is refused here (KEY_MISMATCH, with the fix) rather
 * than surfacing later as numbers that fail to open.
 *
 * Commits are synchronous = FULL, each fsynced by SQLite: contacts are written once per new
 * masked party, far from the message path that needs group commit.
 */
import { resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { createMasterKeyIfMissing, loadMasterKey } from '../keys/master-key.js';
import { ContactStore, deriveContactKeys } from '../numbers/contact-store.js';
import { CONTACT_MIGRATIONS } from './contact-schema.js';
import { openDatabase, type Database } from './database.js';

export function openContactStore(config: LoadedConfig): { db: Database; contacts: ContactStore; createdKeyFile: string | undefined } {
  const createdKeyFile = createMasterKeyIfMissing(config.keys, config.configDir);
  const masterKey = loadMasterKey(config.keys, config.configDir);
  const db = openDatabase({ path: resolveConfigPath(config, config.stores.contacts.path), name: 'contact store', migrations: CONTACT_MIGRATIONS, masterKey });
  return { db, contacts: new ContactStore({ db, keys: deriveContactKeys(masterKey) }), createdKeyFile };
}
