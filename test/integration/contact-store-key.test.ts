/**
 * The contact store holds the real numbers of masked parties under the master key: a daemon
 * given another key must not start (and must not quietly make a new, empty contact store
 * that would orphan every mask).
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { maskgate, maskgateWithInput } from '../helpers/cli.js';
import { writeDaemonConfig } from '../helpers/daemon.js';
import { testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('contact-store-key');

test('a daemon whose master key is not the contact store\'s refuses to start and says why', async (t) => {
  // A store made under key A: `watchlist add` opens the contact store (it needs its blind-index key).
  const first = writeDaemonConfig(files, { name: 'first', carrierPort: 1 });
  const added = await maskgateWithInput(`+${testNumber()}\n`, '--config', first, 'watchlist', 'add', '--number', '-');
  t.is(added.status, 0, added.stderr);

  // The same contact store, a new routing store, and another key.
  const second = writeDaemonConfig(files, { name: 'second', carrierPort: 1 });
  const config = parse(readFileSync(second, 'utf8')) as { stores: { contacts: { path: string } } };
  config.stores.contacts.path = path.join(files.dir, 'first-contacts.db');
  writeFileSync(second, stringify(config));
  t.is((await maskgate('--config', second, 'keys', 'init')).status, 0);

  const started = await maskgate('--config', second, 'start');
  t.is(started.status, 2, started.stdout);
  t.regex(started.stderr, /contact store .*first-contacts\.db.* different master key/);
});
