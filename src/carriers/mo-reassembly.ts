/**
 * Long MO at the carrier edge: where a carrier's MO sits in a concatenated message (a UDH
 * with an 8- or 16-bit reference, or SAR TLVs) is read here with the encoding layer; its
 * parts wait in the domain's MoParts, durably, and are joined here once all came. The
 * client gets one MO per message, not its parts.
 *
 * Policy:
 * - An MO that is not a part goes to the client as the carrier sent it (MoInbox).
 * - A joined MO is the parts' user data in part order, without UDH or SAR TLVs, with the
 *   first part's addresses and data_coding; GSM text one septet per octet, as our clients
 *   exchange it (unpacked, whatever the carrier's gsmPacked). Up to 254 octets it is the
 *   short_message; longer, message_payload (SMPP 3.4 §5.3.2.32), which mo-forwarder.ts
 *   splits again for a client bound as SMPP 3.3.
 * - A part whose UDH holds more than the concatenation IE (port addressing, national
 *   language shift tables) is passed on as it came: those elements are the application's
 *   and apply to every part; a joined message could not carry them faithfully.
 * - Bad input is never lost and never throws: a part whose UDH or SAR TLVs cannot be read
 *   (a UDH longer than the message, a part number of 0 or above the total, partial SAR
 *   TLVs, an odd-length UCS2 body), whose total disagrees with its siblings', or whose
 *   siblings do not join (different alphabets), goes to the client as its own MO, as it
 *   came, and is counted; the log says why, never the numbers or the text.
 * - Parts still missing after moReassembly.timeoutMs: `sweep` delivers the parts that came,
 *   each as it came, or drops them (moReassembly.onTimeout), counted and logged.
 */
import type { CarrierTextSettings, Config } from '../config/schema.js';
import type { MoInbox } from '../messages/mo-inbox.js';
import type { MoParts, PartOutcome } from '../messages/mo-parts.js';
import type { MessageContent } from '../messages/types.js';
import type { Logger } from '../obs/logger.js';
import { describeDcs } from '../smpp/encoding/dcs.js';
import { ESM_CLASS_UDHI, readPart, type ReadPart } from '../smpp/encoding/read-part.js';
import { reassemble, type PartToJoin } from '../smpp/encoding/reassemble.js';
import type { CodecResult } from '../smpp/encoding/types.js';

/** SMPP 3.4 §5.2.21: sm_length is at most 254. */
const MAX_SHORT_MESSAGE_OCTETS = 254;
const IEI_CONCAT_8 = 0x00;
const IEI_CONCAT_16 = 0x08;

/** How a carrier's MO text reads: what data_coding 0 means there, and whether GSM comes packed. */
export type MoTextSettings = Pick<CarrierTextSettings, 'defaultAlphabet' | 'gsmPacked'>;

export interface MoReassemblyCounters {
  /** Parts held durably until their message is whole (the carrier was answered). */
  parts: number;
  /** Parts that came again: kept once. */
  duplicates: number;
  /** MO joined from all their parts: one MO owed to the client for each. */
  joined: number;
  /** MO that could not be read or joined as parts: passed on as they came. */
  unjoinable: number;
  /** Messages whose parts waited past the timeout: delivered as they came, or dropped. */
  timedOut: number;
}

/** What became of an MO from a carrier: 'whole' (not a part), 'unreadable', or a part's fate. */
export type MoTaken = 'whole' | 'unreadable' | PartOutcome;

/** The body a part carries: short_message, or message_payload when that holds it. */
function bodyOctets(content: MessageContent): Buffer {
  const payload = content.tlvs?.message_payload;
  return Buffer.isBuffer(payload) && content.shortMessage.length === 0 ? payload : content.shortMessage;
}

/** Where the MO sits in a concatenated message, and its body in its alphabet's units. */
export function readMoPart(content: MessageContent, text: MoTextSettings): CodecResult<ReadPart> {
  const tlvs = content.tlvs ?? {};
  const sar = { sar_msg_ref_num: tlvs.sar_msg_ref_num, sar_total_segments: tlvs.sar_total_segments, sar_segment_seqnum: tlvs.sar_segment_seqnum };
  const { alphabet } = describeDcs(content.dataCoding, text.defaultAlphabet);
  return readPart({ octets: bodyOctets(content), esmClass: content.esmClass, sar }, { alphabet, packed: text.gsmPacked });
}

/** A part we join: numbered, with no UDH element but its concatenation IE. */
function joinable(read: ReadPart): boolean {
  return read.concat !== undefined && read.elements.every((e) => e.iei === IEI_CONCAT_8 || e.iei === IEI_CONCAT_16);
}

/** The parts of one whole message, in part order, as one MO; undefined if they do not join. */
export function joinMoParts(parts: readonly MessageContent[], text: MoTextSettings): MessageContent | undefined {
  const toJoin: PartToJoin[] = [];
  for (const part of parts) {
    const read = readMoPart(part, text);
    if (!read.ok || !joinable(read.value)) return undefined;
    toJoin.push({ concat: read.value.concat!, body: read.value.body });
  }
  const joined = reassemble(toJoin);
  const first = parts[0];
  if (!joined.ok || !first) return undefined;
  const units = joined.value.body.octets;
  const { tlvs: _asCarried, ...fields } = first;
  const content: MessageContent = { ...fields, esmClass: first.esmClass & ~ESM_CLASS_UDHI, shortMessage: units };
  if (units.length > MAX_SHORT_MESSAGE_OCTETS) {
    content.shortMessage = Buffer.alloc(0);
    content.tlvs = { message_payload: units };
  }
  return content;
}

export class MoReassembly {
  readonly counters: MoReassemblyCounters = { parts: 0, duplicates: 0, joined: 0, unjoinable: 0, timedOut: 0 };
  private readonly log: Logger;

  constructor(
    private readonly options: {
      inbox: Pick<MoInbox, 'accept'>;
      parts: Pick<MoParts, 'add' | 'expire'>;
      /** The text settings of the carrier an MO came from. */
      textOf: (carrier: string) => MoTextSettings;
      policy: Config['moReassembly'];
      logger: Logger;
    },
  ) {
    this.log = options.logger.child({ component: 'mo-reassembly' });
  }

  /** Stores an MO, or a part of one, for the account; resolves once it is committed. */
  async take(account: string, carrier: string, content: MessageContent): Promise<MoTaken> {
    const text = this.options.textOf(carrier);
    const read = readMoPart(content, text);
    if (!read.ok) {
      this.counters.unjoinable++;
      this.log.warn('an MO part could not be read; it is passed on as it came', { carrier, systemId: account, problem: read.problem.code, why: read.problem.message });
      await this.options.inbox.accept(account, carrier, content);
      return 'unreadable';
    }
    if (!joinable(read.value)) {
      await this.options.inbox.accept(account, carrier, content);
      return 'whole';
    }
    const { form, reference, total, seq } = read.value.concat!;
    const taken = await this.options.parts.add({ account, carrier, form, reference, total, seq, content }, (parts) => joinMoParts(parts, text));
    this.count(taken.outcome, taken.owed, { carrier, systemId: account });
    return taken.outcome;
  }

  private count(outcome: PartOutcome, owed: number, where: { carrier: string; systemId: string }): void {
    switch (outcome) {
      case 'held':
        this.counters.parts++;
        return;
      case 'duplicate':
        this.counters.duplicates++;
        return;
      case 'joined':
        this.counters.parts++;
        this.counters.joined++;
        return;
      case 'unjoinable':
        this.counters.parts++;
        this.counters.unjoinable += owed;
        this.log.warn('the parts of an MO did not join (different alphabets); each is passed on as it came', { ...where, parts: owed });
        return;
      case 'mismatched':
        this.counters.unjoinable++;
        this.log.warn('an MO part disagrees with its siblings on the number of parts; it is passed on as it came', where);
        return;
    }
  }

  /** Ends the wait of messages whose parts are overdue, by the configured policy. */
  async sweep(now = Date.now()): Promise<void> {
    const { timeoutMs, onTimeout } = this.options.policy;
    const { messages, parts } = await this.options.parts.expire(now - timeoutMs, onTimeout, now);
    if (messages === 0) return;
    this.counters.timedOut += messages;
    const what = onTimeout === 'deliver' ? 'the parts that came are passed on as they came' : 'they were dropped (moReassembly.onTimeout: drop)';
    this.log.warn(`long MO still missing parts after moReassembly.timeoutMs: ${what}`, { messages, parts, timeoutMs });
  }
}
