/**
 * Opens the routing store the configuration points at, under its master key: what the
 * daemon and the CLI commands that read or change routing data both need. A missing key
 * stops here with the fix (`maskgate keys init`), unless the configuration says
 * `keys.createIfMissing` (the demo), in which case the first command to need it makes it.
 */
import { resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { createMasterKeyIfMissing, loadMasterKey } from '../keys/master-key.js';
import { openDatabase, type Database } from './database.js';
import { ROUTING_MIGRATIONS } from './routing-schema.js';

export function openRoutingStore(config: LoadedConfig, opts: { syncOffLoop?: boolean } = {}): { db: Database; masterKey: Buffer; createdKeyFile: string | undefined } {
  const createdKeyFile = createMasterKeyIfMissing(config.keys, config.configDir);
  const masterKey = loadMasterKey(config.keys, config.configDir);
  const db = openDatabase({ path: resolveConfigPath(config, config.stores.routing.path), name: 'routing store', migrations: ROUTING_MIGRATIONS, masterKey, ...opts });
  return { db, masterKey, createdKeyFile };
}
