/**
 * `maskgate messages show <id>` and `maskgate messages list [filters]`: what happened to a
 * message — its state, account, carrier, every attempt (carrier, time, outcome, status),
 * timestamps, destination country and the content rule holding it. Never its body or a full
 * number: the destination shows as its country (messages/message-read-model.ts).
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { DEFAULT_MESSAGE_LIMIT, MESSAGE_STATES, MessageReadModel, type MessageSummary, type MessageView } from '../messages/message-read-model.js';
import type { MessageState } from '../messages/types.js';
import { statusLabel } from '../smpp/status.js';
import { openRoutingStore } from '../store/routing-store.js';
import { limitOption, SINCE_HELP, sinceOption } from './audit-command.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { isoTime, renderTable } from './table.js';

function withMessages<T>(ctx: CliContext, run: (messages: MessageReadModel) => T): T {
  const config = loadConfig(ctx.globals().config);
  const { db } = openRoutingStore(config);
  try {
    return run(new MessageReadModel(db));
  } finally {
    db.close();
  }
}

const statusCell = (status: number | null) => (status === null ? '-' : statusLabel(status));

function render(m: MessageView): string {
  const lines = [
    `message      ${m.id}`,
    `account      ${m.account}`,
    `state        ${m.state}${m.errorCode !== null && m.errorCode !== 0 ? ` (error ${statusCell(m.errorCode)})` : ''}`,
    `destination  ${m.destCountry ?? 'unknown country'}${m.masked ? ' (a masked party)' : ''}`,
    `carrier      ${m.carrier ?? '-'}${m.parts > 1 ? ` (in ${m.parts} parts)` : ''}`,
    `submitted    ${isoTime(m.submittedAt)}`,
    `valid until  ${isoTime(m.validUntil)}`,
    `done         ${isoTime(m.doneAt)}`,
  ];
  if (m.queued) lines.push(`queued       next attempt at ${isoTime(m.nextAttemptAt)}`);
  if (m.heldRule !== null) lines.push(`held rule    ${m.heldRule}`);
  if (m.attempts.length === 0) lines.push('attempts     none');
  else {
    lines.push(
      'attempts:',
      renderTable(
        ['N', 'CARRIER', 'TIME', 'OUTCOME', 'STATUS'],
        m.attempts.map((a) => [String(a.n), a.carrier, isoTime(a.at), a.outcome, statusCell(a.status)]),
      ),
    );
  }
  return lines.join('\n');
}

function renderList(messages: MessageSummary[], filtered: boolean): string {
  if (messages.length === 0) return filtered ? 'no messages match these filters' : 'no messages in the store';
  return renderTable(
    ['ID', 'ACCOUNT', 'STATE', 'CARRIER', 'ATTEMPTS', 'DEST', 'SUBMITTED', 'DONE', 'ERROR', 'HELD'],
    messages.map((m) => [m.id, m.account, m.state, m.carrier ?? '-', String(m.attempts), m.destCountry ?? '-', isoTime(m.submittedAt), isoTime(m.doneAt), statusCell(m.errorCode === 0 ? null : m.errorCode), m.heldRule ?? '-']),
  );
}

/** A state in any case (`delivered` is DELIVERED). */
function stateOption(value: string): MessageState {
  const state = MESSAGE_STATES.find((s) => s === value.trim().toUpperCase());
  if (state === undefined) throw new InvalidArgumentError(`--state takes one of ${MESSAGE_STATES.join(', ')}; got ${JSON.stringify(value)}`);
  return state;
}

interface ListOptions {
  account?: string;
  state?: MessageState;
  since?: number;
  carrier?: string;
  limit?: number;
}

export function registerMessagesCommands(program: Command, ctx: CliContext): void {
  const messages = program.command('messages').description('messages (MT) accepted from clients: state, attempts and timestamps, never their content');
  const json = () => ({ json: ctx.globals().json });

  messages
    .command('show <id>')
    .description('one message: state, account, carrier, every attempt, timestamps, destination country')
    .action((id: string) => {
      const found = withMessages(ctx, (read) => read.get(id));
      if (found === undefined) throw new GatewayError('USAGE', `no message with id ${JSON.stringify(id)}; \`maskgate messages list\` shows the newest ones`);
      printResult(found, json(), () => render(found));
    });

  messages
    .command('list')
    .description(`list messages, newest first (the newest ${DEFAULT_MESSAGE_LIMIT} unless --limit says otherwise); filters combine`)
    .option('--account <system_id>', "only this account's messages")
    .option('--state <state>', `only messages in this state: ${MESSAGE_STATES.join(', ')}`, stateOption)
    .option('--since <when>', `only messages submitted since then: ${SINCE_HELP}`, sinceOption('--since'))
    .option('--carrier <name>', 'only messages an attempt sent to this carrier')
    .option('--limit <n>', `at most this many (default ${DEFAULT_MESSAGE_LIMIT})`, limitOption('--limit'))
    .action((opts: ListOptions) => {
      const listed = withMessages(ctx, (read) => read.list({ account: opts.account, state: opts.state, sinceMs: opts.since, carrier: opts.carrier, limit: opts.limit }));
      printResult(listed, json(), () => renderList(listed, Object.values(opts).some((v) => v !== undefined)));
    });
}
