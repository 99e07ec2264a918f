/**
 * Temporary numbers: requestNumber / releaseNumber, and their read-outs. A lease is answered
 * only once its commit is on disk (`durable()`): the daemon's connection defers fsync, and a
 * number handed out must not vanish in a power cut.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Lease } from '../../numbers/leases.js';
import { holderStateAt } from '../../numbers/holder-state.js';
import type { ApiServices } from '../api-services.js';
import { ANY_ROLE, WRITERS, actingAccount, actorOf, ownedBy, readScope } from '../auth.js';
import { AUTH_PROBLEMS, Account, HolderState, IdParams, IsoTime, ListQuery, Problem, Reference, TtlSeconds, activeOnly, iso, isoOrNull } from './schemas.js';

const LeaseOut = z.object({
  id: z.string(),
  number: z.string().describe('the pool number, E.164: every MO to it goes to the account'),
  account: z.string(),
  reference: z.string().nullable(),
  state: HolderState,
  createdAt: IsoTime,
  expiresAt: IsoTime,
  endedAt: IsoTime.nullable(),
  endReason: z.enum(['ttl', 'release', 'cap']).nullable(),
  messageCap: z.number().int().nullable(),
  messages: z.number().int().describe('MO delivered through the lease'),
});

const LeaseRequestBody = z
  .object({
    account: Account.optional().describe('the account that gets the number; implied for client tokens'),
    ttlSeconds: TtlSeconds,
    country: z.string().regex(/^[A-Za-z]{2}$/).optional().describe('ISO 3166-1 alpha-2'),
    region: z.string().max(64).optional(),
    carrier: z.string().max(64).optional().describe('a hosting carrier by name'),
    messageCap: z.number().int().min(1).optional().describe('end the lease after this many MO'),
    reference: Reference.optional(),
  })
  .strict();

export function leaseOut(l: Lease): z.infer<typeof LeaseOut> {
  return {
    id: l.id,
    number: l.number,
    account: l.account,
    reference: l.reference,
    state: holderStateAt(l),
    createdAt: iso(l.createdAt),
    expiresAt: iso(l.expiresAt),
    endedAt: isoOrNull(l.endedAt),
    endReason: l.endReason,
    messageCap: l.messageCap,
    messages: l.messages,
  };
}

export const leaseRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  app.post(
    '/v1/leases',
    {
      config: { roles: WRITERS },
      schema: {
        operationId: 'requestNumber',
        summary: 'Lease a temporary number',
        description: 'Gives the account a pool number for ttlSeconds: every MO to it goes to the account. 409 when the pool has no eligible number now (the message says why).',
        tags: ['leases'],
        body: LeaseRequestBody,
        response: { 201: LeaseOut, 400: Problem, 404: Problem, 409: Problem, ...AUTH_PROBLEMS },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const { ttlSeconds, account: requested, ...rest } = request.body;
      const account = actingAccount(request, requested);
      const lease = services.audit.change(
        actorOf(request),
        () => services.leases.request({ ...rest, account, ttlMs: ttlSeconds * 1000 }),
        (l) => ({ action: 'lease.request', subject: l.id, detail: { account, poolNumber: l.number, expiresAt: l.expiresAt } }),
      );
      await services.durable();
      services.metrics.provisioned('lease', (performance.now() - started) / 1000);
      return reply.code(201).send(leaseOut(lease));
    },
  );

  app.delete(
    '/v1/leases/:id',
    {
      config: { roles: WRITERS },
      schema: { operationId: 'releaseNumber', summary: 'Release a lease now', tags: ['leases'], params: IdParams, response: { 200: LeaseOut, 400: Problem, 404: Problem, ...AUTH_PROBLEMS } },
    },
    async (request) => {
      const lease = ownedBy(request, services.leases.get(request.params.id), (l) => l.account, `lease ${request.params.id}`);
      const released = services.audit.change(
        actorOf(request),
        () => services.leases.release(lease.id),
        () => ({ action: 'lease.release', subject: lease.id, detail: { account: lease.account, poolNumber: lease.number } }),
      );
      await services.durable();
      return leaseOut(released);
    },
  );

  app.get(
    '/v1/leases',
    { config: { roles: ANY_ROLE }, schema: { operationId: 'listLeases', summary: 'List leases, newest first', tags: ['leases'], querystring: ListQuery, response: { 200: z.array(LeaseOut), 400: Problem, 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => {
      const account = readScope(request, request.query.account);
      return services.leases.list({ ...(account !== undefined ? { account } : {}), active: activeOnly(request.query.active), limit: request.query.limit }).map(leaseOut);
    },
  );

  app.get(
    '/v1/leases/:id',
    { config: { roles: ANY_ROLE }, schema: { operationId: 'getLease', summary: 'One lease', tags: ['leases'], params: IdParams, response: { 200: LeaseOut, 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => leaseOut(ownedBy(request, services.leases.get(request.params.id), (l) => l.account, `lease ${request.params.id}`)),
  );
};
