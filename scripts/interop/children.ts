/**
 * The processes of one interop run (the simulator, gateways, the Perl ESME and SMSC): each
 * is spawned here, its stdout read line by line, the tail of its stderr kept for the
 * failure report, and every one of them stopped at the end, also when the run fails or is
 * interrupted. Only the processes started here are ever signalled, by their own pid.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Lines of stderr kept per process: enough for a stack trace and the log lines before it. */
const STDERR_TAIL_LINES = 40;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Child {
  readonly exited: Promise<Exit>;
  private readonly stderrTail: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private exit: Exit | undefined;

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    createInterface({ input: process.stdout! }).on('line', (line) => {
      for (const listener of this.lineListeners) listener(line);
    });
    createInterface({ input: process.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
    });
    this.exited = new Promise((resolve) => {
      process.once('error', (err) => {
        this.stderrTail.push(`cannot start: ${err.message}`);
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
      process.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** Resolves with the first stdout line `pick` maps to a value; rejects if the process exits or time runs out. */
  waitForLine<T>(what: string, timeoutMs: number, pick: (line: string) => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (settle: () => void) => {
        clearTimeout(timer);
        off();
        settle();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms${this.tailForReport()}`))), timeoutMs);
      const off = this.onLine((line) => {
        const value = pick(line);
        if (value !== undefined) done(() => resolve(value));
      });
      void this.exited.then((exit) => done(() => reject(new Error(`${this.name} exited (${describeExit(exit)}) before ${what}${this.tailForReport()}`))));
    });
  }

  write(line: string): void {
    this.process.stdin?.write(`${line}\n`);
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  async stop(graceMs: number): Promise<Exit> {
    if (!this.running) return this.exited;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.running && this.process.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** The last stderr lines, indented, for a failure message ('' when there are none). */
  tailForReport(): string {
    if (this.stderrTail.length === 0) return '';
    return `\n    last stderr lines of ${this.name}:\n${this.stderrTail.map((l) => `      ${l}`).join('\n')}`;
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

export class Children {
  private readonly all: Child[] = [];

  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
    const process = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    const child = new Child(name, process);
    this.all.push(child);
    return child;
  }

  /** Stops every process still running, all at once, each with the same grace period. */
  async stopAll(graceMs: number): Promise<void> {
    await Promise.all(this.all.map((c) => c.stop(graceMs)));
  }

  /** The stderr tails of every process, for a failure report. */
  tails(): string {
    return this.all.map((c) => c.tailForReport()).join('');
  }

  /** Last resort when the orchestrator itself exits: no grace, no waiting. */
  killAllNow(): void {
    for (const c of this.all) if (c.running) c.process.kill('SIGKILL');
  }
}
