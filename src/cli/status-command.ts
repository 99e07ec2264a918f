/**
 * `maskgate status`: the gateway at a glance. Binds per carrier, client sessions and rates
 * come from the snapshot the running daemon publishes in the routing store every couple of
 * seconds (obs/status-snapshot.ts); queue depths are counted in the store itself
 * (messages/queue-depths.ts), so they show with the daemon stopped too. A table on a
 * terminal; JSON (one line) when the output goes to a pipe or a file, or with --json.
 */
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/loader.js';
import { queueDepths, type QueueDepths } from '../messages/queue-depths.js';
import type { RecentError } from '../obs/recent-errors.js';
import { readStatusSnapshot, type CarrierSnapshot, type SnapshotReading, type StatusSnapshot } from '../obs/status-snapshot.js';
import { openRoutingStore } from '../store/routing-store.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { isoTime, renderTable } from './table.js';

type DaemonState = 'running' | 'stale' | 'stopped' | 'not running';

export interface StatusReport {
  daemon: { state: DaemonState; snapshotAt: number | null; ageMs: number | null; startedAt: number | null; stoppedAt: number | null; pid: number | null; host: string | null };
  carriers: CarrierSnapshot[];
  clientSessions: number | null;
  rates: StatusSnapshot['rates'] | null;
  queues: QueueDepths;
  errors: RecentError[];
}

function report(config: LoadedConfig, reading: SnapshotReading, queues: QueueDepths): StatusReport {
  const snapshot = reading.kind === 'none' ? undefined : reading.snapshot;
  const state: DaemonState = reading.kind === 'none' ? 'not running' : reading.kind;
  // A stopped daemon holds no bind: its last snapshot's would mislead.
  const live = reading.kind === 'running' || reading.kind === 'stale';
  const down = (c: LoadedConfig['carriers'][number]): CarrierSnapshot => {
    const modes = c.bindMode === 'transceiver' ? ['transceiver'] : ['transmitter', 'receiver'];
    const binds = Array.from({ length: c.binds }, () => modes).flat().map((mode, i) => ({ slot: i + 1, mode, state: 'stopped', lastClose: null }));
    return { name: c.name, available: false, bindsUp: 0, binds, queued: 0, inFlight: 0, rate: 0, configuredRate: c.throughputMsgPerSec };
  };
  return {
    daemon: {
      state,
      snapshotAt: snapshot?.at ?? null,
      ageMs: reading.kind === 'running' || reading.kind === 'stale' ? reading.ageMs : null,
      startedAt: snapshot?.startedAt ?? null,
      stoppedAt: snapshot?.stoppedAt ?? null,
      pid: snapshot?.pid ?? null,
      host: snapshot?.host ?? null,
    },
    carriers: live ? snapshot!.carriers : config.carriers.map(down),
    clientSessions: live ? snapshot!.clientSessions : null,
    rates: live ? snapshot!.rates : null,
    queues,
    errors: snapshot?.errors ?? [],
  };
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

function daemonLine(d: StatusReport['daemon']): string {
  switch (d.state) {
    case 'running':
      return `running (pid ${d.pid} on ${d.host}, since ${isoTime(d.startedAt)}; snapshot ${seconds(d.ageMs!)} old)`;
    case 'stale':
      return `NOT RESPONDING: its last snapshot is from ${isoTime(d.snapshotAt)} (${seconds(d.ageMs!)} ago); it was killed or is stalled (pid ${d.pid} on ${d.host}). Figures below are from then.`;
    case 'stopped':
      return `stopped at ${isoTime(d.stoppedAt)}`;
    case 'not running':
      return 'not running: no daemon has published its status in this store (start one with `maskgate start`)';
  }
}

function carrierRows(carriers: CarrierSnapshot[]): string[][] {
  return carriers.map((c) => [
    c.name,
    c.bindsUp > 0 ? 'up' : 'down',
    `${c.bindsUp}/${c.binds.length}`,
    c.binds.map((b) => (b.state === 'bound' || b.lastClose === null ? b.state : `${b.state} (${b.lastClose})`)).join(', ') || '-',
    String(c.queued),
    String(c.inFlight),
    `${c.rate}/${c.configuredRate}`,
  ]);
}

function render(r: StatusReport): string {
  const lines = [`daemon   ${daemonLine(r.daemon)}`];
  if (r.rates) lines.push(`rates    ${r.rates.accepted} accepted, ${r.rates.sent} sent in the last ${seconds(r.rates.windowMs)}`);
  if (r.clientSessions !== null) lines.push(`clients  ${r.clientSessions} SMPP session${r.clientSessions === 1 ? '' : 's'} open`);
  lines.push('', r.carriers.length === 0 ? 'carriers: none configured' : renderTable(['CARRIER', 'STATUS', 'BINDS UP', 'BIND STATES', 'LANE', 'IN FLIGHT', 'MSG/S'], carrierRows(r.carriers)));
  const q = r.queues;
  lines.push(
    '',
    renderTable(
      ['ACCOUNT', 'QUEUED', 'RECEIPTS OWED', 'MO OWED'],
      [...q.accounts.map((a) => [a.account, String(a.queued), String(a.receiptsOwed), String(a.moOwed)]), ['(total)', String(q.total.queued), String(q.total.receiptsOwed), String(q.total.moOwed)]],
    ),
    `held     ${q.held.mt} MT by content rules, ${q.held.mo} MO from watched senders`,
    '',
  );
  if (r.errors.length === 0) lines.push('recent errors: none');
  else {
    lines.push(
      'recent errors (newest first):',
      renderTable(
        ['LAST SEEN', 'KIND', 'CODE', 'CARRIER', 'ACCOUNT', 'COUNT'],
        r.errors.map((e) => [isoTime(e.at), e.kind, e.code, e.carrier ?? '-', e.account ?? '-', String(e.count)]),
      ),
    );
  }
  return lines.join('\n');
}

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('the gateway at a glance: carrier binds, rates, queue depths and recent errors')
    .addHelpText('after', '\nA table on a terminal; one line of JSON when piped or redirected, or with --json.')
    .action(() => {
      const config = loadConfig(ctx.globals().config);
      const { db } = openRoutingStore(config);
      let shown: StatusReport;
      try {
        shown = report(config, readStatusSnapshot(db), queueDepths(db));
      } finally {
        db.close();
      }
      printResult(shown, { json: ctx.globals().json || !process.stdout.isTTY }, () => render(shown));
    });
}
