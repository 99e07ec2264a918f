/**
 * Helpers for the carrier-side tests: a configuration pointing carriers at simulators, a
 * started CarrierLink that is drained in teardown, message content, and ways to await a
 * condition (on pool events, or on simulator state, which has no events) instead of sleeping.
 */
import type { ExecutionContext } from 'ava';
import type { EventEmitter } from 'node:events';
import { configSchema } from '../../src/config/schema.js';
import type { LoadedConfig } from '../../src/config/loader.js';
import type { MessageContent } from '../../src/messages/types.js';
import { CarrierLink } from '../../src/carriers/carrier-link.js';
import type { DeliverCallback } from '../../src/carriers/bind-pool.js';
import { quietLogger } from './esme.js';
import { content } from './routing-store.js';

export const PASSWORD_ENV = 'MASKGATE_TEST_CARRIER_PASSWORD';

type CarrierInput = Record<string, unknown>;

/** A configuration with one carrier per entry; each binds as the simulator's default account. */
export function carriersConfig(carriers: CarrierInput[], configDir = process.cwd()): LoadedConfig {
  process.env[PASSWORD_ENV] = 'secret';
  const parsed = configSchema.parse({
    carriers: carriers.map((c, i) => ({ name: `carrier-${i}`, host: '127.0.0.1', systemId: 'test', passwordEnv: PASSWORD_ENV, ...c })),
  });
  return { ...parsed, configDir };
}

/** A started link to the carrier described by `carrier`; drained (at once) in teardown. */
export function startLink(t: ExecutionContext, carrier: CarrierInput, opts: { onDeliver?: DeliverCallback; configDir?: string } = {}): CarrierLink {
  const config = carriersConfig([carrier], opts.configDir);
  const link = new CarrierLink(config.carriers[0]!, {
    configDir: config.configDir,
    maxPduBytes: config.smpp.maxPduBytes,
    logger: quietLogger,
    onDeliver: opts.onDeliver ?? ((_pdu, respond) => respond(0)),
  });
  link.start();
  t.teardown(() => link.drain(0));
  return link;
}

/** Resolves once `check()` holds, testing it now and after each `event`. */
export function when(emitter: EventEmitter, event: string, check: () => boolean): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = () => {
      if (!check()) return;
      emitter.off(event, listener);
      resolve();
    };
    emitter.on(event, listener);
  });
}

/** Resolves once `n` legs of the link are bound. */
export function boundLegs(link: CarrierLink, n: number): Promise<void> {
  return when(link.pool, 'change', () => link.pool.status().filter((b) => b.state === 'bound').length === n);
}

/** Resolves once `check()` holds, for state that emits no event (simulator counters, binds). */
export async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

let nextId = 0;

/** A submit as messages/ makes it; the client asked for no receipt unless told. */
export function message(overrides: Partial<MessageContent> = {}, registeredDelivery = 0) {
  return { id: `m${++nextId}`, content: content({ sourceAddr: '12345', sourceTon: 3, shortMessage: Buffer.from('hello'), ...overrides }), registeredDelivery };
}
