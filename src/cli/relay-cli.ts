/**
 * What `maskgate masks` and `maskgate sessions` share: opening both stores for one command
 * (a relay's real party goes to the contact store, its leg to the routing store), and taking
 * real numbers from the operator without leaving them anywhere: from standard input, so not
 * in shell history or `ps`, and never echoed, not even in an error.
 */
import { loadConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { describeRefusedNumber, e164From } from '../numbers/e164.js';
import { RelayBook } from '../numbers/relays.js';
import { openContactStore } from '../store/contact-store.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import type { CliContext } from './program.js';
import { readStdinValue } from './stdin.js';

export const REAL_NUMBER_HELP = `
Real numbers belong to people. Give - instead of a number to read it from standard input
(one number per line, in the order of the options), so it stays out of shell history and
\`ps\`. maskgate never prints a real number, not even in an error (at most its last 3 digits):
listings show the alias and the pool number only.`;

/** Opens the stores for one command and closes them whatever happens. */
export function withRelays<T>(ctx: CliContext, run: (relays: RelayBook, audit: CliAudit) => T): T {
  const config = loadConfig(ctx.globals().config);
  const contacts = openContactStore(config);
  try {
    const { db, auditKey } = openRoutingStore(config);
    try {
      return run(new RelayBook({ db, contacts: contacts.contacts, policy: config.numbers.relays, cooldownMs: config.numbers.leases.cooldownMs }), new CliAudit(db, auditKey));
    } finally {
      db.close();
    }
  } finally {
    contacts.db.close();
  }
}

/**
 * The real numbers given to options, those given as `-` read from standard input, one line
 * each in the order of the options, checked here so that a bad one is a usage error (exit 2)
 * naming its option. Errors name options, never values.
 */
export async function realNumbers(given: readonly { flag: string; value: string | undefined }[]): Promise<string[]> {
  const missing = given.filter((g) => g.value === undefined || g.value.trim() === '');
  if (missing.length > 0) throw new GatewayError('USAGE', `give ${missing.map((m) => m.flag).join(' and ')}: a real number, or - to read it from standard input`);
  const fromStdin = given.filter((g) => g.value === '-').length;
  const lines = fromStdin === 0 ? [] : (await readStdinValue()).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length !== fromStdin) {
    throw new GatewayError('USAGE', `expected ${fromStdin} real number${fromStdin === 1 ? '' : 's'} on standard input (one per line, for ${given.filter((g) => g.value === '-').map((g) => g.flag).join(', ')}), got ${lines.length} lines`);
  }
  return given.map((g) => {
    const raw = g.value === '-' ? lines.shift()! : g.value!.trim();
    if (e164From(raw) === null) throw new GatewayError('USAGE', `${g.flag}: ${describeRefusedNumber(raw)} is not a valid phone number; give + and the country code and full number, digits only`);
    return raw;
  });
}
