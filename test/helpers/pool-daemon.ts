/**
 * The daemon with a pool of virtual numbers and a bound client: what tests of leases, masks,
 * sessions and abuse controls start from. Pool numbers are +998 71 230 nnnn, hosted by the
 * test carrier 'alpha', able to send and receive.
 */
import type { ExecutionContext } from 'ava';
import { NumberPool } from '../../src/numbers/number-pool.js';
import type { Simulator } from '../../simulators/smsc.js';
import { CLIENT, startTestDaemon, until } from './daemon.js';
import { bindEsme } from './esme.js';
import type { tempFiles } from './temp-files.js';

/** `count` pool numbers from +99871230{from}. */
export function poolNumbers(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `+99871230${String(from + i).padStart(4, '0')}`);
}

/** An E.164 number as SMPP addresses carry it: digits, no '+'. */
export const digits = (e164: string) => (e164.startsWith('+') ? e164.slice(1) : e164);

export async function startPoolDaemon(t: ExecutionContext, files: ReturnType<typeof tempFiles>, opts: { name: string; pool: string[]; numbers?: Record<string, unknown>; http?: Record<string, unknown>; webhooks?: Record<string, unknown> }) {
  const { daemon, sim, config, file } = await startTestDaemon(t, files, { name: opts.name, numbers: opts.numbers, http: opts.http, webhooks: opts.webhooks });
  const csv = ['e164,country,carrier,capabilities', ...opts.pool.map((n) => `${n},UZ,alpha,sms-mt;sms-mo`)].join('\n');
  new NumberPool(daemon.gateway.db).import(csv, { source: 'pool.csv', knownCarriers: ['alpha'] });
  const client = await bindEsme({ port: daemon.listener.port, ...CLIENT, mode: 'transceiver' });
  t.teardown(() => client.close());
  return { daemon, sim, client, gateway: daemon.gateway, config, file };
}

/** The MT the carrier received with this text (Latin-1), once it came. */
export async function carrierGot(sim: Simulator, body: string) {
  const hex = Buffer.from(body, 'latin1').toString('hex');
  let found: ReturnType<Simulator['messages']['list']>[number] | undefined;
  await until(() => (found = sim.messages.list(10_000).find((m) => m.short_message_hex === hex)) !== undefined);
  return found!;
}
