/**
 * Every sealed column of both stores, in one list: what `keys rotate` re-seals, what it checks
 * is left under no old key version, and what its guard triggers watch (store/resealer.ts).
 * A new sealed column is added here, and only here, with the associated data its writer uses:
 * a row it cannot open stops the rotation, so a wrong AAD shows in the first test. One that is
 * forgotten stops it too, before any key is retired: the rotation looks for old envelopes in
 * every BLOB column of the store (resealer.ts, `unlistedSealed`).
 *
 * Every value is a keys/envelope.ts record, whose bytes 2–5 are the key version (big-endian),
 * so SQL can find and guard versions without opening anything.
 */
import type { KeyPurpose } from '../keys/master-key.js';
import { partAad } from '../messages/mo-parts.js';
import { totpAad } from '../accounts/api-tokens.js';
import { secretAad, secretRows } from './store-secrets.js';

export interface SealedColumn {
  table: string;
  column: string;
  /** The data key that seals it. */
  purpose: KeyPurpose;
  /** The columns its associated data is made of. */
  aadColumns: readonly string[];
  aad(row: Record<string, unknown>): Buffer;
  /** A column repeating the envelope's key version, kept equal to it. */
  versionColumn?: string;
  /** Which rows hold a sealed value, as an SQL condition on a row alias; default: all. */
  rows?: (alias: string) => string;
}

const byId = (row: Record<string, unknown>) => Buffer.from(String(row.id));

const META_SECRETS: SealedColumn = { table: 'meta', column: 'value', purpose: 'store-secrets', aadColumns: ['key'], aad: (row) => secretAad(String(row.key)), rows: secretRows };

export const ROUTING_SEALED: readonly SealedColumn[] = [
  { table: 'messages', column: 'content', purpose: 'routing-bodies', aadColumns: ['id'], aad: byId },
  { table: 'client_mo', column: 'content', purpose: 'routing-bodies', aadColumns: ['id'], aad: byId },
  { table: 'mo_parts', column: 'content', purpose: 'routing-bodies', aadColumns: ['group_key', 'seq'], aad: (row) => partAad(String(row.group_key), Number(row.seq)) },
  { table: 'held_mo', column: 'content', purpose: 'routing-bodies', aadColumns: ['id'], aad: byId },
  { table: 'webhook_outbox', column: 'payload', purpose: 'routing-bodies', aadColumns: ['id'], aad: byId },
  { table: 'accounts', column: 'webhook_secret', purpose: 'routing-bodies', aadColumns: ['system_id'], aad: (row) => Buffer.from(`webhook:${String(row.system_id)}`), rows: (t) => `${t}.webhook_secret IS NOT NULL` },
  { table: 'api_tokens', column: 'totp_secret', purpose: 'routing-bodies', aadColumns: ['id'], aad: (row) => totpAad(String(row.id)), rows: (t) => `${t}.totp_secret IS NOT NULL` },
  META_SECRETS,
];

export const CONTACT_SEALED: readonly SealedColumn[] = [
  { table: 'contacts', column: 'number', purpose: 'contacts', aadColumns: ['id'], aad: byId, versionColumn: 'key_version' },
  META_SECRETS,
];
