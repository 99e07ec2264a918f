/**
 * The routing store's schema, as migrations (versions only ever added, never edited).
 *
 * Privacy: no column holds a phone number or a body. Everything that does (addresses,
 * short_message, TLVs) lives in `messages.content`, sealed with AES-256-GCM under the
 * routing-bodies key, with the message id as associated data so a sealed record cannot be
 * moved to another row. What routing and operations need in the clear is derived and
 * coarse: the destination country.
 *
 * The dispatch queue is the `messages` table itself (`queued = 1`, ordered by
 * `next_attempt_at`), so a backlog lives on disk, not in memory.
 */
import type { Migration } from './database.js';

export const ROUTING_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'messages, attempts, early carrier receipts, receipts owed to clients',
    up: `
      CREATE TABLE messages (
        id                  TEXT PRIMARY KEY,     -- our id, returned in submit_sm_resp
        account             TEXT NOT NULL,        -- the upstream account's system_id
        state               TEXT NOT NULL,        -- ACCEPTED, ENROUTE, DELIVERED, … (client-visible)
        content             BLOB NOT NULL,        -- sealed MessageContent: numbers and body
        registered_delivery INTEGER NOT NULL,     -- what the client asked for
        dest_country        TEXT,                 -- ISO 3166 alpha-2, for routing read-outs
        submitted_at        INTEGER NOT NULL,     -- epoch ms, when it became durable
        valid_until         INTEGER NOT NULL,     -- epoch ms: past it the message is EXPIRED
        queued              INTEGER NOT NULL,     -- 1: waits for the dispatcher; 0: taken or done
        next_attempt_at     INTEGER NOT NULL,     -- epoch ms: not dispatched before
        attempts            INTEGER NOT NULL DEFAULT 0,
        carrier             TEXT,                 -- carrier of the accepted attempt
        carrier_message_id  TEXT,                 -- that carrier's id, as it sent it
        carrier_key         TEXT,                 -- the id normalised for receipt matching
        error_code          INTEGER,              -- last SMPP status or receipt err
        done_at             INTEGER               -- epoch ms of the final state
      ) STRICT;
      CREATE INDEX messages_due ON messages (next_attempt_at) WHERE queued = 1;
      CREATE INDEX messages_by_carrier_key ON messages (carrier, carrier_key) WHERE carrier_key IS NOT NULL;

      CREATE TABLE attempts (
        message_id          TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        n                   INTEGER NOT NULL,     -- 1, 2, … per message
        carrier             TEXT NOT NULL,
        bind                TEXT,                 -- the session that carried it
        at                  INTEGER NOT NULL,     -- epoch ms of the outcome
        outcome             TEXT NOT NULL,        -- accepted, rejected, timeout, lost, unavailable
        status              INTEGER,              -- command_status of the response, if any
        carrier_message_id  TEXT,
        PRIMARY KEY (message_id, n)
      ) STRICT, WITHOUT ROWID;

      -- A receipt that came before the submit_sm_resp it belongs to (carriers do this), or
      -- that matches nothing yet: kept until matched or until the hold window passes.
      CREATE TABLE early_receipts (
        carrier             TEXT NOT NULL,
        carrier_key         TEXT NOT NULL,
        state               TEXT NOT NULL,
        error_code          INTEGER NOT NULL,
        received_at         INTEGER NOT NULL,
        PRIMARY KEY (carrier, carrier_key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX early_receipts_age ON early_receipts (received_at);

      -- Receipts owed to clients, in order; the client side delivers and deletes them.
      CREATE TABLE client_receipts (
        seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id          TEXT NOT NULL,
        account             TEXT NOT NULL,
        state               TEXT NOT NULL,
        error_code          INTEGER NOT NULL,
        created_at          INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX client_receipts_by_account ON client_receipts (account, seq);
    `,
  },
  {
    version: 2,
    description: 'upstream accounts',
    // The only numbers here are MO prefixes: the aggregator's own numbers, not subscribers'.
    up: `
      CREATE TABLE accounts (
        system_id              TEXT PRIMARY KEY,  -- SMPP system_id, 1..15 printable ASCII
        password_hash          TEXT NOT NULL,     -- scrypt$N$r$p$salt_b64$hash_b64, never the password
        enabled                INTEGER NOT NULL,  -- 0: every bind refused
        bind_modes             TEXT NOT NULL,     -- JSON array of transmitter, receiver, transceiver
        allowed_sources        TEXT NOT NULL,     -- JSON array of addresses or CIDR blocks; [] = any
        max_binds              INTEGER NOT NULL,
        throughput_msg_per_sec REAL NOT NULL,
        max_queued             INTEGER NOT NULL,
        mo_prefixes            TEXT NOT NULL,     -- JSON array of digit strings
        dlr_over_smpp          INTEGER NOT NULL,
        created_at             INTEGER NOT NULL,  -- epoch ms
        updated_at             INTEGER NOT NULL   -- epoch ms
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: 'MO owed to clients',
    // Like client_receipts, an outbox: a row per MO accepted from a carrier for an account,
    // deleted once the client acknowledged it. The sender's number and the body are in
    // `content`, sealed like messages.content (associated data: the MO id).
    up: `
      CREATE TABLE client_mo (
        seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
        id                  TEXT NOT NULL UNIQUE,  -- our id for the MO, for logs and as AAD
        account             TEXT NOT NULL,         -- the account owning the destination number
        carrier             TEXT NOT NULL,         -- where it came from
        content             BLOB NOT NULL,         -- sealed MessageContent: addresses and body
        received_at         INTEGER NOT NULL       -- epoch ms, when it became durable
      ) STRICT;
      CREATE INDEX client_mo_by_account ON client_mo (account, seq);
      CREATE INDEX client_mo_age ON client_mo (received_at);
    `,
  },
  {
    version: 4,
    description: 'the carrier parts of a long message',
    // A message a carrier took in several submit_sm (split for its alphabet and size) has a
    // row per part: each part has its own carrier id and its own receipt. The message keeps
    // carrier_key NULL and is final once every part is DELIVERED, or at the first part that
    // is not (one receipt to the client, whatever the carrier sent).
    up: `
      ALTER TABLE messages ADD COLUMN parts INTEGER NOT NULL DEFAULT 1;
      CREATE TABLE message_parts (
        message_id          TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        n                   INTEGER NOT NULL,     -- 1..parts, in the order they were sent
        carrier             TEXT NOT NULL,
        carrier_message_id  TEXT NOT NULL,
        carrier_key         TEXT NOT NULL,        -- normalised like messages.carrier_key
        state               TEXT,                 -- the part's final state, once its receipt came
        PRIMARY KEY (message_id, n)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX message_parts_by_carrier_key ON message_parts (carrier, carrier_key);
    `,
  },
  {
    version: 5,
    description: 'the parts of a concatenated MO waiting for their siblings',
    // A part of a long MO waits here until every part of its message came (then ONE MO goes
    // to client_mo and the parts go), or until moReassembly.timeoutMs passed. The group key
    // says which parts belong together without naming the numbers: an HMAC under the
    // mo-parts key of the carrier, the sender, our number, the concatenation form and its
    // reference. The part is sealed like client_mo.content (associated data: group key and
    // part number, so a part cannot be moved to another message or position).
    up: `
      CREATE TABLE mo_parts (
        group_key           TEXT NOT NULL,        -- hex HMAC-SHA256: no phone number in the clear
        seq                 INTEGER NOT NULL,     -- the part's number, 1..total
        total               INTEGER NOT NULL,     -- parts of the message, as the part says
        account             TEXT NOT NULL,        -- the account owning the destination number
        carrier             TEXT NOT NULL,        -- where it came from
        content             BLOB NOT NULL,        -- sealed MessageContent of the part, as the carrier sent it
        received_at         INTEGER NOT NULL,     -- epoch ms, when it became durable
        PRIMARY KEY (group_key, seq)
      ) STRICT;
      CREATE INDEX mo_parts_age ON mo_parts (received_at);
    `,
  },
  {
    version: 6,
    description: 'virtual-number pools',
    // The numbers here are OUR pool numbers, rented from carriers to hand out as virtual
    // numbers: not subscribers', so they are stored in the clear (like accounts.mo_prefixes).
    // `carrier` is a name, not a reference: carriers live in the configuration, which may
    // change after an import; a number whose carrier is gone stays listed, not lost.
    // `state` has no CHECK: leasing adds states (leased, cooling), and SQLite cannot alter a
    // CHECK without rebuilding the table; numbers/number-pool.ts guards the transitions.
    up: `
      CREATE TABLE numbers (
        e164                TEXT PRIMARY KEY,     -- '+998712001234'
        country             TEXT NOT NULL,        -- ISO 3166-1 alpha-2, agrees with the prefix
        region              TEXT,                 -- free text, e.g. 'Tashkent'; NULL: none given
        carrier             TEXT NOT NULL,        -- hosting carrier's name in the configuration
        capabilities        TEXT NOT NULL,        -- JSON array: sms-mt, sms-mo
        reserved            INTEGER NOT NULL,     -- 1: never handed out automatically
        state               TEXT NOT NULL,        -- available, quarantined, retired
        lease_count         INTEGER NOT NULL DEFAULT 0,
        last_used_at        INTEGER,              -- epoch ms a lease last ended; NULL: never used
        created_at          INTEGER NOT NULL,     -- epoch ms
        updated_at          INTEGER NOT NULL      -- epoch ms
      ) STRICT;
      CREATE INDEX numbers_by_country ON numbers (country, region, state);
      CREATE INDEX numbers_by_carrier ON numbers (carrier, state);
    `,
  },
  {
    version: 7,
    description: 'leases, masks and proxy sessions on pool numbers',
    // The double list (PRODUCT.md): a masked party is here only as a contact id (its number is
    // in the contact store) and a blind index (HMAC of its E.164 number), never as a number.
    //
    // Who holds a pool number, enforced here rather than by the code that asks:
    // - a lease holds its number alone: one active lease per number (partial UNIQUE index);
    // - masks and session legs share numbers, but one real party has at most one active leg per
    //   number (partial UNIQUE on (number, party_index)), so a reply from R to V finds one leg;
    // - a number serves leases or relay legs, never both at once (the two triggers).
    // "Active" is ended_at IS NULL: the sweeper ends what passed expires_at, and every lookup
    // also checks expires_at, so an expired lease is never used even before the sweep.
    // A mask is one leg (kind 'mask'); a proxy session is a proxy_sessions row and two legs.
    // Each leg has an alias: the address the account uses for that party (an ordinary
    // destination_addr over SMPP) and the address the party's replies come from.
    //
    // Choosing a number walks numbers_by_last_use: the available numbers, least recently used
    // first (NULL, never used, sorts first), so a lease or a mask reads the first eligible
    // rows instead of sorting the pool (numbers/leases.ts). From this version last_used_at is
    // also stamped when a number is handed out (lease, mask, session leg), which puts the
    // numbers in use at the end of that walk.
    up: `
      ALTER TABLE numbers ADD COLUMN cooling_until INTEGER;  -- epoch ms: not handed out before
      CREATE INDEX numbers_by_last_use ON numbers (state, last_used_at, e164);

      CREATE TABLE leases (
        id                  TEXT PRIMARY KEY,
        number              TEXT NOT NULL REFERENCES numbers (e164),
        account             TEXT NOT NULL,
        reference           TEXT,                 -- the account's own reference
        created_at          INTEGER NOT NULL,     -- epoch ms
        expires_at          INTEGER NOT NULL,     -- epoch ms: the TTL's end
        message_cap         INTEGER,              -- NULL: no cap
        messages            INTEGER NOT NULL DEFAULT 0,  -- MO delivered through the lease
        ended_at            INTEGER,              -- NULL while active
        end_reason          TEXT                  -- ttl, release, cap
      ) STRICT;
      CREATE UNIQUE INDEX leases_one_active_per_number ON leases (number) WHERE ended_at IS NULL;
      CREATE INDEX leases_active_by_expiry ON leases (expires_at) WHERE ended_at IS NULL;
      CREATE INDEX leases_by_account ON leases (account, created_at);

      CREATE TABLE proxy_sessions (
        id                  TEXT PRIMARY KEY,
        account             TEXT NOT NULL,
        reference           TEXT,
        created_at          INTEGER NOT NULL,
        expires_at          INTEGER NOT NULL,
        ended_at            INTEGER,
        end_reason          TEXT                  -- ttl, closed
      ) STRICT;
      CREATE INDEX proxy_sessions_by_account ON proxy_sessions (account, created_at);

      CREATE TABLE relay_legs (
        id                  TEXT PRIMARY KEY,     -- a mask's id, or a session leg's
        kind                TEXT NOT NULL,        -- mask, session
        session_id          TEXT REFERENCES proxy_sessions (id),
        peer_leg            TEXT,                 -- session legs: the other party's leg
        account             TEXT NOT NULL,
        number              TEXT NOT NULL REFERENCES numbers (e164), -- V: the party texts it, and hears from it
        party_index         TEXT NOT NULL,        -- blind index of the real party's number
        contact_id          TEXT NOT NULL,        -- the real party, in the contact store
        alias               TEXT NOT NULL UNIQUE, -- the party's address toward the account
        reference           TEXT,
        created_at          INTEGER NOT NULL,
        expires_at          INTEGER NOT NULL,
        ended_at            INTEGER,
        end_reason          TEXT                  -- ttl, revoked, closed
      ) STRICT;
      CREATE UNIQUE INDEX relay_legs_one_active_pair ON relay_legs (number, party_index) WHERE ended_at IS NULL;
      CREATE INDEX relay_legs_by_pair ON relay_legs (number, party_index, ended_at);
      CREATE INDEX relay_legs_active_by_expiry ON relay_legs (expires_at) WHERE ended_at IS NULL;
      CREATE INDEX relay_legs_by_account ON relay_legs (account, created_at);
      CREATE INDEX relay_legs_by_contact ON relay_legs (contact_id);

      CREATE TRIGGER leases_exclude_relay_numbers BEFORE INSERT ON leases
      WHEN EXISTS (SELECT 1 FROM relay_legs WHERE number = NEW.number AND ended_at IS NULL)
      BEGIN SELECT RAISE(ABORT, 'the number serves masks or proxy sessions'); END;
      CREATE TRIGGER relay_legs_exclude_leased_numbers BEFORE INSERT ON relay_legs
      WHEN EXISTS (SELECT 1 FROM leases WHERE number = NEW.number AND ended_at IS NULL)
      BEGIN SELECT RAISE(ABORT, 'the number is leased'); END;

      -- A message to (or relayed to) a masked party: the leg whose number sends it and whose
      -- contact receives it. Its content keeps the alias; the number is looked up at dispatch.
      ALTER TABLE messages ADD COLUMN relay_leg TEXT;
    `,
  },
  {
    version: 8,
    description: 'abuse controls: the sender watchlist and MO held for review',
    // The watchlist names senders by blind index (numbers/contact-store.ts), never by number.
    // held_mo is an inbox like client_mo that nobody reads until an operator releases a row
    // (then the daemon passes it on) or drops it; its content is sealed (AAD: the id) and was
    // already rewritten for its recipient, so a masked party's number is not in it.
    up: `
      CREATE TABLE watchlist (
        party_index         TEXT PRIMARY KEY,     -- blind index of the sender's E.164 number
        note                TEXT,                 -- the operator's reason, free text
        added_at            INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE held_mo (
        seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
        id                  TEXT NOT NULL UNIQUE,
        recipient           TEXT NOT NULL,        -- as in mo_parts.account: an account, or a relay leg
        carrier             TEXT NOT NULL,
        content             BLOB NOT NULL,        -- sealed MessageContent
        reason              TEXT NOT NULL,        -- watchlist
        received_at         INTEGER NOT NULL,
        released_at         INTEGER               -- set by \`maskgate held release\`; the daemon passes it on
      ) STRICT;
      CREATE INDEX held_mo_released ON held_mo (released_at) WHERE released_at IS NOT NULL;
    `,
  },
  {
    version: 9,
    description: 'the audit trail, append-only and hash-chained',
    // obs/audit.ts: each row's hash is an HMAC (the store's audit-chain secret) over the
    // previous row's hash and this row's fields, so a row changed, removed or moved breaks the
    // chain, and nobody without the master key can recompute it. The triggers stop the
    // daemon and the CLI from changing history by mistake; `audit verify` catches the rest.
    // `detail` is JSON chosen by the caller: ids, names and counts, never a real phone number.
    up: `
      CREATE TABLE audit_log (
        seq                 INTEGER PRIMARY KEY,  -- 1, 2, 3, ... with no gaps
        at                  INTEGER NOT NULL,     -- epoch ms
        actor               TEXT NOT NULL,        -- cli:<user>, api:<token id>, smpp:<system_id>, daemon
        action              TEXT NOT NULL,        -- noun.verb, e.g. account.add, bind.refused
        subject             TEXT,                 -- what it acted on: a system_id, a token id, a lease id
        detail              TEXT NOT NULL,        -- JSON object
        prev_hash           TEXT NOT NULL,        -- hex; the first row's is 64 zeros
        hash                TEXT NOT NULL         -- hex HMAC-SHA256
      ) STRICT;
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    `,
  },
  {
    version: 10,
    description: 'HTTP API tokens',
    // A token is shown once, as mg_<id>_<secret>; only SHA-256 of the secret is kept (the
    // secret is 32 random bytes, so a slow hash adds nothing). Admin tokens also carry a
    // TOTP secret, sealed under the routing-bodies key (AAD: the token id), and the newest
    // TOTP time step used: an older code is refused once a newer one was used.
    up: `
      CREATE TABLE api_tokens (
        id                  TEXT PRIMARY KEY,
        name                TEXT NOT NULL,
        role                TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'client', 'auditor')),
        account             TEXT,                 -- the client role's account (system_id)
        secret_hash         BLOB NOT NULL,        -- SHA-256 of the secret part
        totp_secret         BLOB,                 -- sealed; admin tokens only
        totp_last_step      INTEGER,
        created_at          INTEGER NOT NULL,
        expires_at          INTEGER,
        revoked_at          INTEGER,
        last_used_at        INTEGER,
        CHECK ((role = 'client') = (account IS NOT NULL)),
        CHECK ((role = 'admin') = (totp_secret IS NOT NULL))
      ) STRICT;
    `,
  },
  {
    version: 11,
    description: 'webhooks: each account\'s endpoint, and the durable outbox',
    // api/webhooks: an event (an MO to a lease, mask or session; an expiry; a DLR) becomes
    // an outbox row in the same commit as what caused it, and a sender delivers rows with
    // retries and backoff until `dead_at` (the retry window) dead-letters them. The payload
    // is sealed (AAD: the id): an MO's text and a lessee's correspondent are in it. The
    // signing secret is sealed too (AAD: the system_id), since it is shown only when set.
    up: `
      ALTER TABLE accounts ADD COLUMN webhook_url TEXT;
      ALTER TABLE accounts ADD COLUMN webhook_secret BLOB;      -- sealed HMAC key
      ALTER TABLE accounts ADD COLUMN webhook_events TEXT;      -- JSON array of event types; NULL = all

      CREATE TABLE webhook_outbox (
        seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
        id                  TEXT NOT NULL UNIQUE,  -- the event id, sent in the body (idempotency)
        account             TEXT NOT NULL,
        event               TEXT NOT NULL,         -- mo, session.relayed, dlr, lease.expired, mask.expired, session.expired
        payload             BLOB NOT NULL,         -- sealed JSON body
        created_at          INTEGER NOT NULL,
        retry_from          INTEGER NOT NULL,      -- the retry window starts here: created_at, or when \`webhooks retry\` requeued it
        attempts            INTEGER NOT NULL DEFAULT 0,
        next_attempt_at     INTEGER NOT NULL,
        last_error          TEXT,                  -- HTTP status or network error, no body
        delivered_at        INTEGER,
        dead_at             INTEGER                -- dead-lettered: retries ended
      ) STRICT;
      CREATE INDEX webhook_outbox_due ON webhook_outbox (account, next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
      CREATE INDEX webhook_outbox_dead ON webhook_outbox (dead_at) WHERE dead_at IS NOT NULL;
      CREATE INDEX webhook_outbox_delivered ON webhook_outbox (delivered_at) WHERE delivered_at IS NOT NULL;
    `,
  },
  {
    version: 12,
    description: 'messages held by a content rule; retention of messages and their bodies',
    // A message a content rule holds is accepted (durable, answered with its id) but not
    // queued: queued = 0, state ACCEPTED, held_rule set, until an operator releases it
    // (held_rule cleared, queued again) or drops it: queued again WITH held_rule still set,
    // which the dispatcher's claim reads as "end it REJECTED, with a receipt if asked for"
    // (the daemon owns final states: their events, receipts and webhooks).
    //
    // Retention (store/retention.ts) replaces the sealed content of a final message by a
    // marker (messages/purged-content.ts) and stamps purged_at, then later deletes the row
    // with its attempts. The indexes let each pass read only what it may purge: final rows
    // not purged yet by done_at, purged rows by done_at, and masked messages by their leg
    // (a leg is kept while a message to it is not final; `maskgate forget` finds them).
    up: `
      ALTER TABLE messages ADD COLUMN held_rule TEXT;
      ALTER TABLE messages ADD COLUMN purged_at INTEGER;  -- epoch ms the content was purged
      CREATE INDEX messages_held ON messages (submitted_at) WHERE held_rule IS NOT NULL;
      CREATE INDEX messages_final_unpurged ON messages (done_at) WHERE done_at IS NOT NULL AND purged_at IS NULL;
      CREATE INDEX messages_final_purged ON messages (done_at) WHERE purged_at IS NOT NULL;
      CREATE INDEX messages_by_relay_leg ON messages (relay_leg) WHERE relay_leg IS NOT NULL;
    `,
  },
];
