/**
 * Who is calling, and may they: every route declares the roles it admits (route config
 * `roles`), or 'public' for the health probes. A request carries `Authorization: Bearer
 * mg_…`; an admin token also `X-Maskgate-Totp: <6 digits>` (accounts/api-tokens.ts).
 *
 * - no token, a wrong, revoked or expired one, or a missing/wrong TOTP code: 401, the same
 *   answer for each, so the response tells a guesser nothing;
 * - a valid token whose role the route does not admit: 403;
 * - a client token asking for another account's data: 404 (routes use `ownedBy`), so ids
 *   of other accounts cannot even be confirmed to exist.
 *
 * Failed attempts count per client address (the bind lockout's policy object, reused):
 * past `http.failedAuth.maxFailures` in the window the address gets 429 until the lock
 * passes, before any token is checked. Each failure is audited with the reason; while an
 * address is locked, only the lock is audited, once, so a flood cannot flood the trail.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiRole, ApiTokens } from '../accounts/api-tokens.js';
import { BindLockout } from '../accounts/lockout.js';
import type { AuditLog } from '../obs/audit.js';
import { HttpProblem, notFound } from './http-errors.js';

export interface Principal {
  tokenId: string;
  role: ApiRole;
  /** A client token's account; null for the other roles. */
  account: string | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; 'public' skips authentication. */
    roles?: readonly ApiRole[] | 'public';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const TOTP_HEADER = 'x-maskgate-totp';

/** Every role: reads open to all, a client's scoped to its account. */
export const ANY_ROLE: readonly ApiRole[] = ['admin', 'operator', 'client', 'auditor'];
/** Roles that change leases, masks, sessions and messages. */
export const WRITERS: readonly ApiRole[] = ['admin', 'operator', 'client'];

export interface AuthOptions {
  tokens: ApiTokens;
  audit: AuditLog;
  lockout: { maxFailures: number; windowMs: number; lockMs: number };
  now?: () => number;
}

export function installAuth(app: FastifyInstance, opts: AuthOptions): void {
  const lockout = new BindLockout(opts.lockout);
  const now = opts.now ?? Date.now;
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const roles = request.routeOptions.config.roles;
    if (roles === 'public') return;
    if (roles === undefined) {
      // No route (fastify answers 404) and the reference pages (@fastify/swagger-ui's own
      // routes) are open; any other route that forgot to declare its roles is closed.
      const url = request.routeOptions.url;
      if (url === undefined || url === '/docs' || url.startsWith('/docs/')) return;
      throw new HttpProblem(500, 'internal', `route ${url} declares no roles; this is a maskgate bug`);
    }
    const ip = request.ip;
    if (lockout.locked(ip, now())) {
      throw new HttpProblem(429, 'locked_out', 'too many failed authentications from this address; wait and try again with a valid token');
    }
    const header = request.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const totp = request.headers[TOTP_HEADER];
    const result = bearer === undefined ? ({ ok: false, reason: 'missing' } as const) : opts.tokens.authenticate(bearer, typeof totp === 'string' ? totp : undefined);
    if (!result.ok) {
      lockout.failure(ip, now());
      const locked = lockout.locked(ip, now());
      opts.audit.record({
        actor: `http:${ip}`,
        action: locked ? 'api.lockout' : 'api.auth-failed',
        ...('tokenId' in result && result.tokenId ? { subject: result.tokenId } : {}),
        detail: { reason: result.reason, route: routeName(request) },
      });
      const totpHint = result.reason === 'totp-required' || result.reason === 'totp-invalid' ? `; admin tokens also need a current code in ${TOTP_HEADER}` : '';
      throw new HttpProblem(401, 'unauthorized', `a valid API token is required: Authorization: Bearer <token> (maskgate tokens create)${totpHint}`);
    }
    lockout.success(ip);
    const { token } = result;
    request.principal = { tokenId: token.id, role: token.role, account: token.account };
    if (!roles.includes(token.role)) {
      opts.audit.record({ actor: actorOf(request), action: 'api.forbidden', detail: { role: token.role, route: routeName(request) } });
      throw new HttpProblem(403, 'forbidden', `a ${token.role} token may not ${request.method} ${request.routeOptions.url ?? request.url}; it needs one of: ${roles.join(', ')}`);
    }
  });
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode === 401) void reply.header('www-authenticate', 'Bearer realm="maskgate"');
  });
}

function routeName(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? '(no route)'}`;
}

/** The audit actor of an authenticated request. */
export function actorOf(request: FastifyRequest): string {
  return request.principal ? `api:${request.principal.tokenId}` : `http:${request.ip}`;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpProblem(401, 'unauthorized', 'a valid API token is required');
  return request.principal;
}

/**
 * The account a write acts for: a client's own (asking for another is 404, as if it did not
 * exist), or the one an operator or admin names (required: they act for every account).
 */
export function actingAccount(request: FastifyRequest, requested: string | undefined): string {
  const p = principalOf(request);
  if (p.role === 'client') {
    if (requested !== undefined && requested !== p.account) throw notFound(`account ${requested}`);
    return p.account!;
  }
  if (requested === undefined) throw new HttpProblem(400, 'bad_request', 'body.account: required for operator and admin tokens (the account this acts for)');
  return requested;
}

/** The account filter of a read: a client sees only its own; others see all or the one named. */
export function readScope(request: FastifyRequest, requested: string | undefined): string | undefined {
  const p = principalOf(request);
  if (p.role === 'client') {
    if (requested !== undefined && requested !== p.account) throw notFound(`account ${requested}`);
    return p.account!;
  }
  return requested;
}

/** A thing owned by `owner`, as the caller may see it: another account's is 404 for a client. */
export function ownedBy<T>(request: FastifyRequest, thing: T | undefined, owner: (t: T) => string, what: string): T {
  const p = principalOf(request);
  if (thing === undefined || (p.role === 'client' && owner(thing) !== p.account)) throw notFound(what);
  return thing;
}
