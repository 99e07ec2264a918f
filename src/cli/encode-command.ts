/**
 * `maskgate encode --text T [--carrier C]`: how a text would go to a carrier — the alphabet
 * chosen, the data_coding, the parts and their sizes. The tool an operator reaches for when
 * a customer asks why one message was billed as three (usually one curly quote forcing
 * UCS2, 70 characters a part instead of 160). It runs the daemon's own encoding layer with
 * the carrier's settings from --config, or the default carrier settings without --carrier.
 *
 * The text is the operator's own, so it is shown back as counts and code points only.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { carrierTextDefaults, type CarrierTextSettings } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { chooseEncoding, type ChosenEncoding } from '../smpp/encoding/choose.js';
import { splitMessage, type MessagePart } from '../smpp/encoding/split.js';
import { unitCount, unitName } from '../smpp/encoding/text-codec.js';
import { codePointName } from '../smpp/encoding/types.js';
import { toWire } from '../smpp/encoding/wire.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';

interface EncodeOptions {
  text: string;
  carrier?: string;
}

/** How the message goes on the wire: one SMS, numbered parts, or one PDU the carrier splits. */
type Form = 'single' | 'udh8' | 'sar' | 'payload';

interface PartReport {
  /** Septets, octets or UCS2 units of text. */
  units: number;
  /** Octets of short_message (or message_payload) on the wire, UDH included. */
  bytes: number;
  udhBytes: number;
}

interface EncodeReport {
  carrier: string | null;
  encoding: ChosenEncoding['body']['alphabet'];
  dataCoding: number;
  packed: boolean;
  characters: number;
  units: number;
  unit: string;
  form: Form;
  /** SMS the handset receives (and the carrier bills); for payload, as the carrier will split. */
  segments: number;
  parts: PartReport[];
  /** The first character that kept the text out of GSM 7-bit, when UCS2 was chosen. */
  nonGsm: { position: number; codePoint: string } | null;
}

export function registerEncodeCommand(program: Command, ctx: CliContext): void {
  program
    .command('encode')
    .description('show the encoding, data_coding and parts a text would go out in, e.g. --text "Salom" --carrier uz-alpha')
    .requiredOption('--text <text>', 'the message text')
    .option('--carrier <name>', 'use this carrier\'s settings from --config (default: the default carrier settings)')
    .action((opts: EncodeOptions) => {
      const globals = ctx.globals();
      const settings = opts.carrier === undefined ? carrierTextDefaults : carrierSettings(globals.config, opts.carrier);
      const report = encodeReport(opts.text, opts.carrier ?? null, settings);
      printResult(report, globals, () => render(report, settings));
    });
}

function carrierSettings(configFile: string, name: string): CarrierTextSettings {
  const config = loadConfig(configFile);
  const carrier = config.carriers.find((c) => c.name === name);
  if (carrier) return carrier;
  const known = config.carriers.map((c) => c.name);
  const hint = known.length > 0 ? `carriers are: ${known.join(', ')}` : 'it defines no carriers';
  throw new GatewayError('USAGE', `unknown carrier "${name}" in ${configFile}; ${hint}`);
}

function encodeReport(text: string, carrier: string | null, settings: CarrierTextSettings): EncodeReport {
  const chosen = chooseEncoding(text, settings);
  const { body } = chosen;
  const form = settings.longMessages === 'sar' ? 'sar' : 'udh8';
  // The reference does not change any size; 0 stands for the one the gateway would draw.
  const split = splitMessage(body, { form, reference: 0, maxParts: settings.maxParts, packed: chosen.packed });
  if (!split.ok) {
    const where = carrier === null ? 'with the default carrier settings' : `at carrier ${carrier}`;
    const fix = chosen.firstNonGsm ? 'shorten the text, or replace the characters GSM 7-bit cannot carry' : 'shorten the text';
    throw new GatewayError('USAGE', `${split.problem.message} ${where}: ${fix}`);
  }
  const parts = split.value;
  const single = parts.length === 1;
  const asPayload = settings.longMessages === 'payload' && !single;
  return {
    carrier,
    encoding: body.alphabet,
    dataCoding: chosen.dataCoding,
    packed: chosen.packed,
    characters: [...text].length,
    units: unitCount(body),
    unit: unitName(body.alphabet),
    form: single ? 'single' : asPayload ? 'payload' : form,
    segments: parts.length,
    parts: asPayload ? [{ units: unitCount(body), bytes: toWire(body.octets, body.alphabet, chosen.packed).length, udhBytes: 0 }] : parts.map(partReport),
    nonGsm: chosen.firstNonGsm
      ? { position: [...text.slice(0, chosen.firstNonGsm.index)].length + 1, codePoint: codePointName(chosen.firstNonGsm.codePoint) }
      : null,
  };
}

function partReport(part: MessagePart): PartReport {
  // A UDH's first octet is its length, the octet itself not counted.
  const udhBytes = part.udhi ? part.shortMessage[0]! + 1 : 0;
  return { units: part.units, bytes: part.shortMessage.length, udhBytes };
}

const ENCODING_NAME: Record<string, string> = { gsm7: 'GSM 7-bit', ucs2: 'UCS2' };
function sentAs(report: EncodeReport): string {
  switch (report.form) {
    case 'single':
      return 'one SMS';
    case 'udh8':
      return `${report.segments} SMS, each with a concatenation UDH (8-bit reference)`;
    case 'sar':
      return `${report.segments} SMS numbered by SAR TLVs (the carrier adds the UDH)`;
    case 'payload':
      return `one submit_sm with message_payload; the carrier splits it into ${report.segments} SMS`;
  }
}

function render(report: EncodeReport, settings: CarrierTextSettings): string {
  const hex = `0x${report.dataCoding.toString(16).padStart(2, '0').toUpperCase()}`;
  const packing = report.encoding === 'gsm7' ? (report.packed ? ', packed 7-bit' : ', one septet per octet') : '';
  const lines = [
    `settings:  ${report.carrier === null ? 'default carrier settings' : `carrier ${report.carrier}`} (longMessages ${settings.longMessages}, maxParts ${settings.maxParts})`,
    `encoding:  ${ENCODING_NAME[report.encoding] ?? report.encoding}, data_coding ${report.dataCoding} (${hex})${packing}`,
  ];
  if (report.nonGsm) lines.push(`           UCS2 because character ${report.nonGsm.position} (${report.nonGsm.codePoint}) is not in the GSM 03.38 alphabet`);
  lines.push(`length:    ${report.characters} characters, ${report.units} ${report.unit}`);
  lines.push(`sent as:   ${sentAs(report)}`);
  report.parts.forEach((p, i) => {
    const udh = p.udhBytes > 0 ? ` (${p.udhBytes}-byte UDH)` : '';
    lines.push(`  part ${i + 1}: ${p.units} ${report.unit}, ${p.bytes} bytes on the wire${udh}`);
  });
  return lines.join('\n');
}
