/**
 * The client side for tests: a real gateway with simulated carriers (gateway.ts), an
 * in-test AccountDirectory (the real one lives in accounts/), and the SMPP client listener
 * on 127.0.0.1 port 0.
 */
import type { ExecutionContext } from 'ava';
import type { Account, AccountDirectory, BindAttempt, BindDecision } from '../../src/accounts/types.js';
import type { LoadedConfig } from '../../src/config/loader.js';
import { startClientListener, type ClientListener } from '../../src/upstream/client-listener.js';
import { quietLogger } from './esme.js';
import { startTestGateway, type TestCarrier, type TestGateway } from './gateway.js';
import type { tempFiles } from './temp-files.js';

export type TestAccount = Partial<Account> & { systemId: string; password: string };

/**
 * Accounts by system_id with plain passwords: just enough of the directory's contract.
 * With `gate: n`, no decision is given until n binds wait for one, as when a real directory
 * spends its time in scrypt: binds that arrive together are decided together.
 */
export function testDirectory(accounts: TestAccount[], opts: { gate?: number } = {}): AccountDirectory & { attempts: BindAttempt[] } {
  const byId = new Map(
    accounts.map(({ password, ...a }) => [
      a.systemId,
      {
        password,
        account: {
          enabled: true,
          bindModes: ['transmitter', 'receiver', 'transceiver'],
          allowedSources: [],
          maxBinds: 4,
          throughputMsgPerSec: 1_000,
          maxQueued: 10_000,
          moPrefixes: [],
          dlrOverSmpp: true,
          ...a,
        } satisfies Account,
      },
    ]),
  );
  const attempts: BindAttempt[] = [];
  const decide = (attempt: BindAttempt): BindDecision => {
    const entry = byId.get(attempt.systemId);
    if (!entry) return { ok: false, code: 'BAD_SYSTEM_ID', reason: 'unknown system_id' };
    if (entry.password !== attempt.password) return { ok: false, code: 'BAD_PASSWORD', reason: 'wrong password' };
    const a = entry.account;
    if (!a.enabled || !a.bindModes.includes(attempt.mode)) return { ok: false, code: 'BIND_NOT_ALLOWED', reason: 'mode not allowed' };
    if (attempt.currentBinds >= a.maxBinds) return { ok: false, code: 'BIND_NOT_ALLOWED', reason: 'too many binds' };
    return { ok: true, account: a };
  };
  let waiting: (() => void)[] = [];
  return {
    attempts,
    authorizeBind(attempt) {
      attempts.push(attempt);
      const decision = decide(attempt);
      if (opts.gate === undefined) return Promise.resolve(decision);
      return new Promise((resolve) => {
        waiting.push(() => resolve(decision));
        if (waiting.length < opts.gate!) return;
        const release = waiting;
        waiting = [];
        release.forEach((r) => r());
      });
    },
    get: (systemId) => byId.get(systemId)?.account,
  };
}

export interface TestClientSide extends TestGateway {
  listener: ClientListener;
  directory: ReturnType<typeof testDirectory>;
}

export async function startClientSide(
  t: ExecutionContext,
  files: ReturnType<typeof tempFiles>,
  opts: { carriers?: TestCarrier[]; routes?: unknown[]; accounts: TestAccount[]; gate?: number; smpp?: Partial<LoadedConfig['smpp']> },
): Promise<TestClientSide> {
  const tg = await startTestGateway(t, files, { carriers: opts.carriers ?? [{ name: 'alpha' }], ...(opts.routes ? { routes: opts.routes } : {}) });
  const config: LoadedConfig = { ...tg.config, smpp: { ...tg.config.smpp, tcp: { host: '127.0.0.1', port: 0 }, ...opts.smpp } };
  const directory = testDirectory(opts.accounts, opts.gate === undefined ? {} : { gate: opts.gate });
  const listener = await startClientListener({ config, gateway: tg.gateway, directory, logger: quietLogger });
  t.teardown(() => listener.close());
  return { ...tg, listener, directory };
}
