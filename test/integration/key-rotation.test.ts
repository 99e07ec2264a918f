/**
 * `maskgate keys rotate` against a running daemon while a client submits and MO flow: the
 * rotation waits for the daemon to seal under the new master key, re-seals both stores, and
 * retires the old key. Afterwards every record of both stores is under the new version (read
 * from the envelope headers in SQLite), every accepted message still gets its receipt, MO
 * held across the rotation (a whole one owed to the client, half a long one) arrive, the key
 * file holds the new key alone, the daemon restarts on it, and the old key alone is refused.
 */
import test from 'ava';
import SQLite from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, resolveConfigPath } from '../../src/config/loader.js';
import { TOTP } from 'otpauth';
import { ApiTokens } from '../../src/accounts/api-tokens.js';
import { GatewayError } from '../../src/errors.js';
import { readMasterKeyFile, writeMasterKeyFile } from '../../src/keys/key-file.js';
import { generateMasterKey } from '../../src/keys/master-key.js';
import { startDaemon } from '../../src/main.js';
import type { Pdu, PduFields } from '../../src/smpp/codec.js';
import { connectAndBind } from '../../src/smpp/client.js';
import type { SmppSession } from '../../src/smpp/session.js';
import { STATUS } from '../../src/smpp/status.js';
import { openContactStore } from '../../src/store/contact-store.js';
import type { RotationReport } from '../../src/store/key-rotation.js';
import { moParts } from '../../simulators/mo-text.js';
import { maskgate } from '../helpers/cli.js';
import { CLIENT, startTestDaemon, until, writeDaemonConfig } from '../helpers/daemon.js';
import { quietLogger, testNumber } from '../helpers/esme.js';
import { bindLedgerClient, ClientLedger, receiptSms, submitContinuously } from '../helpers/receipt-client.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('key-rotation');
const OURS = '998712000100';
const MO_PREFIX = '99871200';
const DELIVERED = 2;

/** A whole MO to our number, as the carrier sends it. */
const mo = (text: string): PduFields => ({ source_addr_ton: 1, source_addr_npi: 1, source_addr: testNumber(), dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: OURS, short_message: Buffer.from(text) });

/** The key versions found in the envelope headers (bytes 2–5) of one sealed column. */
function versionsIn(db: SQLite.Database, table: string, column: string, where = '1'): number[] {
  return (db.prepare(`SELECT DISTINCT substr(${column}, 2, 4) AS v FROM ${table} WHERE ${where}`).all() as { v: Buffer }[]).map((r) => r.v.readUInt32BE(0)).sort();
}

/** The client's receiver: receipts into the ledger, every other deliver_sm into `mos`. */
function bindReceiver(port: number, ledger: ClientLedger, mos: Pdu[]): Promise<SmppSession> {
  return connectAndBind({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 5_000,
    mode: 'receiver',
    credentials: { system_id: CLIENT.systemId, password: CLIENT.password },
    session: { windowSize: 100, responseTimeoutMs: 10_000, maxPduBytes: 65_536, logger: quietLogger },
    onRequest: (pdu, session) => {
      if (pdu.command !== 'deliver_sm') return;
      session.respond(pdu, { message_id: '' });
      if ((Number(pdu.esm_class) & 0x3c) === 0x04) ledger.receipt(String(pdu.receipted_message_id), { phase: 'after', state: Number(pdu.message_state) });
      else mos.push(pdu);
    },
  });
}

test.serial('keys rotate under traffic re-seals both stores, retires the old key, and the daemon restarts on the new one only', async (t) => {
  const { daemon, sim, config } = await startTestDaemon(t, files, { name: 'rotate', behaviour: { dlr: { delayMs: { min: 0, max: 50 } } } });
  daemon.accounts.update(CLIENT.systemId, { moPrefixes: [MO_PREFIX] });
  const keyFile = path.join(files.dir, 'rotate.key');
  const configFile = path.join(files.dir, 'rotate.yaml');
  const oldKeyFile = readFileSync(keyFile, 'utf8');

  // Contacts, added by a second process's connection as a CLI command would (with its own,
  // soon stale, copy of the key file).
  const stale = openContactStore(config);
  t.teardown(() => stale.db.close());
  const contactIds = Array.from({ length: 20 }, (_, i) => stale.contacts.contactFor(testNumber(1000 + i)));

  // MO held across the rotation: a whole one owed to the client (no receiver is bound yet)
  // and the first half of a long one.
  const longText = `Across a rotation: ${'every word must come back, '.repeat(6)}end`;
  const handset = mo('');
  const longParts = moParts(longText, 'udh8', 42).map((p) => ({ ...handset, ...p }));
  t.is(longParts.length, 2);
  await sim.injectMoPdu(longParts[0]!);
  await sim.injectMoPdu(mo('before the rotation'));

  // Submits with receipts (owed to the receiver bound later), and MO, for the whole rotation.
  const ledger = new ClientLedger();
  const submitter = await bindLedgerClient({ port: daemon.listener.port, ...CLIENT, ledger, phase: 'during', mode: 'transmitter' });
  t.teardown(() => submitter.destroy('local'));
  const load = submitContinuously(submitter, ledger, { outstanding: 10 });
  let moSent = 1;
  let moFlowing = true;
  const moLoad = (async () => {
    while (moFlowing) {
      await sim.injectMoPdu(mo(`during ${moSent}`));
      moSent++;
    }
  })();
  await ledger.when(() => ledger.accepted.size >= 200);

  const acceptedBefore = ledger.accepted.size;
  const rotated = await maskgate('--config', configFile, '--json', 'keys', 'rotate', '--batch', '50');
  const acceptedDuring = ledger.accepted.size - acceptedBefore;
  t.is(rotated.status, 0, rotated.stderr);
  const report = JSON.parse(rotated.stdout) as RotationReport;
  t.like(report, { version: 2, retired: [1], resumed: false, daemon: true });
  t.true(report.resealed['routing store']!.messages! > 0);
  t.true(report.resealed['routing store']!.client_mo! > 0);
  t.is(report.resealed['routing store']!.mo_parts, 1);
  t.is(report.resealed['routing store']!.meta, 2, 'the mo-parts and audit-chain keys');
  t.is(report.resealed['contact store']!.contacts, contactIds.length);
  t.is(report.resealed['contact store']!.meta, 1, 'the blind-index key');
  t.true(acceptedDuring > 0, 'submits were accepted while the rotation ran');

  // Traffic goes on after the old key is gone from the file.
  await ledger.when(() => ledger.accepted.size >= acceptedBefore + acceptedDuring + 100);
  moFlowing = false;
  await moLoad;
  await load.stop();

  // The old key is gone from the file; the new one is version 2.
  const keyText = readFileSync(keyFile, 'utf8');
  const oldKey = /^(?:1:)?([A-Za-z0-9+/]{43}=)$/m.exec(oldKeyFile)![1]!;
  t.false(keyText.includes(oldKey), 'the old key is gone');
  t.deepEqual(keyText.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':')[0]), ['2']);

  // Nothing in either store is sealed under version 1, and the key checks know version 2 only.
  const routing = new SQLite(path.join(files.dir, 'rotate.db'), { readonly: true });
  const contactsDb = new SQLite(path.join(files.dir, 'rotate-contacts.db'), { readonly: true });
  t.teardown(() => {
    routing.close();
    contactsDb.close();
  });
  t.deepEqual(versionsIn(routing, 'messages', 'content'), [2]);
  t.deepEqual(versionsIn(routing, 'client_mo', 'content'), [2]);
  t.deepEqual(versionsIn(routing, 'mo_parts', 'content'), [2]);
  t.deepEqual(versionsIn(routing, 'meta', 'value', "key GLOB 'secret:*'"), [2]);
  t.deepEqual(versionsIn(contactsDb, 'contacts', 'number'), [2]);
  t.deepEqual(contactsDb.prepare('SELECT DISTINCT key_version FROM contacts').pluck().all(), [2]);
  t.deepEqual(versionsIn(contactsDb, 'meta', 'value', "key GLOB 'secret:*'"), [2]);
  for (const db of [routing, contactsDb]) t.deepEqual(db.prepare("SELECT key FROM meta WHERE key GLOB 'key_check*'").pluck().all(), ['key_check:v2']);

  // A process still holding only the old key cannot write under it any more: its write fails.
  // (better-sqlite3's SqliteError is not a native Error, hence `any`.)
  t.throws(() => stale.contacts.contactFor(testNumber(5000)), { any: true, message: /sealed under a master key version below 2/ });

  // Every accepted message is readable: its receipt (addresses opened from the sealed
  // content) reaches the client, and query_sm answers it. Every MO held or sent arrives.
  const mos: Pdu[] = [];
  const receiver = await bindReceiver(daemon.listener.port, ledger, mos);
  t.teardown(() => receiver.destroy('local'));
  await ledger.when(() => ledger.missing().length === 0);
  for (const id of ledger.accepted) t.true(ledger.receipts.get(id)!.every((r) => r.state === DELIVERED), `receipt of ${id}`);
  await until(() => mos.length >= moSent);
  const texts = new Set(mos.map((p) => Buffer.from(p.short_message as Buffer).toString()));
  t.true(texts.has('before the rotation'));
  for (let n = 1; n < moSent; n++) t.true(texts.has(`during ${n}`), `MO ${n}`);
  const first = [...ledger.accepted][0]!;
  const query = await submitter.request('query_sm', { message_id: first, source_addr: '998712000001' });
  t.is(query.command_status, STATUS.ESME_ROK);
  t.is(query.message_state, DELIVERED);

  // The long MO's second half joins the first, held (and re-sealed) across the rotation: the
  // mo-parts key did not change with the master key.
  await sim.injectMoPdu(longParts[1]!);
  await until(() => mos.length >= moSent + 1);
  t.deepEqual(Buffer.from(mos.at(-1)!.short_message as Buffer), Buffer.from(longText, 'latin1'));
  await receiver.unbind();
  await submitter.unbind();

  // The daemon starts again on the rotated key file, and its contacts still open.
  await daemon.stop();
  const again = await startDaemon(config, quietLogger);
  t.teardown(() => again.stop());
  await until(() => again.gateway.carriers.isAvailable('alpha'));
  const contacts = openContactStore(config);
  t.teardown(() => contacts.db.close());
  t.is(contacts.contacts.realNumber(contactIds[0]!), `+${testNumber(1000)}`);
  t.is(contacts.contacts.contactFor(testNumber(1000)), contactIds[0]!, 'the blind index did not change');
  const after = new ClientLedger();
  const client = await bindLedgerClient({ port: again.listener.port, ...CLIENT, ledger: after, phase: 'restart' });
  t.teardown(() => client.destroy('local'));
  const resp = await client.request('submit_sm', receiptSms());
  t.is(resp.command_status, STATUS.ESME_ROK);
  await after.when(() => after.receipts.has(String(resp.message_id)));
  await client.unbind();
  await again.stop();

  // With only the old key, the stores refuse to open.
  writeFileSync(keyFile, oldKeyFile);
  chmodSync(keyFile, 0o600);
  const refused = await t.throwsAsync(startDaemon(config, quietLogger), { instanceOf: GatewayError });
  t.is(refused.code, 'KEY_MISMATCH');
  t.regex(refused.message, /belongs to master key version\(s\) 2, and the keys loaded are version\(s\) 1/);
});

test.serial('with no daemon running, keys rotate finishes an interrupted rotation at once, and the next one starts anew', async (t) => {
  const { daemon, config } = await startTestDaemon(t, files, { name: 'offline' });
  // Transmitter only: the receipts wait in the store, for a receiver bound after the rotations.
  const ledger = new ClientLedger();
  const client = await bindLedgerClient({ port: daemon.listener.port, ...CLIENT, ledger, phase: 'before', mode: 'transmitter' });
  for (let i = 0; i < 5; i++) {
    const resp = await client.request('submit_sm', receiptSms());
    t.is(resp.command_status, STATUS.ESME_ROK);
    ledger.accept(String(resp.message_id));
  }
  await until(() => [...ledger.accepted].every((id) => daemon.gateway.status(id)?.state === 'DELIVERED'));
  await client.unbind();
  // An admin token: its TOTP secret is sealed too, and must open after the rotations.
  const admin = new ApiTokens(daemon.gateway.db, daemon.gateway.bodyKeys).create({ name: 'root', role: 'admin' });
  await daemon.stop();

  // Interrupted after the new key joined the key file: two versions, records under the first.
  const keyFile = path.join(files.dir, 'offline.key');
  const v1 = readMasterKeyFile(keyFile);
  writeMasterKeyFile(keyFile, new Map([...v1, [2, generateMasterKey()]]), { replace: true });
  const configFile = path.join(files.dir, 'offline.yaml');
  const resumed = await maskgate('--config', configFile, '--json', 'keys', 'rotate');
  t.is(resumed.status, 0, resumed.stderr);
  t.like(JSON.parse(resumed.stdout), { version: 2, retired: [1], resumed: true, daemon: false, resealed: { 'routing store': { messages: 5 } } });

  const next = await maskgate('--config', configFile, 'keys', 'rotate');
  t.is(next.status, 0, next.stderr);
  t.regex(next.stdout, /^rotated to master key version 3; retired version\(s\) 2$/m);
  t.regex(next.stdout, /routing store: messages 5, client_mo 0, mo_parts 0, held_mo 0, .*meta 2/);
  t.deepEqual([...readMasterKeyFile(keyFile).keys()], [3]);
  const routing = new SQLite(path.join(files.dir, 'offline.db'), { readonly: true });
  t.teardown(() => routing.close());
  t.deepEqual(versionsIn(routing, 'messages', 'content'), [3]);
  t.deepEqual(versionsIn(routing, 'api_tokens', 'totp_secret'), [3]);

  // After two rotations the daemon opens what was sealed before them: the receipts go out.
  const again = await startDaemon(config, quietLogger);
  t.teardown(() => again.stop());
  const tokens = new ApiTokens(again.gateway.db, again.gateway.bodyKeys);
  t.like(tokens.authenticate(admin.secret, new TOTP({ secret: admin.totp!.secret }).generate()), { ok: true });
  const receiver = await bindLedgerClient({ port: again.listener.port, ...CLIENT, ledger, phase: 'after', mode: 'receiver' });
  t.teardown(() => receiver.destroy('local'));
  await ledger.when(() => ledger.missing().length === 0);
  t.is(ledger.receivedIn('after').size, 5);
  await receiver.unbind();
});

test('keys rotate refuses keys from an environment variable (exit 2) and says how to move them to a file', async (t) => {
  const file = files.write(`keys:\n  masterKeyEnv: MASKGATE_ROTATE_TEST_KEY\nstores:\n  routing: { path: ./env.db }\n  contacts: { path: ./env-contacts.db }\nhttp:\n  enabled: false\n`, 'env.yaml');
  const { status, stdout, stderr } = await maskgate('--config', file, 'keys', 'rotate');
  t.is(status, 2);
  t.is(stdout, '');
  t.regex(stderr, /keys rotate works on a key file \(keys.masterKeyFile\).*environment variable MASKGATE_ROTATE_TEST_KEY.*set keys.masterKeyFile to that file/);
});

test('a second keys rotate on the same key file is refused while the first runs; a lock left by a dead process is taken over', async (t) => {
  const configFile = writeDaemonConfig(files, { name: 'locked', carrierPort: 9 }); // no daemon: the stores are made by the rotation
  const config = loadConfig(configFile);
  const lock = `${resolveConfigPath(config, config.keys.masterKeyFile!)}.rotating`;
  writeFileSync(lock, String(process.pid)); // a live process holds it
  const refused = await maskgate('--config', configFile, 'keys', 'rotate');
  t.is(refused.status, 2);
  t.regex(refused.stderr, new RegExp(`another keys rotate \\(pid ${process.pid}\\) is running on this key file`));

  writeFileSync(lock, String(spawnSync(process.execPath, ['-e', '']).pid));
  const taken = await maskgate('--config', configFile, '--json', 'keys', 'rotate');
  t.is(taken.status, 0, taken.stderr);
  t.like(JSON.parse(taken.stdout), { version: 2, daemon: false });
  t.false(existsSync(lock), 'released');
});
