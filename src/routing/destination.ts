/**
 * What routing needs to know about a destination address: its digits (for prefix rules)
 * and, when the numbering plan says so, its E.164 form and country (for country rules).
 * The country comes from libphonenumber-js metadata, never from a table of ours: calling
 * codes shared by several countries (+7 RU/KZ, +1 NANP) are told apart by their leading
 * digits, which only the metadata knows and keeps current.
 *
 * The type of number (SMPP 3.4 §5.2.5) decides how far the digits can be trusted:
 * - TON 1 (international), or a leading '+': the digits are country code + national
 *   number, so the country is whatever the calling code says, even for a number the
 *   metadata finds invalid (a new range, a short test number): routing by country still works.
 * - TON 0 (unknown): many clients send international numbers this way, but the digits may
 *   as well be national. They count as international only when they form a valid
 *   international number; otherwise the country is unknown rather than guessed.
 * - Any other TON (national, subscriber, abbreviated…): no country; we do not know the
 *   client's home country here.
 *
 * Nothing here logs or throws: a destination is personal data (STYLE.md §4).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

export interface Destination {
  /**
   * The address without '+', a leading '00' or separators (spaces, dashes, dots, brackets):
   * what prefix rules match. Empty when anything but digits is left (an alphanumeric address).
   */
  digits: string;
  /** The E.164 form ('+998901234567') when the metadata finds the number valid. */
  e164: string | null;
  /** ISO 3166-1 alpha-2, upper case, e.g. 'UZ'; null when unknown. */
  country: string | null;
}

const TON_UNKNOWN = 0;
const TON_INTERNATIONAL = 1;

export function parseDestination(addr: string, ton: number): Destination {
  const trimmed = addr.trim();
  const explicitInternational = ton === TON_INTERNATIONAL || trimmed.startsWith('+');
  // '00' is the international call prefix of most numbering plans: clients paste it.
  const rest = trimmed.replace(/^(\+|00)/, '').replace(/[\s\-.()]/g, '');
  const digits = /^\d+$/.test(rest) ? rest : '';
  if (digits === '' || (!explicitInternational && ton !== TON_UNKNOWN)) return { digits, e164: null, country: null };

  const parsed = parsePhoneNumberFromString(`+${digits}`);
  const valid = parsed?.isValid() ?? false;
  if (!explicitInternational && !valid) return { digits, e164: null, country: null };
  return { digits, e164: valid && parsed ? parsed.number : null, country: parsed?.country ?? null };
}
