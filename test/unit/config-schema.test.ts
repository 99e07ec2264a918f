import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, resolveConfigPath } from '../../src/config/loader.js';
import { configSchema } from '../../src/config/schema.js';
import { tempFiles } from '../helpers/temp-files.js';

const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');
const EXAMPLE = path.join(CONFIG_DIR, 'maskgate.example.yaml');
const DEMO = path.join(CONFIG_DIR, 'demo.yaml');

const files = tempFiles('config-schema');
const tmp = files.dir;
const writeConfig = (text: string) => files.write(text);

function issuesOf(text: string): ConfigError['issues'] {
  const err = (() => {
    try {
      loadConfig(writeConfig(text));
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  if (!(err instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(err)}`);
  return err.issues;
}

const CARRIER = 'name: a\n    host: smsc.example\n    systemId: sys';

test('the demo configuration is valid and describes the +998 split', (t) => {
  const config = loadConfig(DEMO);
  t.deepEqual(config.carriers.map((c) => c.name), ['uz-alpha', 'uz-beta']);
  t.is(config.smpp.tcp.port, 2775);
  t.true(config.simulator.embedded);
  t.deepEqual(config.simulator.instances.map((i) => i.port), [2776, 2777]);
  // Each simulated carrier accepts the systemId and password file its carrier binds with.
  for (const carrier of config.carriers) {
    const instance = config.simulator.instances.find((i) => i.port === carrier.port);
    const account = instance?.accounts.find((a) => a.systemId === carrier.systemId);
    t.truthy(account, `no simulator account for ${carrier.name}`);
    t.is(account?.passwordFile, carrier.passwordFile);
    t.is(instance?.behaviour.messageIdFormat, carrier.dlrIdFormat);
  }
  const prefixes = config.routes.flatMap((r) => r.match.destinationPrefixes ?? []);
  t.deepEqual(new Set(prefixes), new Set(['99890', '99891', '99893', '99894', '99850', '99895', '99899', '99897', '99888', '99877']));
  t.deepEqual(config.routes.at(-1)?.match, {});
});

test('the example configuration is valid', (t) => {
  const config = loadConfig(EXAMPLE);
  t.is(config.carriers.length, 2);
  t.is(config.routes.length, 2);
});

/** Every field path the schema knows, arrays written as `[]`; records end the walk (their keys are data). */
function schemaPaths(schema: z.core.$ZodType, prefix: string): string[] {
  const def = schema._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; innerType?: z.core.$ZodType; element?: z.core.$ZodType; in?: z.core.$ZodType };
  if (def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => [`${prefix}${key}`, ...schemaPaths(child, `${prefix}${key}.`)]);
  }
  if (def.element) return schemaPaths(def.element, prefix.replace(/\.$/, '[].'));
  const inner = def.innerType ?? def.in;
  return inner ? schemaPaths(inner, prefix) : [];
}

function dataPaths(value: unknown, prefix: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => dataPaths(item, prefix.replace(/\.$/, '[].')));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => [`${prefix}${key}`, ...dataPaths(child, `${prefix}${key}.`)]);
}

test('the example shows every field of the schema', (t) => {
  const text = readFileSync(EXAMPLE, 'utf8');
  const present = new Set(dataPaths(parse(text), ''));
  // An alternative that cannot be set together with its twin is shown commented out.
  const commented = (p: string) => new RegExp(`^\\s*#\\s*${p.split('.').at(-1)}:`, 'm').test(text);
  const missing = schemaPaths(configSchema, '').filter((p) => !present.has(p) && !commented(p));
  t.deepEqual(missing, []);
});

test('a file of comments only yields the defaults, relative to its directory', (t) => {
  const config = loadConfig(writeConfig('# nothing set\n'));
  t.is(config.smpp.tcp.host, '0.0.0.0');
  t.is(config.smpp.tcp.port, 2775);
  t.is(config.smpp.tls, undefined);
  t.is(config.http.host, '127.0.0.1');
  t.is(config.logging.level, 'info');
  t.deepEqual(config.carriers, []);
  t.deepEqual(config.simulator.instances, []);
  t.is(config.configDir, tmp);
  t.is(resolveConfigPath(config, config.stores.routing.path), path.join(tmp, 'data', 'routing.db'));
  t.is(resolveConfigPath(config, '/abs/key'), '/abs/key');
});

test('a carrier gets safe defaults: TLS verification on, one bind', (t) => {
  const config = loadConfig(writeConfig(`carriers:\n  - ${CARRIER}\n    passwordEnv: A_PW\n    tls: { enabled: true }\n`));
  const carrier = config.carriers[0];
  t.is(carrier?.tls.rejectUnauthorized, true);
  t.is(carrier?.binds, 1);
  t.is(carrier?.bindMode, 'transceiver');
  t.is(carrier?.port, 2775);
});

test('the returned configuration is deeply frozen', (t) => {
  const config = loadConfig(writeConfig(`carriers:\n  - ${CARRIER}\n    passwordEnv: A_PW\n`));
  t.true(Object.isFrozen(config));
  t.true(Object.isFrozen(config.carriers));
  t.true(Object.isFrozen(config.carriers[0]?.reconnect));
  t.throws(() => {
    (config.smpp as { windowSize: number }).windowSize = 1;
  }, { instanceOf: TypeError });
});

test('an inline password is an unknown field pointing at passwordEnv and passwordFile', (t) => {
  const issues = issuesOf(`carriers:\n  - ${CARRIER}\n    password: s3cretpw\n`);
  const issue = issues.find((i) => i.path === 'carriers[0].password');
  t.truthy(issue);
  t.regex(issue?.message ?? '', /unknown field "password".*passwordEnv.*passwordFile/);
  t.false(JSON.stringify(issues).includes('s3cretpw'));
});

test('an inline master key is rejected the same way', (t) => {
  const issues = issuesOf('keys:\n  masterKey: deadbeef\n');
  t.regex(issues.find((i) => i.path === 'keys.masterKey')?.message ?? '', /masterKeyEnv.*masterKeyFile/);
});

test('both passwordEnv and passwordFile is an error on the carrier', (t) => {
  const issues = issuesOf(`carriers:\n  - ${CARRIER}\n    passwordEnv: A_PW\n    passwordFile: a.password\n`);
  t.deepEqual(issues.map((i) => i.path), ['carriers[0]']);
  t.regex(issues[0]?.message ?? '', /exactly one of passwordEnv .* or passwordFile/);
});

test('a route needs exactly one of failover or loadShare', (t) => {
  const carriers = `carriers:\n  - ${CARRIER}\n    passwordEnv: A_PW\n`;
  const neither = issuesOf(`${carriers}routes:\n  - name: r\n`);
  const both = issuesOf(`${carriers}routes:\n  - name: r\n    failover: [a]\n    loadShare: [{ carrier: a }]\n`);
  for (const issues of [neither, both]) {
    t.deepEqual(issues.map((i) => i.path), ['routes[0]']);
    t.regex(issues[0]?.message ?? '', /exactly one of failover .* or loadShare/);
  }
});

test('carrier and route names must be unique', (t) => {
  const carrier = `  - ${CARRIER}\n    passwordEnv: A_PW\n`;
  const issues = issuesOf(`carriers:\n${carrier}${carrier}routes:\n  - { name: r, failover: [a] }\n  - { name: r, failover: [a] }\n`);
  t.deepEqual(issues.map((i) => i.path), ['carriers[1].name', 'routes[1].name']);
  t.regex(issues[0]?.message ?? '', /duplicate carrier name "a" \(also carriers\[0\]\.name\)/);
});

test('a route naming a carrier when none exist says how to fix it', (t) => {
  const issues = issuesOf('routes:\n  - name: r\n    loadShare: [{ carrier: ghost, weight: 2 }]\n');
  t.deepEqual(issues, [{ path: 'routes[0].loadShare[0].carrier', message: 'unknown carrier "ghost"; no carriers are defined; add one under carriers (line 3)' }]);
});

test('the routing and contact stores must be different files', (t) => {
  const issues = issuesOf('stores:\n  routing: { path: one.db }\n  contacts: { path: one.db }\n');
  t.deepEqual(issues.map((i) => i.path), ['stores.contacts.path']);
});
