/**
 * The master key file and variable: their format, and writing the file safely.
 *
 * Rotation (`maskgate keys rotate`) needs the old and the new master key side by side until
 * every record is re-sealed, so the file holds several keys, one per line, each with its
 * version: `<version>:<base64 of 32 bytes>`. The highest version seals new records; every
 * version present opens the records sealed under it. A line that is only a key (what
 * `keys init` wrote before versions existed) is version 1. `#` comments and blank lines are
 * skipped. The variable (`keys.masterKeyEnv`) takes the same entries separated by commas.
 *
 * Errors name the file or variable and the line or entry, never the value: it may be a real
 * key pasted slightly wrong.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { GatewayError } from '../errors.js';

/** Master keys by version (1, 2, …), lowest first; the highest is the current one. */
export type MasterKeys = ReadonlyMap<number, Buffer>;

export const MASTER_KEY_BYTES = 32;

/** The envelope stores the version in 4 bytes (keys/envelope.ts). */
const MAX_VERSION = 0xffff_ffff;

/** Standard base64 of exactly 32 bytes: 43 characters and one `=`. */
const KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const ENTRY = /^(?:([0-9]+):)?(.*)$/;

const EXPECTED_FORM = `the base64 encoding of ${MASTER_KEY_BYTES} random bytes (44 characters ending in "="), as written by \`maskgate keys init\`, optionally after its version and a colon (\`2:…\`)`;

const FILE_HEADER = [
  '# maskgate master keys, one per line as <version>:<base64>; the highest version encrypts new data.',
  '# Keep them secret and back them up apart from the stores: without them their encrypted data cannot be read.',
  '',
].join('\n');

/** The highest version: the one new records are sealed under. */
export function currentVersion(keys: MasterKeys): number {
  return Math.max(...keys.keys());
}

/** Parses a key file's text (`separator: 'lines'`) or a variable's value (`'commas'`). */
export function parseMasterKeys(text: string, source: string, separator: 'lines' | 'commas'): MasterKeys {
  const place = separator === 'lines' ? 'line' : 'entry';
  const pieces = separator === 'lines' ? text.split(/\r?\n/) : text.split(',');
  const keys = new Map<number, Buffer>();
  pieces.forEach((raw, i) => {
    const piece = raw.trim();
    if (piece === '' || (separator === 'lines' && piece.startsWith('#'))) return;
    const where = `${source} ${place} ${i + 1}`;
    const [, versionText, encoded = ''] = ENTRY.exec(piece) ?? [];
    const version = versionText === undefined ? 1 : Number(versionText);
    if (!Number.isSafeInteger(version) || version < 1 || version > MAX_VERSION) {
      throw new GatewayError('KEY_INVALID', `${where} has key version ${versionText}; a version is a whole number from 1 to ${MAX_VERSION}`);
    }
    if (!KEY_BASE64.test(encoded)) {
      throw new GatewayError('KEY_INVALID', `${where} does not hold a valid master key: expected ${EXPECTED_FORM}`);
    }
    if (keys.has(version)) {
      throw new GatewayError('KEY_INVALID', `${where} gives key version ${version} a second time (a line without a version is version 1); keep one key per version`);
    }
    keys.set(version, Buffer.from(encoded, 'base64'));
  });
  if (keys.size === 0) {
    throw new GatewayError('KEY_INVALID', `${source} does not hold a valid master key: expected ${EXPECTED_FORM}`);
  }
  return new Map([...keys].sort(([a], [b]) => a - b));
}

/** A key file's text for these keys, lowest version first. */
function formatKeyFile(keys: MasterKeys): string {
  const entries = [...keys].sort(([a], [b]) => a - b).map(([version, key]) => `${version}:${key.toString('base64')}`);
  return `${FILE_HEADER}${entries.join('\n')}\n`;
}

/**
 * Reads a key file that only its owner may read. The mode is checked on the descriptor the
 * keys are read from, so the mode checked is the mode of the file read.
 */
export function readMasterKeyFile(file: string): MasterKeys {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    const fix = reason === 'ENOENT' ? 'create it with `maskgate keys init`, or point keys.masterKeyFile at the existing key' : 'check its owner and permissions';
    throw new GatewayError('KEY_MISSING', `cannot read master key file ${file} (${reason}); ${fix}`, { cause: err });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new GatewayError('KEY_INVALID', `master key file ${file} is not a regular file; point keys.masterKeyFile at the key file \`maskgate keys init\` wrote`);
    }
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new GatewayError('KEY_INVALID', `master key file ${file} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 600 ${file}\``);
    }
    return parseMasterKeys(readFileSync(fd, 'utf8'), `master key file ${file}`, 'lines');
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a key file with mode 0600, creating its directory (0700) if needed. The keys go to
 * a temporary file first, synced, then take the final name in one step, so a crash leaves
 * the old file or the complete new one, never a mix. `replace: false` never replaces an
 * existing file (`keys init` without --force); `true` does (rotation, `--force`).
 */
export function writeMasterKeyFile(file: string, keys: MasterKeys, opts: { replace: boolean }): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      // the umask may have changed the mode at creation
      fchmodSync(fd, 0o600);
      writeSync(fd, formatKeyFile(keys));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.replace) {
      renameSync(temp, file);
    } else {
      // link() fails if the name exists, where rename() would silently replace it.
      linkSync(temp, file);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new GatewayError(
        'USAGE',
        `master key file ${file} already exists; overwriting it makes everything encrypted under the old key unreadable. Keep it, or back it up and run \`maskgate keys init --force\` to replace it`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  syncDirectory(dir);
}

/** Makes the new directory entry durable: a key lost to a power cut would orphan the stores. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
