/**
 * `maskgate send`: a small built-in ESME, so a newcomer sees a message go through the
 * gateway and its receipt come back in one command. It binds to the configuration's client
 * listener (as the first of `accountSeeds` unless told otherwise), submits one message,
 * prints our message id and, with --wait-dlr, waits for the receipt.
 *
 * One message of plain text only: GSM 7-bit (one septet per octet) when every character is
 * in the GSM 03.38 alphabet, else UCS2, within one SMS.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { readSecret } from '../config/secret.js';
import { GatewayError } from '../errors.js';
import { createLogger } from '../obs/logger.js';
import { connectAndBind } from '../smpp/client.js';
import type { Pdu } from '../smpp/codec.js';
import { STATUS, statusName } from '../smpp/status.js';
import { chooseEncoding } from '../smpp/encoding/choose.js';
import { partCapacity } from '../smpp/encoding/split.js';
import { unitCount, unitName } from '../smpp/encoding/text-codec.js';
import type { CliContext } from './program.js';
import { printResult } from './output.js';

interface SendOptions {
  to: string;
  text: string;
  from: string;
  systemId?: string;
  passwordEnv?: string;
  host: string;
  port?: string;
  waitDlr: boolean;
  timeoutMs: string;
}

const RECEIPT_STAT = /\bstat:(\w+)/;
const RECEIPT_ERR = /\berr:(\w+)/;

export function registerSendCommand(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .description('submit one message through the gateway as an SMPP client, e.g. --to 998901234567 --text "Salom" --wait-dlr')
    .requiredOption('--to <number>', 'destination number, international digits')
    .requiredOption('--text <text>', 'the message (one SMS)')
    .option('--from <sender>', 'sender: digits or up to 11 letters', 'maskgate')
    .option('--system-id <id>', 'account to bind as (default: the first of accountSeeds)')
    .option('--password-env <VAR>', 'environment variable holding that account\'s password')
    .option('--host <host>', 'the gateway\'s client listener', '127.0.0.1')
    .option('--port <port>', 'its port (default: smpp.tcp.port of the configuration)')
    .option('--wait-dlr', 'wait for the delivery receipt', false)
    .option('--timeout-ms <ms>', 'how long to wait for the bind, the response and the receipt', '30000')
    .action((opts: SendOptions) => send(ctx, opts));
}

function credentials(ctx: CliContext, opts: SendOptions): { systemId: string; password: string; port: number } {
  const config = loadConfig(ctx.globals().config);
  const port = opts.port === undefined ? config.smpp.tcp.port : Number(opts.port);
  if (opts.systemId !== undefined) {
    if (opts.passwordEnv === undefined) throw new GatewayError('USAGE', '--system-id needs --password-env VAR naming the variable that holds its password');
    return { systemId: opts.systemId, password: readSecret({ passwordEnv: opts.passwordEnv }, `account ${opts.systemId} password`, config.configDir), port };
  }
  const seed = config.accountSeeds[0];
  if (!seed) throw new GatewayError('USAGE', 'the configuration has no accountSeeds: pass --system-id and --password-env');
  return { systemId: seed.systemId, password: readSecret(seed, `accountSeeds ${seed.systemId} password`, config.configDir), port };
}

async function send(ctx: CliContext, opts: SendOptions): Promise<void> {
  if (!/^\+?\d{3,15}$/.test(opts.to)) throw new GatewayError('USAGE', '--to must be a phone number in international digits, e.g. 998901234567');
  // As a client sends to the gateway: GSM labelled data_coding 0, one septet per octet.
  const encoded = chooseEncoding(opts.text, { gsmDataCoding: 0x00, gsmPacked: false });
  const units = unitCount(encoded.body);
  const single = partCapacity(encoded.body.alphabet, 0);
  if (units > single) {
    throw new GatewayError('USAGE', `the text needs more than one SMS (${units} of ${single} ${unitName(encoded.body.alphabet)}); shorten it`);
  }
  const { systemId, password, port } = credentials(ctx, opts);
  const timeoutMs = Number(opts.timeoutMs);
  const receipts: Pdu[] = [];
  let onReceipt: () => void = () => undefined;
  const session = await connectAndBind({
    host: opts.host,
    port,
    connectTimeoutMs: timeoutMs,
    mode: opts.waitDlr ? 'transceiver' : 'transmitter',
    credentials: { system_id: systemId, password },
    session: { windowSize: 1, responseTimeoutMs: timeoutMs, maxPduBytes: 65_536, logger: createLogger({ level: 'error', stream: process.stderr }) },
    onRequest: (pdu, s) => {
      if (pdu.command !== 'deliver_sm') return;
      s.respond(pdu, { message_id: '' });
      receipts.push(pdu);
      onReceipt();
    },
  });
  try {
    const alphanumeric = /[^\d+]/.test(opts.from);
    const resp = await session.request('submit_sm', {
      source_addr_ton: alphanumeric ? 5 : 1,
      source_addr_npi: alphanumeric ? 0 : 1,
      source_addr: opts.from,
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: opts.to.replace(/^\+/, ''),
      registered_delivery: opts.waitDlr ? 1 : 0,
      data_coding: encoded.dataCoding,
      short_message: encoded.body.octets,
    });
    if (resp.command_status !== STATUS.ESME_ROK) {
      throw new GatewayError('INTERNAL', `the gateway refused the message: ${statusName(resp.command_status)}`);
    }
    const messageId = String(resp.message_id);
    let receipt: { stat: string; err: string } | undefined;
    if (opts.waitDlr) {
      const mine = () => receipts.find((p) => p.receipted_message_id === messageId);
      const pdu =
        mine() ??
        (await new Promise<Pdu | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), timeoutMs);
          onReceipt = () => {
            const found = mine();
            if (found) {
              clearTimeout(timer);
              resolve(found);
            }
          };
        }));
      if (!pdu) throw new GatewayError('RESPONSE_TIMEOUT', `message ${messageId} was accepted, but no receipt came within ${timeoutMs} ms; try again with a larger --timeout-ms`);
      const text = Buffer.isBuffer(pdu.short_message) ? pdu.short_message.toString('latin1') : '';
      receipt = { stat: RECEIPT_STAT.exec(text)?.[1] ?? 'UNKNOWN', err: RECEIPT_ERR.exec(text)?.[1] ?? '000' };
    }
    printResult({ messageId, account: systemId, receipt: receipt ?? null }, ctx.globals(), () =>
      [`accepted: message ${messageId} (as ${systemId})`, ...(receipt ? [`receipt: ${receipt.stat} (err ${receipt.err})`] : [])].join('\n'),
    );
  } finally {
    await session.unbind();
  }
}
