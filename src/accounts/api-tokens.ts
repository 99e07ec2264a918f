/**
 * API tokens for the HTTP API (routing store, migration 10), and who they let in.
 *
 * A token is `mg_<id>_<secret>`: the id names the row (and shows in listings, logs and the
 * audit trail), the secret is 32 random bytes shown once at creation. Only SHA-256 of the
 * secret is kept: the secret has 256 bits of entropy, so a slow hash such as scrypt would
 * add cost to every request and no protection. Comparison is constant-time.
 *
 * Roles, widest first:
 * - admin: everything, and token management; needs a second factor (TOTP, RFC 6238) on every
 *   request, because an admin token alone could hand out the pool or read any account;
 * - operator: runs the service: leases, masks, sessions, messages, read-outs for any account;
 * - client: bound to one account, sees and changes only that account's data;
 * - auditor: read-only, and the only role besides admin that reads the audit trail.
 *
 * A TOTP code is valid within one 30 s step of clock skew either way, as authenticator apps
 * expect. The newest step used is kept and older ones are refused, so a code cannot be used
 * once a newer one has been; within its own step a code may serve several requests, because
 * an admin script makes more than one request per 30 s. What the second factor buys is that
 * a leaked bearer token alone opens nothing; someone holding both the token and a fresh code
 * can act until that code's step passes (at most about 90 s).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { GatewayError } from '../errors.js';
import { open, seal } from '../keys/envelope.js';
import type { PurposeKeys } from '../keys/key-ring.js';
import type { Statement } from 'better-sqlite3';
import type { Database } from '../store/database.js';

export const API_ROLES = ['admin', 'operator', 'client', 'auditor'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface ApiToken {
  id: string;
  name: string;
  role: ApiRole;
  /** The client role's account; null for the other roles. */
  account: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface CreatedToken {
  token: ApiToken;
  /** The bearer value, shown once. */
  secret: string;
  /** Admin tokens: the TOTP secret (base32) and an otpauth:// URI for an authenticator app. */
  totp?: { secret: string; uri: string };
}

export type AuthFailure = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'totp-required' | 'totp-invalid';

export type AuthResult = { ok: true; token: ApiToken } | { ok: false; reason: AuthFailure; tokenId?: string };

interface TokenRow {
  id: string;
  name: string;
  role: ApiRole;
  account: string | null;
  secret_hash: Buffer;
  totp_secret: Buffer | null;
  totp_last_step: number | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

const TOKEN_FORMAT = /^mg_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;
const TOTP_PERIOD_S = 30;
/** last_used_at is written at most this often per token: a busy client must not write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Associated data of a token's sealed TOTP secret (also store/sealed-columns.ts, for keys rotate). */
export const totpAad = (id: string) => Buffer.from(`totp:${id}`);

export class ApiTokens {
  readonly #db: Database;
  readonly #keys: PurposeKeys;
  readonly #now: () => number;
  // Prepared once: authenticate runs on every API request.
  readonly #byId: Statement<[string], TokenRow>;
  readonly #touch: Statement<[number, string]>;
  readonly #takeStep: Statement<[number, string, number]>;

  constructor(db: Database, keys: PurposeKeys, now: () => number = Date.now) {
    this.#db = db;
    this.#keys = keys;
    this.#now = now;
    this.#byId = db.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?');
    this.#touch = db.prepare<[number, string]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');
    this.#takeStep = db.prepare<[number, string, number]>('UPDATE api_tokens SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step <= ?)');
  }

  create(req: { name: string; role: ApiRole; account?: string; ttlMs?: number }): CreatedToken {
    const name = req.name.trim();
    if (name === '' || name.length > 64) throw new GatewayError('USAGE', 'a token name is 1 to 64 characters: say who or what uses it (e.g. "billing-service")');
    if ((req.role === 'client') !== (req.account !== undefined)) {
      throw new GatewayError('USAGE', req.role === 'client' ? 'a client token is bound to one account: give --account SYSTEM_ID' : `--account is for client tokens only; a ${req.role} token is not bound to an account`);
    }
    if (req.account !== undefined && this.#db.prepare('SELECT 1 FROM accounts WHERE system_id = ?').get(req.account) === undefined) {
      throw new GatewayError('USAGE', `no account "${req.account}"; see \`maskgate accounts list\``);
    }
    const id = base32(randomBytes(10));
    const secretPart = randomBytes(32).toString('base64url');
    const now = this.#now();
    let totp: CreatedToken['totp'];
    let sealedTotp: Buffer | null = null;
    if (req.role === 'admin') {
      const otp = new Secret({ size: 20 });
      const { version, key } = this.#keys.current;
      sealedTotp = seal(key, version, Buffer.from(otp.base32), totpAad(id));
      totp = { secret: otp.base32, uri: totpFor(otp, name).toString() };
    }
    this.#db
      .prepare('INSERT INTO api_tokens (id, name, role, account, secret_hash, totp_secret, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, name, req.role, req.account ?? null, sha256(secretPart), sealedTotp, now, req.ttlMs === undefined ? null : now + req.ttlMs);
    return { token: this.require(id), secret: `mg_${id}_${secretPart}`, ...(totp ? { totp } : {}) };
  }

  get(id: string): ApiToken | undefined {
    const row = this.#byId.get(id);
    return row && toToken(row);
  }

  require(id: string): ApiToken {
    const token = this.get(id);
    if (!token) throw new GatewayError('USAGE', `no API token "${id}"; see \`maskgate tokens list\``);
    return token;
  }

  list(): ApiToken[] {
    return this.#db.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, id').all().map(toToken);
  }

  revoke(id: string): ApiToken {
    const token = this.require(id);
    if (token.revokedAt === null) this.#db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(this.#now(), id);
    return this.require(id);
  }

  /**
   * Checks a bearer value (and, for admin tokens, a TOTP code). Failures say why, for the
   * audit trail; the HTTP answer is the same 401 for every one of them.
   */
  authenticate(bearer: string, totpCode?: string): AuthResult {
    const parsed = TOKEN_FORMAT.exec(bearer);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const [, id, secretPart] = parsed as unknown as [string, string, string];
    const row = this.#byId.get(id);
    // Hash even when the id is unknown, so the answer takes as long either way.
    const presented = sha256(secretPart);
    if (!row || !timingSafeEqual(presented, row.secret_hash)) return { ok: false, reason: 'unknown', ...(row ? { tokenId: id } : {}) };
    const now = this.#now();
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked', tokenId: id };
    if (row.expires_at !== null && row.expires_at <= now) return { ok: false, reason: 'expired', tokenId: id };
    if (row.totp_secret !== null) {
      if (totpCode === undefined || totpCode === '') return { ok: false, reason: 'totp-required', tokenId: id };
      const step = this.#acceptTotp(row, totpCode, now);
      if (step === undefined) return { ok: false, reason: 'totp-invalid', tokenId: id };
    }
    if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
      this.#touch.run(now, id);
      row.last_used_at = now;
    }
    return { ok: true, token: toToken(row) };
  }

  /** The time step of a valid code no older than the newest used (and records it), or undefined. */
  #acceptTotp(row: TokenRow, code: string, now: number): number | undefined {
    if (!/^\d{6}$/.test(code)) return undefined;
    const base32Secret = open((v) => this.#keys.keyFor(v), row.totp_secret!, totpAad(row.id)).toString();
    const delta = totpFor(Secret.fromBase32(base32Secret), row.name).validate({ token: code, timestamp: now, window: 1 });
    if (delta === null) return undefined;
    const step = Math.floor(now / 1000 / TOTP_PERIOD_S) + delta;
    // Conditional: a code older than the newest one used is refused, whoever races.
    const taken = this.#takeStep.run(step, row.id, step);
    return taken.changes === 1 ? step : undefined;
  }
}

function totpFor(secret: Secret, label: string): TOTP {
  return new TOTP({ issuer: 'maskgate', label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_S, secret });
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Lower-case base32 (RFC 4648, no padding): ids that read well and survive any shell. */
function base32(bytes: Buffer): string {
  return new Secret({ buffer: Uint8Array.from(bytes).buffer }).base32.replace(/=+$/, '').toLowerCase();
}

function toToken(r: TokenRow): ApiToken {
  return { id: r.id, name: r.name, role: r.role, account: r.account, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at };
}
