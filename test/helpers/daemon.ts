/**
 * The whole daemon for tests: `startDaemon` (src/main.ts) in this process, or `maskgate
 * start` in a child process when a test must signal or kill it. Either runs on a
 * configuration file written here: a simulated carrier, a client account created by
 * accountSeeds, and the store and key file in the test's temp directory.
 *
 * The carriers are simulators in the test process, not embedded in the daemon (as
 * `simulator.embedded` would do): a carrier must outlive the daemon a test stops or kills,
 * so that the receipts it owes at that moment wait for the next bind, as a real carrier's
 * do. Secrets are files, not environment variables: tests of one file run concurrently in
 * one process and would overwrite each other's variables, and a restart must find the
 * same master key.
 */
import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/loader.js';
import { startDaemon, type Daemon } from '../../src/main.js';
import type { BehaviourInput } from '../../src/config/simulator-schema.js';
import type { LogLevel } from '../../src/obs/logger.js';
import { startSimulator, type Simulator } from '../../simulators/smsc.js';
import { CLI, ROOT } from './cli.js';
import { quietLogger } from './esme.js';
import type { tempFiles } from './temp-files.js';


/** The account accountSeeds creates; SMPP 3.4 passwords have at most 8 characters. */
export const CLIENT = { systemId: 'acme', password: 'acme-pw' } as const;
const CARRIER = { systemId: 'gw', password: 'gwpass' } as const;

type Files = ReturnType<typeof tempFiles>;

export interface DaemonConfigOptions {
  /** Names the store and key files: a restart on the same name finds the same stores. */
  name: string;
  carrierPort: number;
  smpp?: Record<string, unknown>;
  accountDefaults?: Record<string, unknown>;
  moReassembly?: Record<string, unknown>;
  numbers?: Record<string, unknown>;
  /** The HTTP API's section; default: disabled. */
  http?: Record<string, unknown>;
  /** The webhooks section (timeouts, retries); default: the schema's. */
  webhooks?: Record<string, unknown>;
  /** The retention section; default: the schema's. */
  retention?: Record<string, unknown>;
  /** Content rules; default: none. */
  contentRules?: Record<string, unknown>[];
}

/** Writes a daemon configuration into the test's temp directory and returns its path. */
export function writeDaemonConfig(files: Files, opts: DaemonConfigOptions): string {
  const carrierPassword = files.write(`${CARRIER.password}\n`, 'carrier.password');
  const clientPassword = files.write(`${CLIENT.password}\n`, 'client.password');
  return files.write(
    stringify({
      smpp: { tcp: { host: '127.0.0.1', port: 0 }, ...opts.smpp },
      // The default (50 msg/s) would make a load test mostly a test of throttling.
      accountDefaults: { throughputMsgPerSec: 5_000, ...opts.accountDefaults },
      accountSeeds: [{ systemId: CLIENT.systemId, passwordFile: clientPassword }],
      ...(opts.moReassembly ? { moReassembly: opts.moReassembly } : {}),
      ...(opts.numbers ? { numbers: opts.numbers } : {}),
      ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
      ...(opts.retention ? { retention: opts.retention } : {}),
      ...(opts.contentRules ? { contentRules: opts.contentRules } : {}),
      carriers: [
        {
          name: 'alpha',
          host: '127.0.0.1',
          port: opts.carrierPort,
          systemId: CARRIER.systemId,
          passwordFile: carrierPassword,
          binds: 1,
          window: 10,
          throughputMsgPerSec: 2_000,
          responseTimeoutMs: 5_000,
          reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
        },
      ],
      routes: [{ name: 'all', failover: ['alpha'] }],
      stores: { routing: { path: path.join(files.dir, `${opts.name}.db`) }, contacts: { path: path.join(files.dir, `${opts.name}-contacts.db`) } },
      keys: { masterKeyFile: path.join(files.dir, `${opts.name}.key`), createIfMissing: true },
      http: opts.http ?? { enabled: false },
      logging: { level: 'warn', format: 'json' },
    }),
    `${opts.name}.yaml`,
  );
}

/** A simulated carrier that accepts the daemon's bind; closed after the test. */
export async function startCarrier(t: ExecutionContext, behaviour: BehaviourInput = {}): Promise<Simulator> {
  const sim = await startSimulator({ name: 'alpha', port: 0, accounts: [CARRIER], behaviour });
  t.teardown(() => sim.close());
  return sim;
}

/** Resolves once the condition holds, checked every 10 ms: for states no event announces. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

export interface TestDaemon {
  daemon: Daemon;
  sim: Simulator;
  config: LoadedConfig;
  /** The configuration file, for the CLI run beside the daemon. */
  file: string;
}

/** The daemon in this process, its carrier bound, stopped after the test. */
export async function startTestDaemon(
  t: ExecutionContext,
  files: Files,
  opts: { name: string; behaviour?: BehaviourInput; smpp?: Record<string, unknown>; accountDefaults?: Record<string, unknown>; moReassembly?: Record<string, unknown>; numbers?: Record<string, unknown>; http?: Record<string, unknown>; webhooks?: Record<string, unknown>; retention?: Record<string, unknown>; contentRules?: Record<string, unknown>[] },
): Promise<TestDaemon> {
  const sim = await startCarrier(t, opts.behaviour);
  const file = writeDaemonConfig(files, { name: opts.name, carrierPort: sim.port, smpp: opts.smpp, accountDefaults: opts.accountDefaults, moReassembly: opts.moReassembly, numbers: opts.numbers, http: opts.http, webhooks: opts.webhooks, retention: opts.retention, contentRules: opts.contentRules });
  const config = loadConfig(file);
  const daemon = await startDaemon(config, quietLogger);
  t.teardown(() => daemon.stop());
  // Messages submitted before the carrier bind is up would wait a retry backoff.
  await until(() => daemon.gateway.carriers.isAvailable('alpha'));
  return { daemon, sim, config, file };
}

export interface DaemonProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** The port clients bind to, as `start` printed it. */
  port: number;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The end of what it wrote to stderr (its log), for failure messages. */
  stderr(): string;
  /** Everything it wrote so far, in full: what a test scans for what must never be printed. */
  output(): { stdout: string; stderr: string };
  /** The promise, unless the process ends first: then a rejection with its log. */
  whileRunning<T>(promise: Promise<T>): Promise<T>;
}

/**
 * `maskgate start --config file` in a child process, resolved once it printed where
 * clients bind; killed after the test if it still runs. Rejects if it exits before.
 * It logs at `logLevel` (MASKGATE_LOG_LEVEL; `warn` unless given).
 */
export async function spawnDaemon(t: ExecutionContext, file: string, opts: { logLevel?: LogLevel } = {}): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [CLI, 'start', '--config', file], {
    cwd: ROOT,
    env: { ...process.env, MASKGATE_LOG_LEVEL: opts.logLevel ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8');
  let stdout = '';
  const port = await new Promise<number>((resolve, reject) => {
    void exited.then(({ code, signal }) => reject(new Error(`maskgate start ended (${code ?? signal}) before it was ready: ${stderr.slice(-20_000)}`)));
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const m = /clients bind to smpp:\/\/[\d.]+:(\d+)/.exec(stdout);
      if (m && stdout.includes('Ctrl-C stops it.')) resolve(Number(m[1]));
    });
  });
  const ended = exited.then(({ code, signal }) => {
    throw new Error(`maskgate start ended (${code ?? signal}) while the test waited on it: ${stderr.slice(-20_000)}`);
  });
  ended.catch(() => undefined); // only a waiter's race reports it
  return { child, port, exited, stderr: () => stderr.slice(-20_000), output: () => ({ stdout, stderr }), whileRunning: (promise) => Promise.race([promise, ended]) };
}
