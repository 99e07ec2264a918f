/**
 * Contacts: the real numbers of masked parties, in the contact store (schema:
 * store/contact-schema.ts). Masks and proxy sessions ask here for a contact id and a blind
 * index and keep only those in the routing store; the real number is opened here, only when
 * a message has to reach it.
 *
 * - A number has one contact: `contactFor` finds it by the blind index (HMAC-SHA256 of the
 *   normalised E.164 number, under a key of its own), or creates it.
 * - A contact's number is sealed (AES-256-GCM, keys/envelope.ts) with the contact id as
 *   associated data, under the current contacts key; each record names its key version, and
 *   `keyFor` opens any version still loaded, so `keys rotate` can re-seal online.
 * - The blind-index key never changes: a new one would change every index, here and in the
 *   routing store. It is the contact store's own random key, kept sealed in its meta table
 *   (store/store-secrets.ts): a rotation re-seals it, never replaces it.
 *
 * A number that is not a valid E.164 number is refused with BAD_DESTINATION; the error
 * names at most its last 3 digits (PRODUCT.md: no full number in an error).
 *
 * Writes are rare (a mask or session for a new party) and synchronous; the UNIQUE blind
 * index keeps one contact per number even when the CLI and the daemon add the same number
 * at once.
 *
 * Removal is crypto-shredding: the row is the only place the sealed number exists, and the
 * store runs with secure_delete (store/database.ts), so deleting it leaves neither the
 * number nor its blind index in the file. `find` and `remove` serve `maskgate forget`;
 * `created` and `remove` serve retention (store/retention.ts), which removes contacts no
 * mask or session leg names any more.
 */
import { createHmac } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import { open, seal } from '../keys/envelope.js';
import { deriveKey } from '../keys/master-key.js';
import { randomPiece } from '../keys/random-pool.js';
import { describeRefusedNumber, e164From } from './e164.js';

export interface ContactKeys {
  /** Seals new numbers; read at every seal, so a key ring's new version applies at once. */
  readonly current: { version: number; key: Buffer };
  /** The contacts key of a version, or undefined when this process has none. */
  keyFor(version: number): Buffer | undefined;
  /** The blind-index key (HMAC-SHA256). */
  index: Buffer;
}

/** The contact keys of a key ring's 'contacts' view and the store's blind-index key. */
export function contactKeys(sealing: Pick<ContactKeys, 'current' | 'keyFor'>, index: Buffer): ContactKeys {
  return {
    get current() {
      return sealing.current;
    },
    keyFor: (version) => sealing.keyFor(version),
    index,
  };
}

/** The contact keys of a lone master key, as a store made before key rotation has them: version 1 of each. */
export function deriveContactKeys(masterKey: Buffer): ContactKeys {
  const key = deriveKey(masterKey, 'contacts', 1);
  return { current: { version: 1, key }, keyFor: (v) => (v === 1 ? key : undefined), index: deriveKey(masterKey, 'blind-index', 1) };
}

/**
 * The E.164 form of a real number: '+' and the digits, given as digits with an optional
 * leading '+' (country code first). Separators and a '00' prefix are refused rather than
 * guessed at: this is the identity of a person, so two spellings must never give two contacts.
 */
function normaliseE164(raw: string): string {
  const e164 = e164From(raw);
  if (e164 === null) {
    throw new GatewayError(
      'BAD_DESTINATION',
      `${describeRefusedNumber(raw)} is not a valid E.164 phone number: give the country code and the full number, digits only with an optional leading +`,
    );
  }
  return e164; // both spellings (with and without '+') meet at one index
}

function newContactId(): string {
  // 128 bits: ids are made by independent processes and must never collide.
  return randomPiece(16).toString('hex');
}

interface ContactRow {
  id: string;
  number: Buffer;
}

export class ContactStore {
  private readonly byIndex: Statement<[string], string>;
  private readonly byId: Statement<[string], ContactRow>;
  private readonly insert: Statement<[string, string, Buffer, number, number]>;
  private readonly createdAfter: Statement<[number, number, number], { rowid: number; id: string; created_at: number }>;
  private readonly deleteById: Statement<[string]>;

  constructor(private readonly options: { db: Database; keys: ContactKeys }) {
    const { db } = options;
    this.byIndex = db.prepare<[string], string>('SELECT id FROM contacts WHERE number_index = ?').pluck();
    this.byId = db.prepare<[string], ContactRow>('SELECT id, number FROM contacts WHERE id = ?');
    this.insert = db.prepare('INSERT INTO contacts (id, number_index, number, key_version, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (number_index) DO NOTHING');
    this.createdAfter = db.prepare('SELECT rowid, id, created_at FROM contacts WHERE rowid > ? AND created_at < ? ORDER BY rowid LIMIT ?');
    this.deleteById = db.prepare('DELETE FROM contacts WHERE id = ?');
  }

  /**
   * A real number as the stores know it, without adding it: its blind index, and its contact
   * id when it has a contact.
   */
  find(raw: string): { contactId: string | undefined; index: string } {
    const index = this.indexOf(normaliseE164(raw));
    return { contactId: this.byIndex.get(index), index };
  }

  /** Deletes contacts (one transaction); returns how many existed. Their numbers are gone for good. */
  remove(contactIds: readonly string[]): number {
    return this.options.db.transaction(() => contactIds.reduce((n, id) => n + this.deleteById.run(id).changes, 0)).immediate();
  }

  /** Up to `limit` contacts made before `before`, after `afterRowid` in storage order (a walk). */
  created(before: number, afterRowid: number, limit: number): { rowid: number; id: string; createdAt: number }[] {
    return this.createdAfter.all(afterRowid, before, limit).map((r) => ({ rowid: r.rowid, id: r.id, createdAt: r.created_at }));
  }

  /** The contact id of a real number, made on first use; the same id for every spelling of it. */
  contactFor(e164: string): string {
    return this.party(e164).contactId;
  }

  /**
   * A masked party as the routing store may know it: its contact id (made on first use) and
   * blind index, with its E.164 form; the number is read and checked once.
   */
  party(raw: string): { contactId: string; index: string; e164: string } {
    const number = normaliseE164(raw);
    const index = this.indexOf(number);
    return { contactId: this.contactOf(number, index), index, e164: number };
  }

  private contactOf(number: string, index: string): string {
    const existing = this.byIndex.get(index);
    if (existing !== undefined) return existing;
    const id = newContactId();
    const { key, version } = this.options.keys.current;
    this.insert.run(id, index, seal(key, version, Buffer.from(number, 'utf8'), Buffer.from(id, 'utf8')), version, Date.now());
    // Another process may have added the number since the read: its row won the UNIQUE
    // index and ours was dropped, so read back whichever is stored.
    const stored = this.byIndex.get(index);
    if (stored === undefined) throw new GatewayError('INTERNAL', 'a contact just written to the contact store cannot be read back');
    return stored;
  }

  /** The real number (E.164) of a contact, or undefined for an unknown contact id. */
  realNumber(contactId: string): string | undefined {
    const row = this.byId.get(contactId);
    if (row === undefined) return undefined;
    return open((v) => this.options.keys.keyFor(v), row.number, Buffer.from(row.id, 'utf8')).toString('utf8');
  }

  /** What the routing store may hold instead of a real number: hex HMAC-SHA256 of its E.164 form. */
  blindIndex(e164: string): string {
    return this.indexOf(normaliseE164(e164));
  }

  /**
   * The blind index of a number e164.ts already made canonical (`e164From`,
   * `e164FromAddress`): the MO path has parsed the sender once and need not parse it again.
   */
  blindIndexOfCanonical(e164: string): string {
    return this.indexOf(e164);
  }

  private indexOf(normalised: string): string {
    return createHmac('sha256', this.options.keys.index).update(normalised, 'utf8').digest('hex');
  }
}
