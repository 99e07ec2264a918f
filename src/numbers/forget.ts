/**
 * Forgetting a real number (`maskgate forget`): the party asked to be erased, so nothing that
 * holds their number, or leads to it, or carries what they wrote, may stay.
 *
 * What holds or derives from the number, and what becomes of it:
 * - the contact (contact store): its row holds the number sealed and its blind index. It is
 *   deleted (crypto-shredding under secure_delete: the one sealed copy is zeroed).
 * - every mask and session leg of the party (routing store, found by blind index or contact
 *   id, ended ones too): ended now (`forgotten`), and its blind index and contact id replaced
 *   by `forgotten`, so no row leads back to the party. A session cannot go on with one party
 *   gone: the other leg and the session end too (the other party's contact stays; they may
 *   have other masks).
 * - messages to those legs (messages.relay_leg: the account's texts to the party, and the
 *   party's texts relayed to the other party of a session): their sealed content is purged
 *   (messages/purged-content.ts); their rows stay as records. One not sent yet is due at
 *   once, and the dispatcher ends it UNDELIVERABLE (its content is gone), with its receipt.
 * - what the party wrote that waits for an account or a party: MO to the account from a
 *   mask's alias (client_mo), held for review (held_mo), parts of a long MO (mo_parts), and
 *   webhook events carrying such an MO (webhook_outbox, `mo` with the mask's id). Rows that
 *   name a leg as recipient are found by it; rows for an account are opened to compare their
 *   sender with the masks' aliases (they were rewritten to the alias before they were stored,
 *   so they never held the number). All deleted.
 * - the watchlist entry of the number (its blind index): removed.
 * The audit trail records `number.forgotten` with counts only.
 *
 * Not stored anywhere, so nothing to do: logs (numbers are redacted to their last 3 digits),
 * early receipts (carrier ids only), the daemon's in-memory abuse counters (blind indexes,
 * forgotten with their window within minutes). Outside maskgate's reach: what carriers and
 * the account already received.
 *
 * The routing store changes in one IMMEDIATE transaction, then the contact goes: run again
 * after an interruption, it finds the legs by their contact id or blind index and finishes.
 * The caller then truncates both write-ahead logs, which still hold old page images.
 */
import type { Database } from 'better-sqlite3';
import { open } from '../keys/envelope.js';
import { decodeContent } from '../messages/content-codec.js';
import { partAad } from '../messages/mo-parts.js';
import { relayRecipient } from '../messages/mo-recipients.js';
import { PURGED_SQL } from '../messages/purged-content.js';
import type { ContactStore } from './contact-store.js';
import type { LegRow } from './relay-types.js';

/** What one forget did: counts, never the number. */
export interface ForgetReport {
  /** Whether the contact store had the number. */
  contact: boolean;
  /** Masks and sessions that were active and ended now. */
  masksEnded: number;
  sessionsEnded: number;
  /** Legs (the party's, and the other parties' of its sessions) scrubbed or ended, active or not. */
  legs: number;
  messagesPurged: number;
  moDeleted: number;
  heldMoDeleted: number;
  moPartsDeleted: number;
  webhooksDeleted: number;
  watchlist: boolean;
}

const FORGOTTEN = 'forgotten';

export function forgetNumber(o: { db: Database; contacts: Pick<ContactStore, 'find' | 'remove'>; keyFor: (version: number) => Buffer | undefined; number: string; now?: number }): ForgetReport {
  const now = o.now ?? Date.now();
  const { contactId, index } = o.contacts.find(o.number);
  const report = o.db.transaction(() => forgetInRoutingStore(o.db, o.keyFor, index, contactId, now)).immediate();
  report.contact = contactId !== undefined && o.contacts.remove([contactId]) > 0;
  return report;
}

function forgetInRoutingStore(db: Database, keyFor: (version: number) => Buffer | undefined, index: string, contactId: string | undefined, now: number): ForgetReport {
  const partyLegs = db.prepare<[string, string], LegRow>('SELECT * FROM relay_legs WHERE party_index = ? OR contact_id = ?').all(index, contactId ?? FORGOTTEN);
  const peers = partyLegs
    .filter((l) => l.peer_leg !== null)
    .map((l) => db.prepare<[string], LegRow>('SELECT * FROM relay_legs WHERE id = ?').get(l.peer_leg!))
    .filter((l): l is LegRow => l !== undefined);
  const legs = [...new Map([...partyLegs, ...peers].map((l) => [l.id, l])).values()];
  const masks = partyLegs.filter((l) => l.kind === 'mask');

  const report: ForgetReport = { contact: false, masksEnded: 0, sessionsEnded: 0, legs: legs.length, messagesPurged: 0, moDeleted: 0, heldMoDeleted: 0, moPartsDeleted: 0, webhooksDeleted: 0, watchlist: false };

  const endLeg = db.prepare<[number, string]>(`UPDATE relay_legs SET ended_at = ?, end_reason = '${FORGOTTEN}' WHERE id = ? AND ended_at IS NULL`);
  const endSession = db.prepare<[number, string]>(`UPDATE proxy_sessions SET ended_at = ?, end_reason = '${FORGOTTEN}' WHERE id = ? AND ended_at IS NULL`);
  for (const leg of legs) {
    const ended = endLeg.run(now, leg.id).changes > 0;
    if (ended && leg.kind === 'mask') report.masksEnded++;
  }
  for (const session of new Set(legs.map((l) => l.session_id).filter((s): s is string => s !== null))) report.sessionsEnded += endSession.run(now, session).changes;
  const scrub = db.prepare<[string]>(`UPDATE relay_legs SET party_index = '${FORGOTTEN}', contact_id = '${FORGOTTEN}' WHERE id = ?`);
  for (const leg of partyLegs) scrub.run(leg.id);

  // A message not sent yet becomes due now: the dispatcher ends it (its content is gone).
  const purge = db.prepare<{ leg: string; now: number }>(
    `UPDATE messages SET content = ${PURGED_SQL}, purged_at = @now, next_attempt_at = CASE WHEN queued = 1 THEN min(next_attempt_at, @now) ELSE next_attempt_at END
     WHERE relay_leg = @leg AND purged_at IS NULL`,
  );
  for (const leg of legs) report.messagesPurged += purge.run({ leg: leg.id, now }).changes;

  // What waits for a leg's party is found by its recipient; what the party wrote to an account, by the mask's alias.
  const legRecipients = legs.map((l) => relayRecipient(l.id));
  const accounts = [...new Set(masks.map((m) => m.account))];
  const aliases = new Set(masks.map((m) => m.alias));
  const fromMask = (content: Buffer, aad: Buffer) => aliases.has(decodeContent(open(keyFor, content, aad)).sourceAddr.replace(/^\+/, ''));

  report.heldMoDeleted += deleteWhere(db, 'held_mo', 'recipient', legRecipients);
  report.moPartsDeleted += deleteWhere(db, 'mo_parts', 'account', legRecipients);
  for (const account of accounts) {
    for (const r of db.prepare<[string], { seq: number; id: string; content: Buffer }>('SELECT seq, id, content FROM client_mo WHERE account = ?').all(account)) {
      if (fromMask(r.content, Buffer.from(r.id))) report.moDeleted += db.prepare('DELETE FROM client_mo WHERE seq = ?').run(r.seq).changes;
    }
    for (const r of db.prepare<[string], { seq: number; id: string; content: Buffer }>('SELECT seq, id, content FROM held_mo WHERE recipient = ?').all(account)) {
      if (fromMask(r.content, Buffer.from(r.id))) report.heldMoDeleted += db.prepare('DELETE FROM held_mo WHERE seq = ?').run(r.seq).changes;
    }
    for (const r of db.prepare<[string], { group_key: string; seq: number; content: Buffer }>('SELECT group_key, seq, content FROM mo_parts WHERE account = ?').all(account)) {
      if (fromMask(r.content, partAad(r.group_key, r.seq))) report.moPartsDeleted += db.prepare('DELETE FROM mo_parts WHERE group_key = ? AND seq = ?').run(r.group_key, r.seq).changes;
    }
    report.webhooksDeleted += deleteMaskEvents(db, keyFor, account, new Set(masks.map((m) => m.id)));
  }
  report.watchlist = db.prepare('DELETE FROM watchlist WHERE party_index = ?').run(index).changes > 0;
  return report;
}

function deleteWhere(db: Database, table: string, column: string, values: readonly string[]): number {
  const remove = db.prepare<[string]>(`DELETE FROM ${table} WHERE ${column} = ?`);
  return values.reduce((n, v) => n + remove.run(v).changes, 0);
}

/** The account's webhook events for MO through one of these masks (their bodies carry the party's text). */
function deleteMaskEvents(db: Database, keyFor: (version: number) => Buffer | undefined, account: string, maskIds: ReadonlySet<string>): number {
  let deleted = 0;
  for (const r of db.prepare<[string], { seq: number; id: string; payload: Buffer }>("SELECT seq, id, payload FROM webhook_outbox WHERE account = ? AND event = 'mo'").all(account)) {
    const body = JSON.parse(open(keyFor, r.payload, Buffer.from(r.id)).toString('utf8')) as { data?: { mask_id?: unknown } };
    const maskId = body.data?.mask_id;
    if (typeof maskId === 'string' && maskIds.has(maskId)) deleted += db.prepare('DELETE FROM webhook_outbox WHERE seq = ?').run(r.seq).changes;
  }
  return deleted;
}
