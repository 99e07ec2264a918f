/**
 * The master keys a process holds, by version, and the data keys derived from them: what the
 * stores seal and open records with. The highest version is the current one (new records
 * are sealed under it); every version held opens the records sealed under it.
 *
 * The stores take one view per purpose (`keysFor('routing-bodies')`, the shape of BodyKeys
 * and ContactKeys) whose `current` is a getter, read at every seal: when the ring changes,
 * every store seals under the new version from its next record on, with no change to them.
 *
 * In the daemon the ring follows the key file (`watch`): `keys rotate` adds a new master key
 * to it, then, once every record is re-sealed, removes the old ones, and the daemon sees
 * both changes within about a second (it polls the file's identity, size and times; one
 * stat a second costs nothing). A changed file is taken only if it keeps every key the ring
 * holds unchanged and does not go back to an older current version: anything else (a typo,
 * a restored backup, a key file of another installation) would seal under a key the stores
 * do not know, so it is logged and ignored, and the keys already held stay in use. No key
 * value is ever logged.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../obs/logger.js';
import { currentVersion, readMasterKeyFile, type MasterKeys } from './key-file.js';
import { deriveKey, loadMasterKeys, type KeyPurpose } from './master-key.js';

/** The data keys of one purpose, as a store uses them. */
export interface PurposeKeys {
  /** Seals new records: the current master key's version, read at every seal. */
  readonly current: { version: number; key: Buffer };
  /** The key of a version, or undefined when the ring holds no master key of that version. */
  keyFor(version: number): Buffer | undefined;
}

/** What a reload changed. */
export interface KeyRingChange {
  added: number[];
  retired: number[];
  /** The current version before and after. */
  from: number;
  to: number;
}

const WATCH_INTERVAL_MS = 1_000;

export class KeyRing {
  #masters: MasterKeys;
  readonly #file: string | undefined;
  /** Derived keys by version and purpose: HKDF once per key, not per record. */
  readonly #derived = new Map<number, Map<KeyPurpose, Buffer>>();
  /** The `current` object of each purpose, made once per current version. */
  readonly #current = new Map<KeyPurpose, { version: number; key: Buffer }>();
  readonly #listeners: ((change: KeyRingChange) => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #seen = '';

  /** The configured keys: the key file (which `watch` follows) or the variable. */
  static load(keys: Config['keys'], configDir: string): KeyRing {
    if (keys.masterKeyFile === undefined) return new KeyRing(loadMasterKeys(keys, configDir));
    const file = path.resolve(configDir, keys.masterKeyFile);
    // The file's identity before it is read: a change between the two is seen by `watch`.
    const seen = signatureOf(file);
    return new KeyRing(loadMasterKeys(keys, configDir), { file, seen });
  }

  constructor(masters: MasterKeys, source?: { file: string; seen: string }) {
    this.#masters = masters;
    this.#file = source?.file;
    this.#seen = source?.seen ?? '';
  }

  get masters(): MasterKeys {
    return this.#masters;
  }

  get currentVersion(): number {
    return currentVersion(this.#masters);
  }

  keysFor(purpose: KeyPurpose): PurposeKeys {
    const currentOf = () => this.#currentOf(purpose);
    return {
      get current() {
        return currentOf();
      },
      keyFor: (version) => this.#derive(purpose, version),
    };
  }

  /** Told after every reload that changed the keys (the daemon acknowledges a new current version). */
  onChange(listener: (change: KeyRingChange) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Reads the key file again and takes it if it is a valid successor of the keys held;
   * throws KEY_INVALID (keys unchanged) if not. Returns what changed, or undefined.
   */
  reload(): KeyRingChange | undefined {
    if (this.#file === undefined) return undefined;
    const next = readMasterKeyFile(this.#file);
    assertSuccessor(this.#masters, next, this.#file);
    const added = [...next.keys()].filter((v) => !this.#masters.has(v)).sort((a, b) => a - b);
    const retired = [...this.#masters.keys()].filter((v) => !next.has(v)).sort((a, b) => a - b);
    if (added.length === 0 && retired.length === 0) return undefined;
    const change = { added, retired, from: this.currentVersion, to: currentVersion(next) };
    this.#masters = next;
    for (const version of retired) this.#derived.delete(version);
    this.#current.clear();
    for (const listener of this.#listeners) listener(change);
    return change;
  }

  /** Follows the key file until `stop()`; keys from a variable cannot change, so nothing to follow. */
  watch(logger: Logger, intervalMs = WATCH_INTERVAL_MS): void {
    if (this.#file === undefined || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#poll(logger), intervalMs);
    this.#timer.unref(); // never what keeps a process alive
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #poll(logger: Logger): void {
    const signature = signatureOf(this.#file!);
    if (signature === this.#seen) return;
    this.#seen = signature;
    let change: KeyRingChange | undefined;
    try {
      change = this.reload();
    } catch (err) {
      logger.warn('the master key file changed but cannot be used; the keys already loaded stay in use', { file: this.#file, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (change === undefined) return;
    if (change.to !== change.from) logger.info('new records are now sealed under another master key version', { from: change.from, to: change.to });
    if (change.retired.length > 0) logger.info('master key versions retired: records under them can no longer be opened', { versions: change.retired });
  }

  #currentOf(purpose: KeyPurpose): { version: number; key: Buffer } {
    let current = this.#current.get(purpose);
    if (current === undefined) {
      const version = this.currentVersion;
      current = { version, key: this.#derive(purpose, version)! };
      this.#current.set(purpose, current);
    }
    return current;
  }

  #derive(purpose: KeyPurpose, version: number): Buffer | undefined {
    const master = this.#masters.get(version);
    if (master === undefined) return undefined;
    let keys = this.#derived.get(version);
    if (keys === undefined) this.#derived.set(version, (keys = new Map()));
    let key = keys.get(purpose);
    if (key === undefined) {
      // A version's data key derives from that version's master key (envelope version = master version).
      key = deriveKey(master, purpose, version);
      keys.set(purpose, key);
    }
    return key;
  }
}

/** Changes whenever the file is replaced or written; the keys are read only then. */
function signatureOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`;
  }
}

/** A new key file may add versions and drop old ones, never change a key or go back. */
function assertSuccessor(held: MasterKeys, next: MasterKeys, file: string): void {
  for (const [version, key] of next) {
    const before = held.get(version);
    if (before !== undefined && !before.equals(key)) {
      throw new GatewayError('KEY_INVALID', `master key file ${file} now holds a different key for version ${version}; records sealed under the key held would become unreadable. Restore the file as \`keys rotate\` left it`);
    }
  }
  if (currentVersion(next) < currentVersion(held)) {
    throw new GatewayError('KEY_INVALID', `master key file ${file} no longer holds the current key version ${currentVersion(held)}; records sealed under it would become unreadable. Restore the file as \`keys rotate\` left it`);
  }
}
