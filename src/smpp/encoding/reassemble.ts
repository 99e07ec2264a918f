/**
 * Joining the parts of a concatenated message back into one body, in any order they came,
 * a repeated part (a carrier's or handset's retry) taken once. The units are joined before
 * decoding, so a sender that split an escape sequence or a surrogate pair across parts,
 * which some do, still decodes right.
 *
 * Parts must agree on form, reference, total and alphabet; otherwise they are not one
 * message and the caller grouped them wrongly. Missing parts are a problem unless the
 * caller asks for what came (an MO whose wait for its last parts timed out).
 */
import { fail, ok, type CodecResult, type EncodedBody } from './types.js';
import type { ConcatInfo } from './udh.js';

export interface PartToJoin {
  concat: ConcatInfo;
  body: EncodedBody;
}

export interface Reassembled {
  body: EncodedBody;
  /** Part numbers not among those given, ascending; empty when complete. */
  missing: number[];
}

export function reassemble(parts: readonly PartToJoin[], opts: { allowMissing?: boolean } = {}): CodecResult<Reassembled> {
  const first = parts[0];
  if (!first) return fail('MISSING_PARTS', 'no parts to reassemble');
  const { form, reference, total } = first.concat;
  const alphabet = first.body.alphabet;
  const bySeq = new Map<number, Buffer>();
  for (const { concat, body } of parts) {
    if (concat.form !== form || concat.reference !== reference || concat.total !== total) {
      return fail('INCONSISTENT_PARTS', `parts of different messages: ${form} reference ${reference} of ${total} parts and ${concat.form} reference ${concat.reference} of ${concat.total}`);
    }
    if (body.alphabet !== alphabet) return fail('INCONSISTENT_PARTS', `parts of one message in different alphabets: ${alphabet} and ${body.alphabet}`);
    if (concat.seq < 1 || concat.seq > total) return fail('BAD_PART_NUMBER', `part number ${concat.seq} is outside 1..${total} (the total number of parts)`);
    if (!bySeq.has(concat.seq)) bySeq.set(concat.seq, body.octets);
  }
  const missing: number[] = [];
  const present: Buffer[] = [];
  for (let seq = 1; seq <= total; seq++) {
    const octets = bySeq.get(seq);
    if (octets) present.push(octets);
    else missing.push(seq);
  }
  if (missing.length > 0 && !opts.allowMissing) {
    return fail('MISSING_PARTS', `${missing.length} of ${total} parts missing (${missing.join(', ')})`);
  }
  return ok({ body: { alphabet, octets: Buffer.concat(present) }, missing });
}
