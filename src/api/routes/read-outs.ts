/**
 * Read-outs for operators, auditors and clients: accounts (a client sees its own), the pool
 * by country and carrier, the audit trail (admin and auditor), and API tokens (admin).
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StoredAccount } from '../../accounts/account-store.js';
import { NUMBER_STATES } from '../../numbers/number-pool.js';
import type { ApiServices } from '../api-services.js';
import { ANY_ROLE, actorOf, ownedBy } from '../auth.js';
import { AUTH_PROBLEMS, IdParams, IsoTime, Problem, iso, isoOrNull } from './schemas.js';

const AccountOut = z.object({
  systemId: z.string(),
  enabled: z.boolean(),
  bindModes: z.array(z.string()),
  allowedSources: z.array(z.string()),
  maxBinds: z.number().int(),
  throughputMsgPerSec: z.number(),
  maxQueued: z.number().int(),
  queued: z.number().int().describe('messages accepted by this daemon and not final yet'),
  moPrefixes: z.array(z.string()),
  dlrOverSmpp: z.boolean(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

const PoolOut = z.object({
  country: z.string(),
  carrier: z.string(),
  total: z.number().int(),
  byState: z.object(Object.fromEntries(NUMBER_STATES.map((s) => [s, z.number().int()])) as Record<(typeof NUMBER_STATES)[number], z.ZodNumber>),
});

const AuditOut = z.object({
  seq: z.number().int(),
  at: IsoTime,
  actor: z.string(),
  action: z.string(),
  subject: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

const TokenOut = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  account: z.string().nullable(),
  createdAt: IsoTime,
  expiresAt: IsoTime.nullable(),
  revokedAt: IsoTime.nullable(),
  lastUsedAt: IsoTime.nullable(),
});

const READERS_OF_ALL = ['admin', 'operator', 'auditor'] as const;
const AUDIT_READERS = ['admin', 'auditor'] as const;

export const readOutRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  const accountOut = (a: StoredAccount): z.infer<typeof AccountOut> => {
    const { createdAt, updatedAt, ...fields } = a;
    return { ...fields, queued: services.queued(a.systemId), createdAt: iso(createdAt), updatedAt: iso(updatedAt) };
  };

  app.get(
    '/v1/accounts',
    { config: { roles: READERS_OF_ALL }, schema: { operationId: 'listAccounts', summary: 'All accounts', tags: ['accounts'], response: { 200: z.array(AccountOut), ...AUTH_PROBLEMS } } },
    async () => services.accounts.list().map(accountOut),
  );

  app.get(
    '/v1/accounts/:id',
    { config: { roles: ANY_ROLE }, schema: { operationId: 'getAccount', summary: 'One account (a client token: its own)', tags: ['accounts'], params: IdParams, response: { 200: AccountOut, 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => accountOut(ownedBy(request, services.accounts.get(request.params.id), (a) => a.systemId, `account ${request.params.id}`)),
  );

  app.get(
    '/v1/pools',
    { config: { roles: ANY_ROLE }, schema: { operationId: 'getPools', summary: 'Pool numbers per country and carrier, by state', tags: ['pools'], response: { 200: z.array(PoolOut), ...AUTH_PROBLEMS } } },
    async () => services.pool.availability(),
  );

  app.get(
    '/v1/audit',
    {
      config: { roles: AUDIT_READERS },
      schema: {
        operationId: 'listAudit',
        summary: 'The audit trail, oldest first',
        tags: ['audit'],
        querystring: z
          .object({
            since: z.iso.datetime().optional().describe('only rows at or after this time'),
            action: z.string().max(64).optional().describe('an action (lease.request) or a noun (lease)'),
            limit: z.coerce.number().int().min(1).max(10_000).default(1000).describe('the newest this many'),
          })
          .strict(),
        response: { 200: z.array(AuditOut), ...AUTH_PROBLEMS },
      },
    },
    async (request) => {
      const { since, action, limit } = request.query;
      return services.audit
        .list({ ...(since ? { sinceMs: Date.parse(since) } : {}), ...(action ? { action } : {}), limit })
        .map((r) => ({ seq: r.seq, at: iso(r.at), actor: r.actor, action: r.action, subject: r.subject, detail: r.detail, hash: r.hash }));
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      config: { roles: AUDIT_READERS },
      schema: {
        operationId: 'verifyAudit',
        summary: 'Check the hash chain of the whole audit trail',
        tags: ['audit'],
        response: { 200: z.object({ ok: z.boolean(), rows: z.number().int(), problems: z.array(z.object({ kind: z.string(), seq: z.number().int(), message: z.string() })) }), ...AUTH_PROBLEMS },
      },
    },
    async () => services.audit.verify(),
  );

  const tokenOut = (t: ReturnType<ApiServices['tokens']['list']>[number]): z.infer<typeof TokenOut> => ({
    id: t.id,
    name: t.name,
    role: t.role,
    account: t.account,
    createdAt: iso(t.createdAt),
    expiresAt: isoOrNull(t.expiresAt),
    revokedAt: isoOrNull(t.revokedAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
  });

  app.get(
    '/v1/tokens',
    { config: { roles: ['admin'] }, schema: { operationId: 'listTokens', summary: 'API tokens (never their secrets)', tags: ['tokens'], response: { 200: z.array(TokenOut), ...AUTH_PROBLEMS } } },
    async () => services.tokens.list().map(tokenOut),
  );

  app.delete(
    '/v1/tokens/:id',
    { config: { roles: ['admin'] }, schema: { operationId: 'revokeToken', summary: 'Revoke a token', tags: ['tokens'], params: IdParams, response: { 200: TokenOut, 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => {
      const token = ownedBy(request, services.tokens.get(request.params.id), () => '', `token ${request.params.id}`);
      const revoked = services.audit.change(actorOf(request), () => services.tokens.revoke(token.id), () => ({ action: 'token.revoke', subject: token.id, detail: { name: token.name, role: token.role } }));
      return tokenOut(revoked);
    },
  );
};
