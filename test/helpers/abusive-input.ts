/**
 * Bytes a hostile or broken peer sends, shared by the bad-input tests of the simulator and
 * of the gateway's client listener: both sit on the same session (src/smpp/session.ts), so
 * both owe the same answers, and one table keeps the two tests asking the same questions.
 */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const HTTP_REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

export interface FatalInput {
  what: string;
  bytes: Buffer;
  /** The sequence number the generic_nack 0x02 must carry (the header's, or 0 when it has none). */
  sequence: number;
}

/** Input after which the stream cannot be trusted: generic_nack 0x02 with `sequence`, then close. */
export const FATAL_INPUTS: readonly FatalInput[] = [
  { what: 'a command_length of 2^31', bytes: hex('80000000 00000004 00000000 00000033'), sequence: 0x33 },
  { what: 'a command_length under 16', bytes: hex('00000008 00000015 00000000 00000007'), sequence: 0 },
  { what: 'garbage bytes (an HTTP request)', bytes: HTTP_REQUEST, sequence: HTTP_REQUEST.readUInt32BE(12) },
  { what: 'a bind whose body stops mid-field (a truncated PDU)', bytes: hex('00000012 00000002 00000000 00000009 6162'), sequence: 9 },
];

/** A request with a command id SMPP 3.4 does not define: generic_nack 0x03, and the session goes on. */
export const UNKNOWN_COMMAND = { bytes: hex('00000010 00000077 00000000 00000040'), sequence: 0x40 };

/** A TLV (0x0424 message_payload) whose length runs 255 octets past the PDU's end. */
export const OVERRUNNING_TLV = hex('0424 00ff 41');

/** Half a header: the peer vanishes before a PDU can even be framed. */
export const HALF_HEADER = hex('0000');

/** A header promising 100 octets followed by only 4 of them: a PDU that never completes. */
export const STALLED_PDU = hex('00000064 00000004 00000000 00000021 00000000');
