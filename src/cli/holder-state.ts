/**
 * The state of a lease, mask or session as the CLI shows it (numbers/holder-state.ts), in
 * listings, tables and `show`.
 */
import type { Command } from 'commander';
import { holderStateAt, type HolderState } from '../numbers/holder-state.js';
import { printResult, type OutputOptions } from './output.js';
import { isoTime } from './table.js';

export type { HolderState };

interface Holder {
  expiresAt: number;
  endedAt: number | null;
  endReason: string | null;
}

/** A holder as listings and --json print it: the store's record and its state now. */
export type Shown<T> = T & { state: HolderState };

export function withState<T extends Holder>(holder: T, now = Date.now()): Shown<T> {
  return { ...holder, state: holderStateAt(holder, now) };
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
