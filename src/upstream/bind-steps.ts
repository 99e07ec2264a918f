/**
 * A client's bind as named steps (STYLE.md §6), each able to refuse with a status:
 *
 *   authorize       the AccountDirectory in one call: address lockout, credentials
 *                   (constant time), enabled, mode, source address, bind limit
 *   checkBindLimit  again, against the live registry, synchronously: two binds that
 *                   passed `authorize` at once must not both take the last slot
 *   register        the session joins the account's live binds (DLR delivery reads them)
 *
 * Refusals map through WIRE: BAD_SYSTEM_ID → 0x0F, BAD_PASSWORD → 0x0E, BIND_NOT_ALLOWED → 0x0D.
 */
import type { Account, AccountBindMode, AccountDirectory, BindDecision } from '../accounts/types.js';
import { WIRE } from '../smpp/status.js';

/** The live binds of every account: how many, and which can take a deliver_sm. */
export class BindRegistry<T> {
  private readonly byAccount = new Map<string, Map<T, AccountBindMode>>();

  count(systemId: string): number {
    return this.byAccount.get(systemId)?.size ?? 0;
  }

  /** Adds a bind; the returned function removes it (call it once the session closes). */
  add(systemId: string, mode: AccountBindMode, item: T): () => void {
    let binds = this.byAccount.get(systemId);
    if (!binds) this.byAccount.set(systemId, (binds = new Map()));
    binds.set(item, mode);
    return () => {
      const current = this.byAccount.get(systemId);
      if (!current?.delete(item)) return;
      // An account without binds leaves no entry behind: the map never grows with reconnects.
      if (current.size === 0) this.byAccount.delete(systemId);
    };
  }

  /** Binds that may receive deliver_sm (receiver, transceiver): where receipts go. */
  receivers(systemId: string): T[] {
    const binds = this.byAccount.get(systemId);
    if (!binds) return [];
    return [...binds].filter(([, mode]) => mode !== 'transmitter').map(([item]) => item);
  }
}

export interface BindRequest<T> {
  systemId: string;
  password: string;
  mode: AccountBindMode;
  remoteAddress: string;
  /** What joins the registry on success (the session). */
  item: T;
  /** False once the connection went away while the directory was deciding. */
  stillOpen: () => boolean;
}

export type BindResult =
  | { ok: true; account: Account; unregister: () => void }
  | { ok: false; status: number; step: string; reason: string; lockout?: 'began' | 'locked' };

function refused(step: string, decision: Extract<BindDecision, { ok: false }>): BindResult {
  return { ok: false, status: WIRE[decision.code].status, step, reason: decision.reason, ...(decision.lockout ? { lockout: decision.lockout } : {}) };
}

export async function runBindSteps<T>(req: BindRequest<T>, deps: { directory: AccountDirectory; registry: BindRegistry<T>; now: () => number }): Promise<BindResult> {
  // authorize
  const decision = await deps.directory.authorizeBind({
    systemId: req.systemId,
    password: req.password,
    mode: req.mode,
    remoteAddress: req.remoteAddress,
    currentBinds: deps.registry.count(req.systemId),
    now: deps.now(),
  });
  if (!decision.ok) return refused('authorize', decision);
  const account = decision.account;
  // checkBindLimit: from here to register nothing awaits, so no other bind interleaves.
  if (deps.registry.count(account.systemId) >= account.maxBinds) {
    return refused('checkBindLimit', { ok: false, code: 'BIND_NOT_ALLOWED', reason: `account already holds its ${account.maxBinds} binds` });
  }
  // register, unless the connection is gone: a dead session must not hold a bind slot.
  if (!req.stillOpen()) return { ok: false, status: WIRE.SESSION_CLOSED.status, step: 'register', reason: 'connection closed during the bind' };
  return { ok: true, account, unregister: deps.registry.add(account.systemId, req.mode, req.item) };
}
