/**
 * A pool of virtual numbers with its lease and relay books, on real stores opened the way the
 * CLI and the daemon open them (a temporary configuration, its key file, a routing store and
 * a contact store file): what the tests of leases, masks and sessions start from. The books
 * read the test's clock (`clock.now`), so TTLs and cooldowns pass without sleeping.
 */
import type { ExecutionContext } from 'ava';
import { AccountStore } from '../../src/accounts/account-store.js';
import { loadConfig, type LoadedConfig } from '../../src/config/loader.js';
import { LeaseBook, type LeasePolicy } from '../../src/numbers/leases.js';
import { NumberPool } from '../../src/numbers/number-pool.js';
import { RelayBook, type RelayPolicy } from '../../src/numbers/relays.js';
import { openContactStore } from '../../src/store/contact-store.js';
import { openRoutingStore } from '../../src/store/routing-store.js';
import type { tempFiles } from './temp-files.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** Generated pool numbers +998 71 24n nnnn (a UZ landline range libphonenumber holds valid). */
export const poolNumber = (n: number) => `+9987124${String(n).padStart(5, '0')}`;

/** A pool CSV row; unset columns take UZ, Tashkent, uz-alpha, both capabilities, not reserved. */
export interface PoolRow {
  e164: string;
  country?: string;
  region?: string;
  carrier?: string;
  capabilities?: string;
  reserved?: boolean;
}

export function poolCsv(rows: readonly (string | PoolRow)[]): string {
  const line = (r: PoolRow) => [r.e164, r.country ?? 'UZ', r.region ?? 'Tashkent', r.carrier ?? 'uz-alpha', r.capabilities ?? '', r.reserved ? 'yes' : 'no'].join(',');
  return ['e164,country,region,carrier,capabilities,reserved', ...rows.map((r) => line(typeof r === 'string' ? { e164: r } : r))].join('\n');
}

export interface BooksOptions {
  leases?: Partial<LeasePolicy>;
  relays?: Partial<RelayPolicy>;
}

let configs = 0;

/**
 * A configuration file of its own stores and key file in `files.dir`, with these number
 * policies; no carriers (the books never connect), the two the pool CSVs name being unknown
 * is only a warning at import.
 */
export function numbersConfig(files: ReturnType<typeof tempFiles>, opts: BooksOptions = {}): string {
  const n = configs++;
  return files.write(
    [
      'keys:',
      `  masterKeyFile: ./master-${n}.key`,
      '  createIfMissing: true',
      'stores:',
      '  routing:',
      `    path: ./routing-${n}.db`,
      '  contacts:',
      `    path: ./contacts-${n}.db`,
      'http:',
      '  enabled: false',
      `numbers: ${JSON.stringify({ leases: opts.leases, relays: opts.relays })}`, // JSON is YAML too
      '',
    ].join('\n'),
    `numbers-${n}.yaml`,
  );
}

/** Adds accounts to a routing store through the account store (a real, hashed password). */
export async function addAccounts(db: ConstructorParameters<typeof AccountStore>[0], config: LoadedConfig, names: readonly string[]): Promise<void> {
  const accounts = new AccountStore(db, config.accountDefaults);
  for (const name of names) await accounts.add(name, 'pw123');
}

/**
 * Opens the stores of a new configuration, imports the pool and adds the accounts; closes
 * everything when the test ends.
 */
export async function openBooks(t: ExecutionContext, files: ReturnType<typeof tempFiles>, opts: BooksOptions & { pool: readonly (string | PoolRow)[]; accounts?: readonly string[] }) {
  const file = numbersConfig(files, opts);
  const config = loadConfig(file);
  const routing = openRoutingStore(config);
  const contactStore = openContactStore(config);
  t.teardown(() => {
    routing.db.close();
    contactStore.db.close();
  });
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  const db = routing.db;
  const pool = new NumberPool(db, now);
  if (opts.pool.length > 0) pool.import(poolCsv(opts.pool), { source: 'pool.csv', knownCarriers: [] });
  await addAccounts(db, config, opts.accounts ?? ['acme']);
  const leases = new LeaseBook(db, config.numbers.leases, now);
  const relays = new RelayBook({ db, contacts: contactStore.contacts, policy: config.numbers.relays, cooldownMs: config.numbers.leases.cooldownMs, now });
  return { file, config, db, contacts: contactStore.contacts, contactsDb: contactStore.db, pool, leases, relays, clock };
}
