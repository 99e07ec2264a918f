/**
 * The E.164 form of a number given as digits with an optional leading '+' (country code
 * first), or null when libphonenumber-js does not hold it valid. One rule for every number
 * the numbers domain stores: pool numbers (number-csv.ts, after removing the separators an
 * operator's file may hold) and masked parties (contact-store.ts, which takes no separators).
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export function e164From(text: string): string | null {
  const digits = /^\+?(\d{1,15})$/.exec(text)?.[1];
  if (digits === undefined) return null;
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  return parsed?.isValid() ? parsed.number : null;
}

/** The country (ISO 3166-1 alpha-2) an E.164 number belongs to by its prefix, or null. */
export function countryOfE164(e164: string): string | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}

/**
 * The E.164 form of an SMPP address (a sender's, on an MO), or null. International (TON 1,
 * or a leading '+') must be valid as it stands; unknown (TON 0) is tried as international
 * first, then as a national number of `homeCountry`; national (TON 2) only as the latter.
 * `homeCountry` is the country of the pool number the MO came to: carriers that send national
 * senders are that number's carriers.
 */
export function e164FromAddress(addr: string, ton: number, homeCountry: string | null): string | null {
  const international = ton === 1 || addr.startsWith('+');
  const asIs = e164From(addr);
  if (international || (ton === 0 && asIs !== null)) return asIs;
  if ((ton !== 0 && ton !== 2) || homeCountry === null || !/^\d{1,15}$/.test(addr)) return null;
  const parsed = parsePhoneNumberFromString(addr, homeCountry as CountryCode);
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * Names a real number that was refused without quoting it (PRODUCT.md: no full number in an
 * error): its last 3 digits, only if it has more than that.
 */
export function describeRefusedNumber(raw: string): string {
  const digits = raw.replace(/\D/g, '');
  return digits.length > 3 ? `the number ending in …${digits.slice(-3)}` : 'the number given';
}

/** An E.164 number as SMPP address fields carry it: the digits, without '+'. */
export function smppDigits(e164: string): string {
  return e164.startsWith('+') ? e164.slice(1) : e164;
}
