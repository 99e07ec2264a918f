/**
 * The contact store's schema, as migrations (versions only ever added, never edited).
 *
 * The contact store is the second half of the double list (PRODUCT.md): the only place a
 * masked party's real number exists, in its own file, under its own key. The routing store
 * refers to that party by contact id and blind index alone, so a copy of the routing store,
 * or of its logs, holds no real number.
 *
 * Privacy: no column holds a number in the clear. `number` is sealed with AES-256-GCM under
 * the contacts key with the contact id as associated data (keys/envelope.ts), so a sealed
 * number copied onto another row fails to open. `number_index` is an HMAC-SHA256 of the
 * normalised E.164 number under the blind-index key: equal numbers meet there without the
 * number being readable.
 */
import type { Migration } from './database.js';

export const CONTACT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'contacts: contact id, blind index, sealed real number',
    up: `
      CREATE TABLE contacts (
        id                  TEXT PRIMARY KEY,     -- random contact id: what the routing store holds
        number_index        TEXT NOT NULL UNIQUE, -- hex HMAC-SHA256 of the E.164 number: one contact per number
        number              BLOB NOT NULL,        -- sealed E.164 number, the contact id as AAD
        key_version         INTEGER NOT NULL,     -- version of the key that sealed it (also in the envelope)
        created_at          INTEGER NOT NULL      -- epoch ms
      ) STRICT;
      -- keys rotate re-seals in batches the rows still under an old version
      CREATE INDEX contacts_by_key_version ON contacts (key_version);
    `,
  },
];
