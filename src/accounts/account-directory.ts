/**
 * The bind decision over stored accounts (AccountDirectory in types.ts), as named steps in
 * a fixed order, the first refusal winning:
 *
 * 1. the remote address is locked out (lockout.ts) → BIND_NOT_ALLOWED, before any scrypt;
 * 2. unknown system_id → BAD_SYSTEM_ID; 3. wrong password → BAD_PASSWORD. scrypt runs in
 *    both cases (against a dummy hash for an unknown id), so the time a refusal takes does
 *    not tell a client which system_ids exist. These two count toward the address's lockout;
 *    right credentials clear its count, even if a later step refuses the bind;
 * 4. account disabled; 5. bind mode not allowed; 6. source address not in the allow-list;
 * 7. the account already holds maxBinds binds → BIND_NOT_ALLOWED.
 *
 * A bind always reads the row again, so `maskgate accounts` changes (made by another
 * process) apply to the next bind. `get`, asked on every submit and every receipt or MO
 * sent, keeps what it read for ACCOUNT_CACHE_MS: a change reaches live binds within that
 * time, and the hot path does not read SQLite two or three times per message.
 */
import type { AccountStore } from './account-store.js';
import { cidrContains, parseCidr, type Cidr } from './cidr.js';
import { BindLockout } from './lockout.js';
import { verifyPassword } from './password.js';
import type { Account, AccountDirectory, BindAttempt, BindDecision } from './types.js';

// A scrypt hash, with our parameters, of a random password nobody kept: verifying against
// it costs what a real check costs and never succeeds in practice.
const DUMMY_HASH = 'scrypt$16384$8$1$ueLnyh/4AwXfuev9lyxavQ==$nFTA688V/55mJsHiyVocGfUI+Bmmk+4NsmB++zY+Jbk=';

type Refusal = Extract<BindDecision, { ok: false }>;

/** How long `get` trusts what it read: short enough that an operator sees a change apply at once. */
export const ACCOUNT_CACHE_MS = 1_000;

const refuse = (code: Refusal['code'], reason: string, lockout?: Refusal['lockout']): Refusal => ({ ok: false, code, reason, ...(lockout ? { lockout } : {}) });

function sourceAllowed(account: Account, remoteAddress: string): boolean {
  if (account.allowedSources.length === 0) return true;
  // The store validated every entry, so a parse failure here means a hand-edited row: it matches nothing.
  const blocks = account.allowedSources.map(parseCidr).filter((c): c is Cidr => typeof c !== 'string');
  return blocks.some((block) => cidrContains(block, remoteAddress));
}

export class StoredAccountDirectory implements AccountDirectory {
  readonly #store: AccountStore;
  readonly #lockout: BindLockout;
  readonly #now: () => number;
  /** What `get` read and when; bounded by the number of accounts (misses are not kept). */
  readonly #recent = new Map<string, { account: Account; readAt: number }>();

  constructor(store: AccountStore, lockout: BindLockout, now: () => number = Date.now) {
    this.#store = store;
    this.#lockout = lockout;
    this.#now = now;
  }

  async authorizeBind(attempt: BindAttempt): Promise<BindDecision> {
    const { systemId, password, mode, remoteAddress, currentBinds, now } = attempt;
    if (this.#lockout.locked(remoteAddress, now)) return refuse('BIND_NOT_ALLOWED', 'address locked out after repeated failed binds', 'locked');

    const found = this.#store.credentials(systemId);
    const passwordOk = await verifyPassword(password, found?.passwordHash ?? DUMMY_HASH);
    if (found === undefined) return refuse('BAD_SYSTEM_ID', 'unknown system_id', this.#lockout.failure(remoteAddress, now) ? 'began' : undefined);
    if (!passwordOk) return refuse('BAD_PASSWORD', 'wrong password', this.#lockout.failure(remoteAddress, now) ? 'began' : undefined);
    this.#lockout.success(remoteAddress);

    const { account } = found;
    if (!account.enabled) return refuse('BIND_NOT_ALLOWED', 'account disabled');
    if (!account.bindModes.includes(mode)) return refuse('BIND_NOT_ALLOWED', `bind mode ${mode} not allowed for this account (allowed: ${account.bindModes.join(', ')})`);
    if (!sourceAllowed(account, remoteAddress)) return refuse('BIND_NOT_ALLOWED', 'source address not in the account allow-list');
    if (currentBinds >= account.maxBinds) return refuse('BIND_NOT_ALLOWED', `account already holds ${currentBinds} of ${account.maxBinds} binds`);
    return { ok: true, account };
  }

  get(systemId: string): Account | undefined {
    const now = this.#now();
    const recent = this.#recent.get(systemId);
    if (recent && now - recent.readAt < ACCOUNT_CACHE_MS) return recent.account;
    const account = this.#store.get(systemId);
    if (account) this.#recent.set(systemId, { account, readAt: now });
    else this.#recent.delete(systemId);
    return account;
  }
}
