/**
 * The E.164 form of a number given as digits with an optional leading '+' (country code
 * first), or null when libphonenumber-js does not hold it valid. One rule for every number
 * the numbers domain stores: pool numbers (number-csv.ts, after removing the separators an
 * operator's file may hold) and masked parties (contact-store.ts, which takes no separators).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

export function e164From(text: string): string | null {
  const digits = /^\+?(\d{1,15})$/.exec(text)?.[1];
  if (digits === undefined) return null;
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  return parsed?.isValid() ? parsed.number : null;
}
