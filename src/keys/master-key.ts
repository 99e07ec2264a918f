/**
 * The master key: 32 random bytes from which every data key derives, so one secret is
 * kept, backed up and rotated, and no two purposes ever share a key. It lives in a 0600 file
 * (`keys.masterKeyFile`, written by `maskgate keys init`) or in an environment variable
 * (`keys.masterKeyEnv`), base64 in both. A key that is missing, malformed or readable by
 * others stops start-up with the fix, never a fallback.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';

const MASTER_KEY_BYTES = 32;

/**
 * What each derived key protects. A purpose is part of the HKDF info, so keys for different
 * purposes are independent: a leaked blind-index key reveals nothing about contact records.
 */
export type KeyPurpose = 'routing-bodies' | 'contacts' | 'blind-index' | 'key-check' | 'mo-parts';

/**
 * HKDF salt (RFC 5869 §3.1). The master key is already uniformly random, so the salt need not
 * be secret or per-install; a fixed, maskgate-specific value separates our derivations from
 * any other use of the same bytes. Changing it changes every derived key: never change it.
 */
const HKDF_SALT = Buffer.from('maskgate/hkdf-salt/v1', 'utf8');

const KEY_CHECK_LABEL = 'maskgate key check';

/** Standard base64 of exactly 32 bytes: 43 characters and one `=`. */
const KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

const EXPECTED_FORM = `the base64 encoding of ${MASTER_KEY_BYTES} random bytes (44 characters ending in "="), as written by \`maskgate keys init\``;

const FILE_HEADER = '# maskgate master key: keep it secret and back it up apart from the stores; without it their encrypted data cannot be read\n';

export function generateMasterKey(): Buffer {
  return randomBytes(MASTER_KEY_BYTES);
}

/** The configured master key; throws KEY_MISSING or KEY_INVALID naming the source and the fix. */
export function loadMasterKey(keys: Pick<Config['keys'], 'masterKeyFile' | 'masterKeyEnv'>, configDir: string): Buffer {
  if (keys.masterKeyFile !== undefined) return loadFromFile(path.resolve(configDir, keys.masterKeyFile));
  if (keys.masterKeyEnv !== undefined) return loadFromEnv(keys.masterKeyEnv);
  throw new GatewayError('KEY_MISSING', 'no master key configured: set keys.masterKeyFile (a 0600 key file) or keys.masterKeyEnv (an environment variable name)');
}

function loadFromFile(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    const fix = reason === 'ENOENT' ? 'create it with `maskgate keys init`, or point keys.masterKeyFile at the existing key' : 'check its owner and permissions';
    throw new GatewayError('KEY_MISSING', `cannot read master key file ${file} (${reason}); ${fix}`, { cause: err });
  }
  try {
    // fstat the descriptor we read from, so the mode checked is the mode of the file read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new GatewayError('KEY_INVALID', `master key file ${file} is not a regular file; point keys.masterKeyFile at the key file \`maskgate keys init\` wrote`);
    }
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new GatewayError('KEY_INVALID', `master key file ${file} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 600 ${file}\``);
    }
    return parseKey(readFileSync(fd, 'utf8'), `master key file ${file}`);
  } finally {
    closeSync(fd);
  }
}

function loadFromEnv(name: string): Buffer {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new GatewayError('KEY_MISSING', `environment variable ${name} (keys.masterKeyEnv) is not set or empty; set it to the master key (\`maskgate keys init\` makes one)`);
  }
  return parseKey(value, `environment variable ${name}`);
}

/** Comment lines (`#`) and blank lines are skipped; exactly one line must remain, the key. */
function parseKey(text: string, source: string): Buffer {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const [line] = lines;
  // The value itself is never echoed: it may be a real key pasted slightly wrong.
  if (lines.length !== 1 || line === undefined || !KEY_BASE64.test(line)) {
    throw new GatewayError('KEY_INVALID', `${source} does not hold a valid master key: expected ${EXPECTED_FORM}`);
  }
  return Buffer.from(line, 'base64');
}

/**
 * With `keys.createIfMissing` (the demo), makes the key file when it does not exist yet and
 * returns its path; otherwise does nothing and returns undefined.
 */
export function createMasterKeyIfMissing(keys: Config['keys'], configDir: string): string | undefined {
  if (!keys.createIfMissing || keys.masterKeyFile === undefined) return undefined;
  const file = path.resolve(configDir, keys.masterKeyFile);
  if (existsSync(file)) return undefined;
  writeMasterKeyFile(file, generateMasterKey(), { force: false });
  return file;
}

/**
 * Writes a key file with mode 0600, creating its directory (0700) if needed. The key goes to a
 * temporary file first, synced, then takes the final name in one step, so a crash leaves either
 * no key file or a complete one. Without `force` an existing file is never replaced.
 */
export function writeMasterKeyFile(file: string, key: Buffer, opts: { force: boolean }): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      // the umask may have changed the mode at creation
      fchmodSync(fd, 0o600);
      writeSync(fd, `${FILE_HEADER}${key.toString('base64')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.force) {
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

/** A 32-byte key for one purpose and key version, derived from the master key with HKDF-SHA256. */
export function deriveKey(master: Buffer, purpose: KeyPurpose, version: number): Buffer {
  return Buffer.from(hkdfSync('sha256', master, HKDF_SALT, `maskgate:${purpose}:v${version}`, MASTER_KEY_BYTES));
}

/**
 * A fingerprint of the master key, safe to store beside the data: an HMAC under a key derived
 * for this purpose alone, so it reveals nothing about the keys that encrypt. Each store keeps
 * it from its creation and compares it at every open, so a wrong key stops start-up instead of
 * surfacing later as records that fail to decrypt.
 */
export function keyCheckValue(master: Buffer): string {
  return createHmac('sha256', deriveKey(master, 'key-check', 1)).update(KEY_CHECK_LABEL).digest('hex');
}
