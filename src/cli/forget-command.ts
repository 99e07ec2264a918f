/**
 * `maskgate forget`: erases one real number (a party's right to be forgotten), read from
 * standard input so it stays out of shell history and `ps`, and never printed back, not
 * even in an error. What it removes is numbers/forget.ts; this command adds the audit row
 * (`number.forgotten`, counts only) in the same transaction as the routing store's changes,
 * and empties both stores' write-ahead logs afterwards.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { describeRefusedNumber, e164From } from '../numbers/e164.js';
import { forgetNumber, type ForgetReport } from '../numbers/forget.js';
import { openContactStore } from '../store/contact-store.js';
import { openRoutingStore } from '../store/routing-store.js';
import { truncateWal } from '../store/wal-truncate.js';
import { CliAudit } from './cli-audit.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { readStdinValue } from './stdin.js';

function render(r: ForgetReport, walsEmptied: boolean): string {
  const lines = [
    r.contact ? 'forgot the number: its contact is deleted' : 'the contact store did not hold the number; everything that named it is cleared',
    `masks ended: ${r.masksEnded}, sessions ended: ${r.sessionsEnded} (legs cleared: ${r.legs})`,
    `message contents purged: ${r.messagesPurged}`,
    `waiting MO deleted: ${r.moDeleted}, held MO: ${r.heldMoDeleted}, MO parts: ${r.moPartsDeleted}, webhook events: ${r.webhooksDeleted}`,
    `watchlist entry removed: ${r.watchlist ? 'yes' : 'no (none)'}`,
  ];
  if (!walsEmptied) lines.push('the stores\' write-ahead logs stayed busy and still hold old page images: run `maskgate forget` again with the same number');
  return lines.join('\n');
}

export function registerForgetCommand(program: Command, ctx: CliContext): void {
  program
    .command('forget')
    .description('erase a real number read from standard input: its contact, every mask and session of it, and what waits from it')
    .addHelpText('after', '\nGive the number on standard input (echo +998901234567 | maskgate forget): it stays out of shell history and `ps`, and is never printed.')
    .action(async () => {
      const raw = (await readStdinValue()).trim();
      if (raw === '') throw new GatewayError('USAGE', 'give the number to forget on standard input, e.g. echo +998901234567 | maskgate forget');
      if (e164From(raw) === null) throw new GatewayError('USAGE', `${describeRefusedNumber(raw)} is not a valid phone number; give + and the country code and full number, digits only`);
      const config = loadConfig(ctx.globals().config);
      const contacts = openContactStore(config);
      try {
        const { db, keyRing, auditKey } = openRoutingStore(config);
        try {
          const keyFor = keyRing.keysFor('routing-bodies').keyFor;
          const report = new CliAudit(db, auditKey).change(
            () => forgetNumber({ db, contacts: contacts.contacts, keyFor, number: raw }),
            (r) => ({ action: 'number.forgotten', detail: { ...r } }),
          );
          const walsEmptied = (await truncateWal(db)) && (await truncateWal(contacts.db));
          printResult({ ...report, walsEmptied }, { json: ctx.globals().json }, () => render(report, walsEmptied));
        } finally {
          db.close();
        }
      } finally {
        contacts.db.close();
      }
    });
}
