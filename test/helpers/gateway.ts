/**
 * A whole carrier side for tests: simulator instances as carriers, a configuration file
 * naming them, and the real gateway (store on disk, keys, routing, binds, dispatcher).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ExecutionContext } from 'ava';
import { loadConfig, type LoadedConfig } from '../../src/config/loader.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/main.js';
import type { BehaviourInput } from '../../src/config/simulator-schema.js';
import type { MessageState } from '../../src/messages/types.js';
import { startSimulator, type Simulator } from '../../simulators/smsc.js';
import { quietLogger } from './esme.js';
import { tempFiles } from './temp-files.js';

export const CARRIER_PASSWORD_ENV = 'MASKGATE_TEST_CARRIER_PW';
export const MASTER_KEY_ENV = 'MASKGATE_TEST_MASTER_KEY';
process.env[CARRIER_PASSWORD_ENV] = 'gwpass';

export interface TestCarrier {
  name: string;
  behaviour?: BehaviourInput;
  /** Carrier fields of the configuration (binds, window, throughputMsgPerSec, dlrIdFormat …). */
  profile?: Record<string, unknown>;
}

export interface TestGateway {
  gateway: Gateway;
  sims: Map<string, Simulator>;
  config: LoadedConfig;
  configFile: string;
  /** Resolves with the final state of each id, once all are final. */
  finals(ids: readonly string[]): Promise<Map<string, MessageState>>;
}

export function gatewayFiles(prefix: string) {
  return tempFiles(prefix);
}

export async function startTestGateway(
  t: ExecutionContext,
  files: ReturnType<typeof tempFiles>,
  opts: { carriers: TestCarrier[]; routes?: unknown[]; gateway?: GatewayOptions; masterKey?: string; storeName?: string },
): Promise<TestGateway> {
  const sims = new Map<string, Simulator>();
  for (const c of opts.carriers) {
    const sim = await startSimulator({ name: c.name, port: 0, accounts: [{ systemId: 'gw', password: 'gwpass' }], behaviour: c.behaviour ?? {} });
    t.teardown(() => sim.close());
    sims.set(c.name, sim);
  }
  process.env[MASTER_KEY_ENV] = opts.masterKey ?? randomBytes(32).toString('base64');
  // Each gateway its own stores: tests of one file share the directory, not their keys.
  const storeName = opts.storeName ?? randomBytes(4).toString('hex');
  const file = files.write(
    stringify({
      carriers: opts.carriers.map((c) => ({
        name: c.name,
        host: '127.0.0.1',
        port: sims.get(c.name)!.port,
        systemId: 'gw',
        passwordEnv: CARRIER_PASSWORD_ENV,
        binds: 1,
        window: 10,
        throughputMsgPerSec: 2_000,
        responseTimeoutMs: 5_000,
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
        ...c.profile,
      })),
      routes: opts.routes ?? [{ name: 'all', failover: opts.carriers.map((c) => c.name) }],
      stores: { routing: { path: path.join(files.dir, `${storeName}.db`) }, contacts: { path: path.join(files.dir, `${storeName}-contacts.db`) } },
      keys: { masterKeyEnv: MASTER_KEY_ENV },
    }),
  );
  const config = loadConfig(file);
  const gateway = await startGateway(config, quietLogger, { idlePollMs: 20, retry: { baseMs: 50, maxMs: 500, throttleMs: 20 }, ...opts.gateway });
  t.teardown(() => gateway.stop());
  return {
    gateway,
    sims,
    config,
    configFile: file,
    finals: (ids) =>
      new Promise((resolve) => {
        const done = new Map<string, MessageState>();
        const wanted = new Set(ids);
        const check = () => {
          if (done.size === wanted.size) {
            gateway.store.events.off('final', onFinal);
            resolve(done);
          }
        };
        const onFinal = (id: string, state: MessageState) => {
          if (wanted.has(id)) done.set(id, state);
          check();
        };
        gateway.store.events.on('final', onFinal);
        for (const id of ids) {
          const s = gateway.status(id);
          if (s?.doneAt) done.set(id, s.state);
        }
        check();
      }),
  };
}

/** Resolves once the named carrier has at least one bound transmitter. */
export async function carrierUp(gw: Gateway, carrier: string): Promise<void> {
  while (!gw.carriers.isAvailable(carrier)) await new Promise((r) => setTimeout(r, 10));
}
