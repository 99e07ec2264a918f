import test from 'ava';
import { tempFiles } from '../helpers/temp-files.js';
import { DEMO, maskgate } from '../helpers/cli.js';

const files = tempFiles('cli-encode');

interface Report {
  carrier: string | null;
  encoding: string;
  dataCoding: number;
  packed: boolean;
  characters: number;
  units: number;
  unit: string;
  form: string;
  segments: number;
  parts: { units: number; bytes: number; udhBytes: number }[];
  nonGsm: { position: number; codePoint: string } | null;
}

async function encode(...args: string[]): Promise<Report> {
  const { status, stdout, stderr } = await maskgate('encode', ...args, '--json');
  if (status !== 0) throw new Error(`exit ${status}: ${stderr}`);
  if (stdout.trim().split('\n').length !== 1) throw new Error(`--json printed more than one line: ${stdout}`);
  return JSON.parse(stdout) as Report;
}

const CARRIERS = `carriers:
  - { name: plain, host: smsc.example, systemId: a, passwordEnv: A_PW }
  - { name: packed-sar, host: smsc.example, systemId: b, passwordEnv: B_PW, gsmPacked: true, gsmDataCoding: 241, defaultAlphabet: latin1, longMessages: sar, maxParts: 3 }
  - { name: payload, host: smsc.example, systemId: c, passwordEnv: C_PW, longMessages: payload, acceptsMessagePayload: true }
keys: { masterKeyEnv: MASKGATE_TEST_KEY }
`;

test('a short GSM text is one SMS of GSM 7-bit, data_coding 0', async (t) => {
  t.deepEqual(await encode('--text', 'Salom! Kod: 4821'), {
    carrier: null,
    encoding: 'gsm7',
    dataCoding: 0,
    packed: false,
    characters: 16,
    units: 16,
    unit: 'septets',
    form: 'single',
    segments: 1,
    parts: [{ units: 16, bytes: 16, udhBytes: 0 }],
    nonGsm: null,
  });
});

test('one curly quote makes a 100-character text UCS2 in two parts, and says where', async (t) => {
  const text = `It’s ${'x'.repeat(95)}`;
  const report = await encode('--text', text);
  t.like(report, { encoding: 'ucs2', dataCoding: 8, characters: 100, units: 100, unit: 'ucs2 units', form: 'udh8', segments: 2 });
  t.deepEqual(report.parts, [
    { units: 67, bytes: 140, udhBytes: 6 },
    { units: 33, bytes: 72, udhBytes: 6 },
  ]);
  t.deepEqual(report.nonGsm, { position: 3, codePoint: 'U+2019' });
});

test('161 GSM characters are two parts of 153 and 8 septets; extension characters count two', async (t) => {
  const report = await encode('--text', 'a'.repeat(161));
  t.deepEqual(report.parts.map((p) => [p.units, p.bytes]), [[153, 159], [8, 14]]);
  const euros = await encode('--text', '€'.repeat(80));
  t.like(euros, { encoding: 'gsm7', characters: 80, units: 160, segments: 1 });
});

test('a carrier\'s settings decide data_coding, packing and the long-message form', async (t) => {
  const config = files.write(CARRIERS);
  const sar = await encode('--text', 'b'.repeat(200), '--carrier', 'packed-sar', '--config', config);
  t.like(sar, { carrier: 'packed-sar', encoding: 'gsm7', dataCoding: 241, packed: true, form: 'sar', segments: 2 });
  // SAR parts have no UDH and keep 160 septets; packed, 160 septets are 140 octets.
  t.deepEqual(sar.parts, [
    { units: 160, bytes: 140, udhBytes: 0 },
    { units: 40, bytes: 35, udhBytes: 0 },
  ]);
  const payload = await encode('--text', 'c'.repeat(400), '--carrier', 'payload', '--config', config);
  t.like(payload, { form: 'payload', segments: 3 });
  t.deepEqual(payload.parts, [{ units: 400, bytes: 400, udhBytes: 0 }]);
  t.like(await encode('--text', 'short', '--carrier', 'payload', '--config', config), { form: 'single', parts: [{ bytes: 5 }] });
});

test('the human rendering names the encoding, the reason for UCS2 and each part', async (t) => {
  const { status, stdout } = await maskgate('encode', '--text', `Привет ${'мир '.repeat(20)}`);
  t.is(status, 0);
  t.regex(stdout, /encoding: +UCS2, data_coding 8 \(0x08\)/);
  t.regex(stdout, /UCS2 because character 1 \(U\+041F\) is not in the GSM 03\.38 alphabet/);
  t.regex(stdout, /sent as: +2 SMS, each with a concatenation UDH \(8-bit reference\)/);
  t.regex(stdout, /part 1: 67 ucs2 units, 140 bytes on the wire \(6-byte UDH\)/);
  t.regex(stdout, /part 2: 20 ucs2 units, 46 bytes on the wire \(6-byte UDH\)/);
});

test('an unknown carrier is a usage error listing the known ones', async (t) => {
  const { status, stdout, stderr } = await maskgate('encode', '--text', 'hi', '--carrier', 'uz-gamma', '--config', DEMO);
  t.is(status, 2);
  t.is(stdout, '');
  t.regex(stderr, /unknown carrier "uz-gamma" in .*demo\.yaml; carriers are: uz-alpha, uz-beta/);
});

test('more parts than the carrier allows is a usage error saying what to do', async (t) => {
  const config = files.write(CARRIERS);
  const { status, stderr } = await maskgate('encode', '--text', 'ж'.repeat(250), '--carrier', 'packed-sar', '--config', config);
  t.is(status, 2);
  t.regex(stderr, /the message needs 4 parts of at most 70 ucs2 units; at most 3 are allowed \(maxParts\) at carrier packed-sar: shorten the text, or replace the characters GSM 7-bit cannot carry/);
});

test('without --text it is a usage error', async (t) => {
  const { status, stderr } = await maskgate('encode');
  t.is(status, 2);
  t.regex(stderr, /--text/);
});
