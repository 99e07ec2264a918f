/**
 * The relay benchmark's child processes: the simulator and the gateway, each run through
 * the real CLI (`scripts/maskgate.mjs simulator|start --config FILE`) so that the gateway's
 * CPU and memory can be read alone, from /proc. A child is ready when its CLI printed what
 * it prints once listening; it is stopped with SIGTERM (the daemon drains, exit 0) and
 * SIGKILLed if that takes too long. Every child still alive when this process exits, for
 * whatever reason, is SIGKILLed: a failed benchmark leaves nothing running.
 * `RELAY_GATEWAY_CPU_PROF=DIR` runs the gateway under `node --cpu-prof` into DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../maskgate.mjs', import.meta.url));
/** Start-up includes transpiling the sources with tsx: slow on a loaded machine. */
const READY_TIMEOUT_MS = 60_000;
/** The daemon's own SIGTERM deadline is 20 s (cli/start-command.ts); a little more here. */
const STOP_TIMEOUT_MS = 25_000;
/** Enough of a child's stderr to explain a failure, never unbounded. */
const STDERR_TAIL_CHARS = 4_000;
/** USER_HZ: the unit of utime and stime in /proc/<pid>/stat, 100 on every Linux ABI Node runs on. */
const CLOCK_TICKS_PER_S = 100;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface CliChild {
  readonly pid: number;
  /** What the CLI printed on stdout until it was ready. */
  readonly banner: string;
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after the deadline; resolves with the exit code (null when killed). */
  stop(): Promise<number | null>;
}

/**
 * Runs `maskgate <args>` and resolves once its stdout matched `ready`; rejects, with the
 * child killed and its stderr in the message, if it exits or stays silent first.
 */
export async function startCli(args: string[], opts: { env: NodeJS.ProcessEnv; ready: RegExp; nodeArgs?: string[] }): Promise<CliChild> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, ...args], { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const exited = once(child, 'exit').then(([code]) => {
    live.delete(child);
    return code as number | null;
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS)));
  let stdout = '';
  const banner = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`maskgate ${args.join(' ')} ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < STDERR_TAIL_CHARS) stdout += chunk; // the banner is short; later output is drained, not kept
      if (!settled && opts.ready.test(stdout)) {
        settled = true;
        clearTimeout(timer);
        resolve(stdout);
      }
    });
    void exited.then((code) => fail(`exited with code ${code} before it was ready`));
  });
  return {
    pid: child.pid!,
    banner,
    stderrTail: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** CPU seconds (user + system, every thread) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of proc(5); this slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

/** Resident memory of the process, now (VmRSS) and at its peak so far (VmHWM), in MiB. */
export function residentMb(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const kb = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    if (kb === undefined) throw new Error(`no ${name} in /proc/${pid}/status: is this Linux?`);
    return Math.round(Number(kb) / 1024);
  };
  return { now: field('VmRSS'), peak: field('VmHWM') };
}

const SIMULATOR_READY = /"instances":\[\{"name":"sim","host":"127\.0\.0\.1","port":(\d+)/;
const GATEWAY_READY = /clients bind to smpp:\/\/127\.0\.0\.1:(\d+)[\s\S]*Ctrl-C stops it\./;

function portOf(child: CliChild, pattern: RegExp): number {
  const port = Number(pattern.exec(child.banner)?.[1]);
  if (!(port > 0)) throw new Error(`cannot read the port from:\n${child.banner}`);
  return port;
}

/** `maskgate simulator` on the benchmark's simulator configuration (one instance, "sim"). */
export async function startSimulatorProcess(configFile: string, env: NodeJS.ProcessEnv): Promise<{ child: CliChild; port: number }> {
  const child = await startCli(['--json', 'simulator', '--config', configFile], { env, ready: SIMULATOR_READY });
  return { child, port: portOf(child, SIMULATOR_READY) };
}

/** `maskgate start` on the benchmark's gateway configuration, profiled when RELAY_GATEWAY_CPU_PROF is set. */
export async function startGatewayProcess(configFile: string, env: NodeJS.ProcessEnv): Promise<{ child: CliChild; port: number }> {
  const profileDir = process.env.RELAY_GATEWAY_CPU_PROF;
  const child = await startCli(['start', '--config', configFile], { env, ready: GATEWAY_READY, nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] });
  return { child, port: portOf(child, GATEWAY_READY) };
}

/**
 * Runs a benchmark in a temporary directory with child processes, and leaves neither
 * behind: on return, on failure, and on Ctrl-C or a kill (exit through 'exit', where the
 * children are SIGKILLed and the directory goes).
 */
export async function inWorkspace<T>(prefix: string, run: (dir: string, children: CliChild[]) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const children: CliChild[] = [];
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const exitOnSignal = () => process.exit(130);
  process.once('exit', removeDir);
  process.once('SIGINT', exitOnSignal);
  process.once('SIGTERM', exitOnSignal);
  try {
    return await run(dir, children);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    removeDir();
    process.off('exit', removeDir);
    process.off('SIGINT', exitOnSignal);
    process.off('SIGTERM', exitOnSignal);
  }
}
