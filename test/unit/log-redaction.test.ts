import test from 'ava';
import { once } from 'node:events';
import { randomBytes, randomInt } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { GatewayError } from '../../src/errors.js';
import { createLogger, type LoggerOptions } from '../../src/obs/logger.js';
import { redact } from '../../src/obs/redact.js';

// The runner's own environment must not pick levels for these tests.
delete process.env.MASKGATE_LOG_LEVEL;

/** A fresh test number in a range no subscriber has: +99890 and 7 random digits. */
function testMsisdn(): string {
  return `+99890${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

function capture(opts: LoggerOptions = {}) {
  const stream = new PassThrough();
  const lines: string[] = [];
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const logger = createLogger({ format: 'json', ...opts, stream });
  /** Resolves once `count` lines have been written. */
  async function take(count: number): Promise<string[]> {
    while (lines.length < count) await once(stream, 'data');
    return lines.slice(0, count);
  }
  return { logger, stream, take };
}

test('no full number, body or password reaches the output', async (t) => {
  const msisdn = testMsisdn();
  const local = msisdn.slice(-7);
  const body = `meet me at the north gate ${randomBytes(6).toString('hex')}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const { logger, take } = capture();

  logger.info(`routing ${msisdn}`, {
    destination_addr: msisdn,
    short_message: body,
    password,
    route: { nested: { realNumber: msisdn, recipients: [msisdn, msisdn.slice(1)] } },
  });
  logger.error('submit failed', new Error(`no route to ${msisdn}`));
  logger.warn('carrier refused', { err: new Error(`carrier said ${msisdn} is barred`) });
  const bind = logger.child({ sid: 's-1', peer: '127.0.0.1:40000', systemId: 'acme' });
  bind.info('mo relayed', { msisdn, body, systemPassword: password });
  bind.error(new Error(`bad destination ${msisdn.slice(1)}`));

  const lines = await take(5);
  const out = lines.join('\n');
  t.false(out.includes(msisdn.slice(1)), 'full number leaked');
  t.false(out.includes(local), 'local part of the number leaked');
  t.false(out.includes(body), 'body leaked');
  t.false(out.includes(body.slice(0, 12)), 'part of the body leaked');
  t.false(out.includes(password), 'password leaked');
  t.true(out.includes(`…${msisdn.slice(-3)}`));
  t.true(out.includes(`[${body.length} chars]`));
  t.true(out.includes('[redacted]'));

  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  t.is(records[0]?.message, `routing …${msisdn.slice(-3)}`);
  t.is(records[0]?.destination_addr, `…${msisdn.slice(-3)}`);
  t.is(records[3]?.sid, 's-1');
  t.is(records[3]?.systemId, 'acme');
  t.is(records[3]?.peer, '127.0.0.1:40000');
  t.is(records[4]?.sid, 's-1');
});

test('every line is one JSON object with level, message and an ISO time', async (t) => {
  const { logger, take } = capture();
  logger.warn('window full', { carrier: 'sim-a', outstanding: 10, time: 'not mine' });
  const [line] = await take(1);
  const record = JSON.parse(line ?? '') as Record<string, unknown>;
  t.deepEqual(Object.keys(record).slice(0, 3), ['level', 'message', 'time']);
  t.is(record.level, 'warn');
  t.is(record.message, 'window full');
  t.is(record.carrier, 'sim-a');
  t.is(record.outstanding, 10);
  t.regex(String(record.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
});

test('pretty output is one redacted line', async (t) => {
  const msisdn = testMsisdn();
  const { logger, take } = capture({ format: 'pretty' });
  logger.info('bind accepted', { systemId: 'acme', to: msisdn, err: new Error(`x ${msisdn}`) });
  logger.error('sentinel');
  const [line] = await take(2);
  t.regex(line ?? '', /^\S+ INFO +bind accepted systemId=acme to=…\d{3} err=/);
  t.false((line ?? '').includes(msisdn.slice(-7)));
  t.false((line ?? '').includes('\x1b['), 'no colour off a terminal');
});

test('auto picks JSON off a terminal and colour pretty on one', async (t) => {
  const plain = capture({ format: 'auto' });
  plain.logger.info('hello');
  const [json] = await plain.take(1);
  t.is((JSON.parse(json ?? '') as { message: string }).message, 'hello');

  const stream = Object.assign(new PassThrough(), { isTTY: true });
  stream.setEncoding('utf8');
  const logger = createLogger({ format: 'auto', stream });
  logger.info('hello');
  const [chunk] = (await once(stream, 'data')) as [string];
  t.regex(chunk, /\x1b\[32mINFO/);
  t.true(chunk.includes(' hello'));
});

test.serial('MASKGATE_LOG_LEVEL overrides the configured level', (t) => {
  process.env.MASKGATE_LOG_LEVEL = ' Debug ';
  t.teardown(() => delete process.env.MASKGATE_LOG_LEVEL);
  const logger = createLogger({ level: 'warn', stream: new PassThrough() });
  t.true(logger.isLevelEnabled('debug'));
  t.false(logger.isLevelEnabled('protocol'));
});

test.serial('an empty MASKGATE_LOG_LEVEL falls back to the configured level', (t) => {
  process.env.MASKGATE_LOG_LEVEL = '';
  t.teardown(() => delete process.env.MASKGATE_LOG_LEVEL);
  const logger = createLogger({ level: 'warn', stream: new PassThrough() });
  t.true(logger.isLevelEnabled('warn'));
  t.false(logger.isLevelEnabled('info'));
});

test.serial('an invalid MASKGATE_LOG_LEVEL is a configuration error naming the levels', (t) => {
  process.env.MASKGATE_LOG_LEVEL = 'verbose';
  t.teardown(() => delete process.env.MASKGATE_LOG_LEVEL);
  const err = t.throws(() => createLogger({ stream: new PassThrough() }), { instanceOf: GatewayError });
  t.is(err?.code, 'CONFIG_INVALID');
  t.regex(err?.message ?? '', /MASKGATE_LOG_LEVEL="verbose".*error, warn, info, debug, protocol/);
});

test('level defaults to info', (t) => {
  const logger = createLogger({ stream: new PassThrough() });
  t.true(logger.isLevelEnabled('info'));
  t.false(logger.isLevelEnabled('debug'));
});

test('protocol is below debug', async (t) => {
  const atDebug = capture({ level: 'debug' });
  t.true(atDebug.logger.isLevelEnabled('debug'));
  t.false(atDebug.logger.isLevelEnabled('protocol'));
  atDebug.logger.protocol('pdu trace');
  atDebug.logger.debug('sentinel');
  t.deepEqual((await atDebug.take(1)).map((l) => (JSON.parse(l) as { message: string }).message), ['sentinel']);

  const atProtocol = capture({ level: 'protocol' });
  t.true(atProtocol.logger.isLevelEnabled('protocol'));
  atProtocol.logger.protocol('pdu trace', { pdu: { command: 'submit_sm', short_message: Buffer.from('hi there') } });
  const [line] = await atProtocol.take(1);
  const record = JSON.parse(line ?? '') as { level: string; pdu: { short_message: string } };
  t.is(record.level, 'protocol');
  t.is(record.pdu.short_message, '[8 bytes]');
});

test('number fields keep the last 3 digits', (t) => {
  for (const name of ['msisdn', 'MSISDN', 'destination_addr', 'Source_Addr', 'from', 'to', 'sender', 'recipient',
    'realNumber', 'virtualNumber', 'callerMsisdn', 'dest_addr', 'phone', 'sender_id']) {
    t.is(redact('+998 90 123-45-67', name), '…567', name);
  }
  t.is(redact(998901234567, 'msisdn'), '…567');
  t.is(redact(998901234567n, 'msisdn'), '…567');
  t.deepEqual(redact(['+998901234567', '+998901234568'], 'recipients'), ['…567', '…568']);
});

test('an alphanumeric sender is kept, anything with 4 digits is masked', (t) => {
  t.is(redact('ACME', 'source_addr'), 'ACME');
  t.is(redact('Bank24', 'source_addr'), 'Bank24');
  t.is(redact('123', 'source_addr'), '123');
  t.is(redact('ACME2024', 'source_addr'), '…024');
  t.is(redact('1234', 'source_addr'), '…234');
});

test('body fields become a length', (t) => {
  t.is(redact('hello world', 'short_message'), '[11 chars]');
  t.is(redact('привет 👋', 'text'), '[8 chars]');
  t.is(redact(Buffer.from('hello'), 'message_payload'), '[5 bytes]');
  t.deepEqual(redact({ udh: Buffer.alloc(6), message: 'hi' }, 'short_message'), { udh: '[6 bytes]', message: '[2 chars]' });
  for (const name of ['body', 'content', 'payload', 'sms', 'udh']) t.is(redact('abc', name), '[3 chars]', name);
});

test('bytes anywhere become a length', (t) => {
  t.deepEqual(redact({ pdu: Buffer.from('0000001000000015', 'hex') }), { pdu: '[8 bytes]' });
  t.deepEqual(redact({ raw: new Uint8Array(3) }), { raw: '[3 bytes]' });
});

test('the log text is not a body', (t) => {
  t.deepEqual(redact({ level: 'info', message: 'bind accepted' }), { level: 'info', message: 'bind accepted' });
});

test('secrets are redacted whatever their value', (t) => {
  for (const name of ['password', 'passwd', 'secret', 'token', 'apiKey', 'key', 'masterKey', 'authorization',
    'cookie', 'privateKey', 'carrierPassword', 'webhookSecret', 'authToken', 'hmacKey']) {
    t.is(redact('s3cr3t-value', name), '[redacted]', name);
  }
  t.is(redact({ a: 1 }, 'password'), '[redacted]');
  t.is(redact('MG_CARRIER_PW', 'passwordEnv'), 'MG_CARRIER_PW');
});

test('the safety net masks phone-like runs in any string', (t) => {
  t.is(redact('call +998 90 123-45-67 now'), 'call …567 now');
  t.is(redact('from 998901234567 to (90) 765-43-21'), 'from …567 to (…321');
  t.is(redact('ids 1234567 and 12345678901234567890'), 'ids …567 and …890');
  t.deepEqual(redact({ note: { deep: ['to 998901234567'] } }), { note: { deep: ['to …567'] } });
  t.deepEqual(redact({ '+998901234567': 'x' }), { '…567': 'x' });
});

test('the safety net spares timestamps, counters and addresses', (t) => {
  const text = 'at 2024-01-31T10:00:00.123Z and 2024-01-31 10:00:00+05:00 sent 12 of 345 in 1500 ms from 192.168.100.200:2775';
  t.is(redact(text), text);
  t.deepEqual(redact({ bytes: 123456789, at: 1706695200000 }), { bytes: 123456789, at: 1706695200000 });
  t.is(redact(new Date('2024-01-31T10:00:00.000Z')), '2024-01-31T10:00:00.000Z');
});

test('id fields are exempt from the safety net', (t) => {
  for (const name of ['id', 'message_id', 'receipted_message_id', 'carrierMessageId', 'mid', 'sid', 'sequence_number']) {
    t.is(redact('1234567890', name), '1234567890', name);
  }
  t.deepEqual(redact(['1234567890'], 'messageIds'), ['1234567890']);
  t.is(redact('mid 1234567890'), 'mid …890');
});

test('errors become records with masked message and stack', (t) => {
  const err = Object.assign(new Error('no route to 998901234567'), { code: 'BAD_DESTINATION', destination: '998901234567' });
  const out = redact(err) as Record<string, unknown>;
  t.is(out.name, 'Error');
  t.is(out.message, 'no route to …567');
  t.is(out.code, 'BAD_DESTINATION');
  t.is(out.destination, '…567');
  t.true(String(out.stack).startsWith('Error: no route to …567\n'));
  const wrapped = redact(new Error('outer', { cause: new Error('inner 998901234567') })) as { cause: { message: string } };
  t.is(wrapped.cause.message, 'inner …567');
});

test('cycles and depth are bounded, shared objects are not cycles', (t) => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  t.deepEqual(redact(cyclic), { a: 1, self: '[circular]' });

  const shared = { n: 1 };
  t.deepEqual(redact({ x: shared, y: shared }), { x: { n: 1 }, y: { n: 1 } });

  let deep: unknown = 'bottom';
  for (let i = 0; i < 20; i += 1) deep = { d: deep };
  t.true(JSON.stringify(redact(deep)).includes('[depth limit]'));
});

test('redact copies and never mutates its input', (t) => {
  const input = { destination_addr: '+998901234567', short_message: 'hi', nested: { password: 'pw', list: ['998901234567'] } };
  const before = structuredClone(input);
  const out = redact(input);
  t.deepEqual(input, before);
  t.not(out, input);
});
