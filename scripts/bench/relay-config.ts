/**
 * The two temporary configuration files of the relay benchmark: one for the simulator
 * process, one for the gateway process. Both are tuned so that neither the simulated
 * carrier nor the gateway's own limits (account throughput and queue, carrier pacing and
 * windows) are what the benchmark measures: only the relay's work is.
 * Passwords are random and reach the children through environment variables, never a file.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { BehaviourInput } from '../../src/config/simulator-schema.js';

export interface Credentials {
  systemId: string;
  password: string;
}

/** Who binds where: the gateway to the simulator, the load generator to either. */
export interface RelayAccounts {
  /** The gateway's carrier binds to the simulator. */
  carrier: Credentials;
  /** The load generator, straight to the simulator (the baseline). */
  direct: Credentials;
  /** The load generator's account on the gateway (an accountSeed). */
  client: Credentials;
}

const ENV = { carrier: 'MASKGATE_RELAY_CARRIER_PW', direct: 'MASKGATE_RELAY_DIRECT_PW', client: 'MASKGATE_RELAY_CLIENT_PW' } as const;

export function newAccounts(): RelayAccounts {
  const password = () => randomBytes(4).toString('hex'); // SMPP 3.4 passwords hold at most 8 octets
  return {
    carrier: { systemId: 'relaygw', password: password() },
    direct: { systemId: 'direct', password: password() },
    client: { systemId: 'loadgen', password: password() },
  };
}

/** The environment the child processes need to read the passwords. */
export function childEnv(accounts: RelayAccounts): NodeJS.ProcessEnv {
  return { ...process.env, [ENV.carrier]: accounts.carrier.password, [ENV.direct]: accounts.direct.password, [ENV.client]: accounts.client.password };
}

const quietLogging = { level: 'warn', format: 'json' } as const;

/**
 * One simulated SMSC on a free port: receipts at once, no throughput cap, no window cap;
 * `behaviour` adds to that (the masks benchmark's subscribers answer).
 */
export function writeSimulatorConfig(dir: string, accounts: RelayAccounts, behaviour: BehaviourInput = {}): string {
  const file = path.join(dir, 'simulator.yaml');
  writeFileSync(
    file,
    stringify({
      logging: quietLogging,
      simulator: {
        instances: [
          {
            name: 'sim',
            host: '127.0.0.1',
            port: 0,
            accounts: [
              { systemId: accounts.carrier.systemId, passwordEnv: ENV.carrier },
              { systemId: accounts.direct.systemId, passwordEnv: ENV.direct },
            ],
            behaviour: { dlr: { mode: 'text+tlv', delayMs: { min: 0, max: 0 } }, throughputPerAccount: 0, window: 0, ...behaviour },
          },
        ],
      },
    }),
  );
  return file;
}

/**
 * The gateway: a client listener on a free port, one carrier (the simulator) with 2 binds,
 * stores and a fresh master key in `dir`. The client's window is the load generator's
 * window both ways: that many submits may wait for the commit before the gateway stops
 * reading, and that many receipts may be outstanding toward it. `moPrefixes`: numbers the
 * client's account owns, so that MO to them come back to it.
 */
export function writeGatewayConfig(dir: string, accounts: RelayAccounts, opts: { simulatorPort: number; window: number; messages: number; moPrefixes?: string[]; http?: boolean }): string {
  const file = path.join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    stringify({
      smpp: { tcp: { host: '127.0.0.1', port: 0 }, windowSize: opts.window },
      // Never the bottleneck: no throttling (0x58), no queue-full (0x14) whatever the run's size.
      accountDefaults: { throughputMsgPerSec: 1_000_000, maxQueued: Math.max(1_000_000, opts.messages) },
      accountSeeds: [{ systemId: accounts.client.systemId, passwordEnv: ENV.client, moPrefixes: opts.moPrefixes ?? [] }],
      carriers: [
        {
          name: 'sim',
          host: '127.0.0.1',
          port: opts.simulatorPort,
          systemId: accounts.carrier.systemId,
          passwordEnv: ENV.carrier,
          bindMode: 'transceiver',
          binds: 2,
          window: Math.max(100, opts.window),
          throughputMsgPerSec: 100_000,
        },
      ],
      routes: [{ name: 'all', failover: ['sim'] }],
      stores: { routing: { path: path.join(dir, 'routing.db') }, contacts: { path: path.join(dir, 'contacts.db') } },
      keys: { masterKeyFile: path.join(dir, 'master.key'), createIfMissing: true },
      http: opts.http ? { host: '127.0.0.1', port: 0 } : { enabled: false },
      logging: quietLogging,
    }),
  );
  return file;
}
