/**
 * The state of a lease, mask or session as the CLI shows it. The store only knows ended or
 * not; a holder past its TTL that the daemon's sweeper has not ended yet is already unused
 * (every lookup checks the expiry), so it is shown as expired rather than active.
 */
import type { Command } from 'commander';
import { printResult, type OutputOptions } from './output.js';
import { isoTime } from './table.js';

/** active: in force; expired: past its TTL, awaiting the sweeper; ended: by its end reason. */
export type HolderState = 'active' | 'expired' | 'ended';

interface Holder {
  expiresAt: number;
  endedAt: number | null;
  endReason: string | null;
}

/** A holder as listings and --json print it: the store's record and its state now. */
export type Shown<T> = T & { state: HolderState };

export function withState<T extends Holder>(holder: T, now = Date.now()): Shown<T> {
  const state: HolderState = holder.endedAt !== null ? 'ended' : holder.expiresAt <= now ? 'expired' : 'active';
  return { ...holder, state };
}

/** One word and its reason, for a table cell: `active`, `expired`, `ended (ttl)`. */
export const stateCell = (h: Shown<Holder>): string => (h.state === 'ended' ? `ended (${h.endReason ?? 'ttl'})` : h.state);

/** The state in a sentence, for a `show`. */
export function stateLine(h: Shown<Holder>): string {
  if (h.state === 'ended') return `ended (${h.endReason ?? 'ttl'}) at ${isoTime(h.endedAt)}`;
  return h.state === 'expired' ? 'expired (no longer used; the daemon ends it at its next sweep)' : 'active';
}

/**
 * `<noun> list [--account A] [--active]` and `<noun> show <id>`: the same two read commands
 * for leases, masks and sessions, each reading through its own store opener.
 */
export function addListAndShow<T extends Holder>(
  group: Command,
  o: {
    /** e.g. 'leases': in descriptions. */
    plural: string;
    list: (filter: { account?: string; active: boolean }) => T[];
    require: (id: string) => T;
    render: (holder: Shown<T>) => string;
    renderList: (holders: Shown<T>[], filtered: boolean) => string;
    json: () => OutputOptions;
  },
): void {
  group
    .command('list')
    .description(`list ${o.plural}, newest first`)
    .option('--account <system_id>', `only this account's ${o.plural}`)
    .option('--active', `only ${o.plural} in force (not ended, not past their TTL)`, false)
    .action((opts: { account?: string; active: boolean }) => {
      const now = Date.now();
      const listed = o
        .list({ account: opts.account, active: opts.active })
        .map((h) => withState(h, now))
        .filter((h) => !opts.active || h.state === 'active');
      printResult(listed, o.json(), () => o.renderList(listed, opts.account !== undefined || opts.active));
    });
  group
    .command('show <id>')
    .description(`show one of the ${o.plural}`)
    .action((id: string) => {
      const holder = withState(o.require(id));
      printResult(holder, o.json(), () => o.render(holder));
    });
}
