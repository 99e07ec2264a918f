import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/store/database.js';
import { ROUTING_MIGRATIONS } from '../../src/store/routing-schema.js';
import { AccountStore } from '../../src/accounts/account-store.js';
import { ACCOUNT_CACHE_MS } from '../../src/accounts/account-directory.js';
import { checkWebhookUrl, WebhookSettings } from '../../src/accounts/webhook-settings.js';
import { deriveKey } from '../../src/keys/master-key.js';
import { GatewayError } from '../../src/errors.js';

const DEFAULTS = { bindModes: ['transceiver' as const], maxBinds: 2, throughputMsgPerSec: 50, maxQueued: 1000 };

async function setup() {
  const masterKey = randomBytes(32);
  const db = openDatabase({ path: ':memory:', name: 'routing store', migrations: ROUTING_MIGRATIONS, masterKey });
  const key = deriveKey(masterKey, 'routing-bodies', 1);
  const keys = { current: { version: 1, key }, keyFor: (v: number) => (v === 1 ? key : undefined) };
  const accounts = new AccountStore(db, DEFAULTS);
  await accounts.add('acme', 'pw123');
  await accounts.add('globex', 'pw456');
  const clock = { now: 0 };
  return { db, settings: new WebhookSettings(db, keys, () => clock.now), other: new WebhookSettings(db, keys), clock };
}

const usage = (t: ExecutionContext, run: () => unknown, message: RegExp) => {
  const err = t.throws(run, { instanceOf: GatewayError });
  t.is(err?.code, 'USAGE');
  t.regex(err!.message, message);
};

test('a webhook URL is absolute http(s) without credentials; anything else is refused with the fix', (t) => {
  t.is(checkWebhookUrl('https://hooks.example.com/in?x=1'), 'https://hooks.example.com/in?x=1');
  t.is(checkWebhookUrl('http://10.0.0.5:8080/hook'), 'http://10.0.0.5:8080/hook');
  usage(t, () => checkWebhookUrl('ftp://hooks.example.com/in'), /scheme must be https.*got ftp.*give one such as https:/);
  usage(t, () => checkWebhookUrl('javascript:alert(1)'), /scheme must be https/);
  usage(t, () => checkWebhookUrl('/relative/path'), /not an absolute URL/);
  usage(t, () => checkWebhookUrl('https://user:secret@hooks.example.com/'), /no user name or password/);
});

test('the first URL makes a secret, shown once and stored sealed to its account; rotation makes another', async (t) => {
  const { db, settings } = await setup();
  const first = settings.configure('acme', { url: 'https://hooks.example.com/a' });
  t.regex(first.secret!, /^whsec_/);
  t.deepEqual(first.endpoint, { url: 'https://hooks.example.com/a', events: null });
  t.is(settings.configure('acme', { url: 'https://hooks.example.com/b' }).secret, undefined, 'a new URL keeps the secret');
  t.is(settings.endpoint('acme')?.secret, first.secret);

  const stored = db.prepare<[], Buffer>("SELECT webhook_secret FROM accounts WHERE system_id = 'acme'").pluck().get()!;
  t.false(stored.toString('latin1').includes(first.secret!), 'never in the clear');
  // Sealed with the account as associated data: copied to another account, it does not open.
  db.prepare("UPDATE accounts SET webhook_url = 'https://x.example/', webhook_secret = ? WHERE system_id = 'globex'").run(stored);
  t.throws(() => settings.endpoint('globex'), { message: /failed authentication/ });

  const rotated = settings.configure('acme', { rotateSecret: true });
  t.truthy(rotated.secret);
  t.not(rotated.secret, first.secret);
});

test('events are checked; none given means all, and wants() follows a change after the cache lapses', async (t) => {
  const { settings, other, clock } = await setup();
  usage(t, () => settings.configure('acme', { events: ['mo'] }), /no webhook URL yet; give --webhook-url/);
  usage(t, () => settings.configure('nobody', { url: 'https://x.example/' }), /no account with system_id "nobody"/);
  usage(t, () => settings.configure('acme', { url: 'https://x.example/', events: ['mo', 'sms'] }), /unknown sms; the events are mo, session.relayed, dlr/);
  t.false(settings.wants('acme', 'mo'), 'no endpoint, no events');

  other.configure('acme', { url: 'https://x.example/', events: ['mo', 'lease.expired'] });
  t.false(settings.wants('acme', 'mo'), 'what was read is kept for a moment');
  clock.now += ACCOUNT_CACHE_MS;
  t.true(settings.wants('acme', 'mo'));
  t.false(settings.wants('acme', 'dlr'));

  other.configure('acme', { events: ['all'] });
  clock.now += ACCOUNT_CACHE_MS;
  t.true(settings.wants('acme', 'dlr'));

  t.true(other.remove('acme'));
  clock.now += ACCOUNT_CACHE_MS;
  t.false(settings.wants('acme', 'mo'));
  t.is(settings.endpoint('acme'), undefined);
});
