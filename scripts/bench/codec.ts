/**
 * `npm run bench -- --scenario codec [--messages N]`: the encoding layer alone, in one
 * thread, on a mix like our traffic: short GSM (one-time codes), long GSM with extension
 * characters (three UDH parts), Cyrillic and Uzbek Cyrillic (UCS2, two and three parts) and
 * a short text with emoji. Each of N messages, cycling through the mix:
 *
 * - encode: text → chosen encoding (GSM or UCS2 septets/units);
 * - split:  encoded body → UDH parts (8-bit reference) on the wire;
 * - decode: each part as received → its UDH read, joined → text.
 *
 * Rates are messages per second, not parts. The budget is under 5% of the relay
 * benchmark's CPU per message; `*_us` are the microseconds one message costs here.
 */
import { chooseEncoding } from '../../src/smpp/encoding/choose.js';
import { readPart } from '../../src/smpp/encoding/read-part.js';
import { reassemble } from '../../src/smpp/encoding/reassemble.js';
import { splitMessage, type MessagePart } from '../../src/smpp/encoding/split.js';
import { decodeText } from '../../src/smpp/encoding/text-codec.js';
import type { EncodedBody } from '../../src/smpp/encoding/types.js';
import { rssMb } from './stats.js';

const MIX = [
  'Your code is 482913. It expires in 5 minutes.',
  'Salom! Buyurtmangiz #1042 qabul qilindi, yetkazib berish ertaga.',
  `Dear customer, your invoice {INV-2024-0042} of 149.90€ is due [30 days]. Pay at https://pay.example/~acme?ref=42 | questions: reply HELP. ${'Thank you for choosing us; '.repeat(10)}`,
  'Ваш код подтверждения: 482913. Никому не сообщайте этот код, даже сотрудникам банка.',
  `Ҳурматли мижоз, буюртмангиз қабул қилинди. Етказиб бериш эртага соат 10:00 дан 14:00 гача. ${'Раҳмат! '.repeat(12)}`,
  'See you at 8 🙂👍 🎉',
];

const SETTINGS = { gsmDataCoding: 0x00, gsmPacked: false };
const REFERENCE = 0x42;

function must<T>(result: { ok: true; value: T } | { ok: false; problem: { message: string } }): T {
  if (!result.ok) throw new Error(result.problem.message);
  return result.value;
}

function split(body: EncodedBody): MessagePart[] {
  return must(splitMessage(body, { form: 'udh8', reference: REFERENCE, maxParts: 255, packed: false }));
}

function decode(parts: readonly MessagePart[], alphabet: EncodedBody['alphabet']): string {
  const read = parts.map((p) => must(readPart({ octets: p.shortMessage, esmClass: p.udhi ? 0x40 : 0 }, { alphabet, packed: false })));
  const body = read.length === 1 ? read[0]!.body : must(reassemble(read.map((r) => ({ concat: r.concat!, body: r.body })))).body;
  return must(decodeText(body)).text;
}

/** Runs `fn` for message i = 0..n-1 and returns the elapsed milliseconds. */
function time(n: number, fn: (i: number) => void): number {
  const started = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return performance.now() - started;
}

const perSecond = (n: number, ms: number) => Math.round((n * 1000) / ms);
const microseconds = (n: number, ms: number) => Number(((ms * 1000) / n).toFixed(2));

export async function benchCodec(opts: { messages: number }) {
  const n = opts.messages;
  const encoded = MIX.map((text) => chooseEncoding(text, SETTINGS));
  const wire = encoded.map((e) => split(e.body));
  // The mix must decode to itself, or the figures measure something broken.
  MIX.forEach((text, k) => {
    if (decode(wire[k]!, encoded[k]!.body.alphabet) !== text) throw new Error(`mix text ${k} does not round-trip`);
  });
  process.stderr.write(`codec: ${n} messages, mix of ${MIX.length} texts in ${wire.map((w) => w.length).join('/')} parts\n`);

  // Warm-up, so the JIT has compiled the paths before they are timed.
  time(Math.min(n, 20_000), (i) => decode(split(chooseEncoding(MIX[i % MIX.length]!, SETTINGS).body), encoded[i % MIX.length]!.body.alphabet));

  let sink = 0;
  const encodeMs = time(n, (i) => {
    sink += chooseEncoding(MIX[i % MIX.length]!, SETTINGS).body.octets.length;
  });
  const splitMs = time(n, (i) => {
    sink += split(encoded[i % MIX.length]!.body).length;
  });
  const decodeMs = time(n, (i) => {
    const k = i % MIX.length;
    sink += decode(wire[k]!, encoded[k]!.body.alphabet).length;
  });
  const parts = wire.reduce((sum, w) => sum + w.length, 0) / wire.length;
  return {
    scenario: 'codec',
    messages: n,
    parts_per_message: Number(parts.toFixed(2)),
    encode_per_s: perSecond(n, encodeMs),
    split_per_s: perSecond(n, splitMs),
    decode_per_s: perSecond(n, decodeMs),
    encode_us: microseconds(n, encodeMs),
    split_us: microseconds(n, splitMs),
    decode_us: microseconds(n, decodeMs),
    checksum: sink,
    rss_mb: rssMb(),
  };
}
