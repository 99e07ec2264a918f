import test from 'ava';
import { ConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/loader.js';
import { carrierTextDefaults } from '../../src/config/schema.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('encoding-config');
const carrier = (extra: string) => `carriers:\n  - { name: a, host: smsc.example, systemId: a, passwordEnv: A_PW${extra} }\nkeys: { masterKeyEnv: MASKGATE_TEST_KEY }\n`;

function issuesOf(text: string): ConfigError['issues'] {
  try {
    loadConfig(files.write(text));
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

test('a carrier takes unpacked GSM as data_coding 0 and long messages as UDH parts by default', (t) => {
  const [a] = loadConfig(files.write(carrier(''))).carriers;
  t.like(a, { defaultAlphabet: 'gsm7', gsmDataCoding: 0, gsmPacked: false, longMessages: 'udh', acceptsMessagePayload: false, maxParts: 10 });
  t.deepEqual(carrierTextDefaults, { defaultAlphabet: 'gsm7', gsmDataCoding: 0, gsmPacked: false, acceptsMessagePayload: false, longMessages: 'udh', maxParts: 10 });
});

test('packed GSM, SAR and message_payload can be chosen per carrier', (t) => {
  const [a] = loadConfig(files.write(carrier(', gsmPacked: true, longMessages: payload, acceptsMessagePayload: true'))).carriers;
  t.like(a, { gsmPacked: true, longMessages: 'payload' });
  t.like(loadConfig(files.write(carrier(', longMessages: sar'))).carriers[0], { longMessages: 'sar' });
});

test('longMessages payload without acceptsMessagePayload says which to change', (t) => {
  const issues = issuesOf(carrier(', longMessages: payload'));
  t.deepEqual(issues.map((i) => i.path), ['carriers[0].longMessages']);
  t.regex(issues[0]!.message, /^payload needs acceptsMessagePayload: true; set it if the carrier takes message_payload, else use udh or sar/);
});

test('gsmDataCoding must mean GSM 7-bit at the carrier', (t) => {
  const latin = issuesOf(carrier(', defaultAlphabet: latin1'));
  t.deepEqual(latin.map((i) => i.path), ['carriers[0].gsmDataCoding']);
  t.regex(latin[0]!.message, /data_coding 0 \(0x00\) does not mean GSM 7-bit at this carrier \(defaultAlphabet: latin1\)/);
  t.deepEqual(issuesOf(carrier(', gsmDataCoding: 8')).map((i) => i.path), ['carriers[0].gsmDataCoding']);
  t.like(loadConfig(files.write(carrier(', defaultAlphabet: latin1, gsmDataCoding: 241'))).carriers[0], { gsmDataCoding: 0xf1 });
});

test('invalid text settings get one issue each, no cross-field noise', (t) => {
  const issues = issuesOf(carrier(', longMessages: mms, defaultAlphabet: utf8'));
  t.deepEqual(issues.map((i) => i.path).sort(), ['carriers[0].defaultAlphabet', 'carriers[0].longMessages']);
});
