/**
 * The message domain's types and the port it sends through. The domain never sees a PDU:
 * `upstream/` turns a submit_sm into a NewMessage, `carriers/` implements CarrierPort and
 * turns a carrier's receipt into a CarrierReceipt.
 */

/** Client-visible states (SMPP 3.4 §5.2.28 message_state names). */
export type MessageState = 'ACCEPTED' | 'ENROUTE' | 'DELIVERED' | 'UNDELIVERABLE' | 'EXPIRED' | 'REJECTED' | 'DELETED' | 'UNKNOWN';

export const FINAL_STATES: ReadonlySet<MessageState> = new Set(['DELIVERED', 'UNDELIVERABLE', 'EXPIRED', 'REJECTED', 'DELETED']);

export type SenderType = 'numeric' | 'alphanumeric' | 'shortcode';

/**
 * What goes to the carrier. It holds the real numbers and the body, so it is stored only
 * encrypted (store/) and kept in memory only while a message is being dispatched.
 */
export interface MessageContent {
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  protocolId: number;
  priorityFlag: number;
  dataCoding: number;
  /** Octets as received, UDH included when esm_class has UDHI. */
  shortMessage: Buffer;
  /** Optional TLVs passed through to the carrier (message_payload, sar_*), by spec name. */
  tlvs?: Record<string, number | string | Buffer>;
  /** Set when the client split a long message itself and this is one part of it (UDH or SAR). */
  partOf?: { reference: number; total: number; seq: number };
}

export interface NewMessage {
  account: string;
  content: MessageContent;
  /** registered_delivery as the client sent it (bits 0–1: receipt wanted). */
  registeredDelivery: number;
  /** Epoch ms after which the message is EXPIRED instead of sent; null = no limit given. */
  validUntil: number | null;
  /**
   * A masked message: the relay leg (numbers/relays.ts) whose party receives it from the
   * leg's pool number. The content keeps the address the account used (the alias); the real
   * number is looked up only when the message is sent.
   */
  relayLeg?: string;
  /**
   * The content rule (accounts/content-rules.ts) holding it for review: accepted and stored,
   * not dispatched until an operator releases it (`maskgate content release`).
   */
  heldRule?: string;
}

/** A carrier's answer to one submit. Every outcome but 'accepted' and 'rejected' is unknown. */
export type SubmitOutcome =
  /** Every part accepted: the carrier's ids in part order (one for a message sent whole). */
  | { kind: 'accepted'; carrierMessageIds: string[]; bind: string }
  /**
   * A message sent in parts that the carrier took only some of (the others were refused,
   * timed out, lost or never sent): it cannot be retried without repeating those.
   */
  | { kind: 'partial'; accepted: number; total: number; status: number | null; bind: string }
  /** A response with a non-zero command_status. */
  | { kind: 'rejected'; status: number; bind: string }
  /** No response in time: the carrier may or may not have the message. */
  | { kind: 'timeout'; bind: string }
  /** The bind was lost with the submit in flight: outcome unknown too. */
  | { kind: 'lost'; bind: string }
  /** No live bind could take it. Nothing was sent. */
  | { kind: 'unavailable'; reason: string };

/** A delivery receipt from a carrier, already parsed from text or TLVs. */
export interface CarrierReceipt {
  carrier: string;
  /** The carrier's id for the message, normalised (see routing/receipt-id). */
  carrierMessageId: string;
  state: MessageState;
  /** The receipt's err: field or the network_error_code, 0 when none. */
  errorCode: number;
  receivedAt: number;
}

/** What messages/ needs from the carrier side; carriers/ implements it. */
export interface CarrierPort {
  /** Sends one message through the named carrier, paced and windowed there. */
  submit(carrier: string, message: { id: string; content: MessageContent; registeredDelivery: number }): Promise<SubmitOutcome>;
  /** Whether the carrier has at least one bound transmitter-capable bind right now. */
  isAvailable(carrier: string): boolean;
}
