/**
 * A PDU as Net::SMPP decoded it, received from esme.pl or smsc.pl as JSON (common.pl):
 * fields under their SMPP 3.4 names, header fields as Net::SMPP names them (`cmd`,
 * `status`, `seq`), strings as byte strings (one character per octet, NUL included), and
 * the raw body as `body_hex`, and `framing`: 'ok' when the mandatory fields and whole TLVs add
 * up to exactly the body, else what is wrong. Perl may hand a number over as a string; these readers accept both.
 */
export type PerlPdu = Record<string, unknown> & { command: string };

export function num(pdu: PerlPdu, field: string): number {
  const value = pdu[field];
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(n)) throw new Error(`${pdu.command} has no numeric ${field} (Net::SMPP decoded ${JSON.stringify(value)})`);
  return n;
}

/** A byte-string field (C-Octet String, short_message or TLV value) as its octets; undefined if absent. */
export function octets(pdu: PerlPdu, field: string): Buffer | undefined {
  const value = pdu[field];
  if (value === undefined || value === null) return undefined;
  return Buffer.from(String(value), 'latin1');
}

export function str(pdu: PerlPdu, field: string): string | undefined {
  const value = pdu[field];
  return value === undefined || value === null ? undefined : String(value);
}

export function hex(n: number, digits = 2): string {
  return `0x${n.toString(16).toUpperCase().padStart(digits, '0')}`;
}

/** Throws unless the PDU is the expected command with the expected command_status. */
export function expectStatus(pdu: PerlPdu, command: string, status: number): void {
  if (pdu.command !== command) throw new Error(`expected ${command}, got ${pdu.command} with status ${hex(num(pdu, 'status'), 8)}`);
  const got = num(pdu, 'status');
  if (got !== status) throw new Error(`${command} has command_status ${hex(got, 8)}, expected ${hex(status, 8)}`);
}
