/**
 * Our side of the interop run, as an operator would run it: `maskgate simulator` and
 * `maskgate start` as child processes on configuration files written to a temporary
 * directory (stores, master key, passwords all in there). Every listener uses port 0; the
 * ports are read back from what the commands print.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Child, Children } from './children.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MASKGATE = path.join(REPO_ROOT, 'scripts', 'maskgate.mjs');
/** tsx compiles the sources on first start; a loaded 2-core machine needs some seconds. */
const START_TIMEOUT_MS = 30_000;

export class Workspace {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'maskgate-interop-'));

  /** Writes a file into the workspace (mode 0600: passwords live here) and returns its path. */
  write(name: string, content: string): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An SMPP password: SMPP 3.4 allows at most 8 characters. */
export function newPassword(): string {
  return randomBytes(6).toString('base64url');
}

export interface RunningSimulator {
  child: Child;
  /** Port of each simulated carrier, by instance name. */
  ports: Map<string, number>;
}

export async function startSimulatorProcess(children: Children, ws: Workspace, config: object): Promise<RunningSimulator> {
  const file = ws.write('simulator.yaml', stringify(config));
  const child = children.spawn('maskgate simulator', process.execPath, [MASKGATE, '--json', 'simulator', '--config', file], { cwd: REPO_ROOT });
  const ports = await child.waitForLine('list of simulated carriers', START_TIMEOUT_MS, (line) => {
    if (!line.startsWith('{')) return undefined;
    const summary = JSON.parse(line) as { instances?: { name: string; port: number }[] };
    return summary.instances ? new Map(summary.instances.map((i) => [i.name, i.port])) : undefined;
  });
  return { child, ports };
}

/**
 * A gateway configuration: clients on 127.0.0.1 (port 0), one seeded client account, its
 * own stores and a master key made on first start, all inside the workspace.
 */
export function gatewayConfig(carriers: object[], routes: object[], name: string, account: { systemId: string; passwordFile: string }): object {
  return {
    smpp: { tcp: { host: '127.0.0.1', port: 0 } },
    accountSeeds: [account],
    carriers,
    routes,
    stores: { routing: { path: `${name}-routing.db` }, contacts: { path: `${name}-contacts.db` } },
    keys: { masterKeyFile: `${name}.key`, createIfMissing: true },
    http: { enabled: false },
    logging: { level: 'info', format: 'json' },
  };
}

export interface RunningGateway {
  child: Child;
  /** The port clients bind to. */
  port: number;
}

export async function startGatewayProcess(children: Children, ws: Workspace, name: string, config: object): Promise<RunningGateway> {
  const file = ws.write(`${name}.yaml`, stringify(config));
  const child = children.spawn(`maskgate start (${name})`, process.execPath, [MASKGATE, 'start', '--config', file], { cwd: REPO_ROOT });
  let port: number | undefined;
  const stopPort = child.onLine((line) => {
    const m = /clients bind to smpp:\/\/[^\s:]+:(\d+)/.exec(line);
    if (m) port = Number(m[1]);
  });
  // The last line of the start-up banner: everything is listening by then.
  await child.waitForLine('"Ctrl-C stops it." (start-up finished)', START_TIMEOUT_MS, (line) => (line.includes('Ctrl-C stops it') ? true : undefined));
  stopPort();
  if (port === undefined) throw new Error(`${child.name} never printed the port clients bind to (expected "clients bind to smpp://HOST:PORT")`);
  return { child, port };
}
