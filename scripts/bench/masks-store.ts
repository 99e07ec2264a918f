/**
 * The masks benchmark's store half: a realistic pool imported into the running daemon's
 * routing store, then lease requests and mask creations timed one by one, each a real
 * transaction. The stores are opened as the daemon opens them (its configuration, its key
 * file; the routing store with `syncOffLoop`, the contact store with synchronous = FULL),
 * on connections of this process, while the daemon runs on its own: what the CLI and the
 * HTTP API do. Lease requests are also timed on a connection opened as the CLI opens it
 * (synchronous = FULL, every commit fsynced), because that is what a durable request costs.
 */
import { loadConfig } from '../../src/config/loader.js';
import { LeaseBook, type LeaseRequest } from '../../src/numbers/leases.js';
import { NumberPool } from '../../src/numbers/number-pool.js';
import { RelayBook, type MaskView } from '../../src/numbers/relays.js';
import { openContactStore } from '../../src/store/contact-store.js';
import { openRoutingStore } from '../../src/store/routing-store.js';
import { testNumber } from '../../test/helpers/esme.js';
import { perSecond } from './stats.js';

const HOUR_MS = 3_600_000;

export interface StoreFigures {
  poolNumbers: number;
  importSeconds: number;
  leaseRequests: number;
  leaseRequestsPerS: number;
  leaseRequestsFsyncPerS: number;
  maskCreates: number;
  maskCreatesPerS: number;
  /** The masks made, for the masked relay. */
  masks: MaskView[];
}

/** `count` pool numbers, +998 71 2nn nnnn (Tashkent), hosted by `carrier`, able to send and receive. */
export function poolCsv(count: number, carrier: string): string {
  const rows = Array.from({ length: count }, (_, i) => `+998712${String(i).padStart(6, '0')},UZ,Tashkent,${carrier},sms-mt;sms-mo`);
  return ['e164,country,region,carrier,capabilities', ...rows].join('\n');
}

/** The preferences of the i-th lease request: none, a country, a region, a carrier, in turn. */
function leaseRequest(account: string, carrier: string, i: number): LeaseRequest {
  const base = { account, ttlMs: HOUR_MS, reference: `bench-${i}` };
  switch (i % 4) {
    case 0:
      return base;
    case 1:
      return { ...base, country: 'UZ' };
    case 2:
      return { ...base, region: 'Tashkent' };
    default:
      return { ...base, carrier };
  }
}

function timed(count: number, each: (i: number) => void): number {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) each(i);
  return perSecond(count, performance.now() - t0);
}

export function benchStores(opts: { configFile: string; account: string; carrier: string; pool: number; leases: number; masks: number; log: (line: string) => void }): StoreFigures {
  const config = loadConfig(opts.configFile);
  const routing = openRoutingStore(config, { syncOffLoop: true });
  const contacts = openContactStore(config, routing.keyRing);
  try {
    const t0 = performance.now();
    const { imported } = new NumberPool(routing.db).import(poolCsv(opts.pool, opts.carrier), { source: 'bench-pool.csv', knownCarriers: [opts.carrier] });
    const importSeconds = Number(((performance.now() - t0) / 1000).toFixed(2));
    opts.log(`pool: ${imported} numbers imported in ${importSeconds} s`);

    const leases = new LeaseBook(routing.db, config.numbers.leases);
    const leaseRequestsPerS = timed(opts.leases, (i) => leases.request(leaseRequest(opts.account, opts.carrier, i)));
    opts.log(`leases: ${opts.leases} requests, ${leaseRequestsPerS}/s`);

    // The same requests on a connection as the CLI opens it: every commit fsynced.
    const durable = openRoutingStore(config);
    let leaseRequestsFsyncPerS: number;
    const fsyncRequests = Math.max(1, Math.round(opts.leases / 4));
    try {
      const durableLeases = new LeaseBook(durable.db, config.numbers.leases);
      leaseRequestsFsyncPerS = timed(fsyncRequests, (i) => durableLeases.request(leaseRequest(opts.account, opts.carrier, opts.leases + i)));
    } finally {
      durable.db.close();
    }
    opts.log(`leases, fsynced: ${fsyncRequests} requests, ${leaseRequestsFsyncPerS}/s`);

    const relays = new RelayBook({ db: routing.db, contacts: contacts.contacts, policy: config.numbers.relays, cooldownMs: config.numbers.leases.cooldownMs });
    const masks: MaskView[] = [];
    // A new real number each time: each mask also writes a contact.
    const maskCreatesPerS = timed(opts.masks, (i) => masks.push(relays.createMask({ account: opts.account, realNumber: `+${testNumber(i)}`, ttlMs: HOUR_MS })));
    opts.log(`masks: ${opts.masks} created, ${maskCreatesPerS}/s`);

    return {
      poolNumbers: imported,
      importSeconds,
      leaseRequests: opts.leases,
      leaseRequestsPerS,
      leaseRequestsFsyncPerS,
      maskCreates: opts.masks,
      maskCreatesPerS,
      masks,
    };
  } finally {
    contacts.db.close();
    routing.db.close();
  }
}
