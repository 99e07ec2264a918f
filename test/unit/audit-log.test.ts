/**
 * The audit trail on a real store file: rows recorded, listed and verified; then the file
 * edited behind maskgate's back, on a second connection as an intruder with write access
 * would (dropping the append-only triggers first), and each edit named by `verify` with its
 * kind and row. Also the configuration hash that records `config.loaded` / `config.changed`.
 */
import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../../src/config/loader.js';
import { AuditLog } from '../../src/obs/audit.js';
import { auditConfigLoad, configHash } from '../../src/obs/config-audit.js';
import { RecentErrors } from '../../src/obs/recent-errors.js';
import { openDatabase } from '../../src/store/database.js';
import { ROUTING_MIGRATIONS } from '../../src/store/routing-schema.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('audit-log');
let stores = 0;

/** A routing store file with five audit rows, one a minute from t=1000. */
function trail(t: ExecutionContext) {
  const file = path.join(files.dir, `routing-${stores++}.db`);
  const db = openDatabase({ path: file, name: 'routing store', migrations: ROUTING_MIGRATIONS, masterKey: randomBytes(32) });
  let now = 1_000;
  const audit = new AuditLog(db, randomBytes(32), () => now);
  const actions = ['account.add', 'lease.request', 'account.update', 'lease.release', 'mask.create'];
  for (const [i, action] of actions.entries()) {
    audit.record({ actor: 'cli:ops', action, subject: `s${i + 1}`, detail: { n: i + 1, account: 'acme' } });
    now += 60_000;
  }
  /** The intruder: another connection to the file, without the triggers that keep the trail append-only. */
  const tamper = (sql: string) => {
    const raw = new SQLite(file);
    try {
      raw.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
      raw.exec(sql);
    } finally {
      raw.close();
    }
  };
  t.teardown(() => db.close());
  return { db, audit, tamper };
}

test('recorded rows list oldest first, filter by time, noun or action, and verify intact', (t) => {
  const { audit } = trail(t);
  const all = audit.list();
  t.deepEqual(all.map((r) => r.seq), [1, 2, 3, 4, 5]);
  t.like(all[0], { actor: 'cli:ops', action: 'account.add', subject: 's1', detail: { n: 1, account: 'acme' }, prevHash: '0'.repeat(64) });
  t.is(all[1]!.prevHash, all[0]!.hash, 'each row carries the hash of the one before');
  t.deepEqual(audit.list({ action: 'lease' }).map((r) => r.action), ['lease.request', 'lease.release']);
  t.deepEqual(audit.list({ action: 'lease.release' }).map((r) => r.seq), [4]);
  t.deepEqual(audit.list({ sinceMs: 1_000 + 3 * 60_000 }).map((r) => r.seq), [4, 5]);
  t.deepEqual(audit.list({ limit: 2 }).map((r) => r.seq), [4, 5], 'the limit keeps the newest');
  t.deepEqual(audit.verify(), { ok: true, rows: 5, problems: [] });
});

test('the store refuses to change or delete a row through maskgate\'s own connection', (t) => {
  const { db, audit } = trail(t);
  t.throws(() => db.prepare("UPDATE audit_log SET actor = 'x' WHERE seq = 1").run(), { any: true, message: /append-only/ });
  t.throws(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run(), { any: true, message: /append-only/ });
  t.true(audit.verify().ok);
});

test('an edited row is found as changed, and only that row', (t) => {
  const { audit, tamper } = trail(t);
  tamper(`UPDATE audit_log SET detail = '{"account":"evil","n":3}' WHERE seq = 3`);
  const verdict = audit.verify();
  t.false(verdict.ok);
  t.deepEqual(verdict.problems.map((p) => [p.kind, p.seq]), [['changed', 3]]);
  t.regex(verdict.problems[0]!.message, /row 3 was changed/);
});

test('an edit that recomputes nothing but the actor is found too', (t) => {
  const { audit, tamper } = trail(t);
  tamper(`UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 1`);
  t.deepEqual(audit.verify().problems.map((p) => [p.kind, p.seq]), [['changed', 1]]);
});

test('a deleted row is found as missing, at the row after the gap', (t) => {
  const { audit, tamper } = trail(t);
  tamper('DELETE FROM audit_log WHERE seq = 3');
  const verdict = audit.verify();
  t.false(verdict.ok);
  t.is(verdict.rows, 4);
  t.deepEqual(verdict.problems.map((p) => [p.kind, p.seq]), [['missing', 4]]);
  t.regex(verdict.problems[0]!.message, /row 3 is missing/);
});

test('two rows swapped (their seq values exchanged) are found out of order', (t) => {
  const { audit, tamper } = trail(t);
  tamper('UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = -1;');
  const verdict = audit.verify();
  t.false(verdict.ok);
  t.is(verdict.rows, 5);
  t.deepEqual(verdict.problems[0] && [verdict.problems[0].kind, verdict.problems[0].seq], ['out-of-order', 2]);
  t.regex(verdict.problems[0]!.message, /row 2 is out of order: it was written after row 3/);
  // Every row after the first moved one is flagged: none of them follows its predecessor any more.
  t.deepEqual(verdict.problems.map((p) => p.seq), [2, 3, 4, 5]);
  t.false(verdict.problems.some((p) => p.kind === 'missing'), 'no row is missing: they were moved');
});

test('a removed tail is found as truncated, naming the last row written', (t) => {
  const { audit, tamper } = trail(t);
  tamper('DELETE FROM audit_log WHERE seq >= 4');
  const verdict = audit.verify();
  t.false(verdict.ok);
  t.deepEqual(verdict.problems.map((p) => [p.kind, p.seq]), [['truncated', 5]]);
  t.regex(verdict.problems[0]!.message, /ends at row 3, but row 5 was written/);
});

test('a row forged without the chain key is found as changed', (t) => {
  const { audit, tamper } = trail(t);
  const last = audit.list({ limit: 1 })[0]!;
  // Appended after the head, with a plausible prev_hash but a hash nobody without the key can make.
  tamper(`INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (6, 999999999, 'cli:ops', 'account.remove', 'acme', '{}', '${last.hash}', '${'ab'.repeat(32)}')`);
  const kinds = audit.verify().problems.map((p) => [p.kind, p.seq]);
  t.deepEqual(kinds, [['changed', 6]]);
});

test('config.loaded at each start with the same configuration; config.changed, with both hashes, when it differs', (t) => {
  const { audit } = trail(t);
  const first = loadConfig(files.write('http:\n  enabled: false\naccountDefaults:\n  maxBinds: 2\n'));
  const reordered = loadConfig(files.write('accountDefaults:\n  maxBinds: 2\n# same meaning, other layout\nhttp: { enabled: false }\n'));
  const changed = loadConfig(files.write('http:\n  enabled: false\naccountDefaults:\n  maxBinds: 3\n'));
  t.is(configHash(first), configHash(reordered), 'the hash is of what the file means, not its layout');
  t.regex(configHash(first), /^[0-9a-f]{64}$/);

  t.is(auditConfigLoad(audit, first).action, 'config.loaded');
  t.is(auditConfigLoad(audit, reordered).action, 'config.loaded');
  t.deepEqual(auditConfigLoad(audit, changed), { action: 'config.changed', sha256: configHash(changed) });
  const rows = audit.list({ action: 'config' });
  t.deepEqual(rows.map((r) => [r.actor, r.action]), [['daemon', 'config.loaded'], ['daemon', 'config.loaded'], ['daemon', 'config.changed']]);
  t.deepEqual(rows[2]!.detail, { sha256: configHash(changed), previous: configHash(first) });
  t.is(auditConfigLoad(audit, changed).action, 'config.loaded', 'the next start on it is no change');
  t.true(audit.verify().ok);
});

test('recent errors: a run of one error is one entry with a count; the ring keeps the newest', (t) => {
  let now = 0;
  const errors = new RecentErrors(3, () => ++now);
  errors.note({ kind: 'carrier.status', code: 'ESME_RTHROTTLED', carrier: 'alpha' }, 5);
  errors.note({ kind: 'carrier.status', code: 'ESME_RTHROTTLED', carrier: 'alpha' });
  errors.note({ kind: 'bind.refused', code: 'ESME_RINVPASWD', account: 'acme' });
  errors.note({ kind: 'carrier.timeout', code: 'no response', carrier: 'alpha' }, 0); // nothing happened
  t.deepEqual(errors.list(), [
    { kind: 'bind.refused', code: 'ESME_RINVPASWD', account: 'acme', at: 3, count: 1 },
    { kind: 'carrier.status', code: 'ESME_RTHROTTLED', carrier: 'alpha', at: 2, count: 6 },
  ]);
  errors.note({ kind: 'a', code: '1' });
  errors.note({ kind: 'b', code: '2' });
  t.deepEqual(errors.list().map((e) => e.kind), ['b', 'a', 'bind.refused'], 'bounded: the oldest went');
});
