/**
 * Masks and proxy sessions. A request carries real numbers; an answer never does: a mask is
 * its alias (what the account sends to) and its pool number, a session its two parties'
 * aliases and the pool numbers they text. Real numbers go to the contact store only, and
 * appear in no log, audit row or error (relays.ts names a refused number by its last digits).
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { MaskView, SessionView } from '../../numbers/relays.js';
import { holderStateAt } from '../../numbers/holder-state.js';
import type { ApiServices } from '../api-services.js';
import { ANY_ROLE, WRITERS, actingAccount, actorOf, ownedBy, readScope } from '../auth.js';
import { AUTH_PROBLEMS, Account, HolderState, IdParams, IsoTime, ListQuery, Problem, RealNumber, Reference, TtlSeconds, activeOnly, iso, isoOrNull } from './schemas.js';

const Common = {
  account: Account.optional().describe('the owning account; implied for client tokens'),
  ttlSeconds: TtlSeconds,
  country: z.string().regex(/^[A-Za-z]{2}$/).optional().describe('prefer pool numbers of this country (ISO 3166-1 alpha-2)'),
  carrier: z.string().max(64).optional().describe('only pool numbers hosted by this carrier'),
  reference: Reference.optional(),
};

const Times = {
  state: HolderState,
  reference: z.string().nullable(),
  createdAt: IsoTime,
  expiresAt: IsoTime,
  endedAt: IsoTime.nullable(),
  endReason: z.enum(['ttl', 'revoked', 'closed', 'forgotten']).nullable(),
};

const MaskOut = z.object({
  id: z.string(),
  account: z.string(),
  alias: z.string().describe('the address the account sends to and receives replies from'),
  number: z.string().describe('the pool number the masked party sees'),
  ...Times,
});

const SessionOut = z.object({
  id: z.string(),
  account: z.string(),
  parties: z.array(z.object({ leg: z.string(), alias: z.string(), number: z.string().describe('the pool number this party texts') })).length(2),
  ...Times,
});

const times = (h: MaskView | SessionView) => ({
  state: holderStateAt(h),
  reference: h.reference,
  createdAt: iso(h.createdAt),
  expiresAt: iso(h.expiresAt),
  endedAt: isoOrNull(h.endedAt),
  endReason: h.endReason,
});

const maskOut = (m: MaskView): z.infer<typeof MaskOut> => ({ id: m.id, account: m.account, alias: m.alias, number: m.number, ...times(m) });
const sessionOut = (s: SessionView): z.infer<typeof SessionOut> => ({ id: s.id, account: s.account, parties: s.parties, ...times(s) });

export const relayRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  const { relays, audit } = services;

  app.post(
    '/v1/masks',
    {
      config: { roles: WRITERS },
      schema: {
        operationId: 'createMask',
        summary: 'Mask a real number',
        description: 'The account gets an alias: an MT to it goes to the real number from a pool number, and replies come back from the alias. The real number is never returned.',
        tags: ['masks'],
        body: z.object({ ...Common, number: RealNumber }).strict(),
        response: { 201: MaskOut, 400: Problem, 404: Problem, 409: Problem, ...AUTH_PROBLEMS },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const { number, ttlSeconds, account: requested, ...rest } = request.body;
      const account = actingAccount(request, requested);
      const mask = audit.change(
        actorOf(request),
        () => relays.createMask({ ...rest, account, ttlMs: ttlSeconds * 1000, realNumber: number }),
        (m) => ({ action: 'mask.create', subject: m.id, detail: { account, poolNumber: m.number, expiresAt: m.expiresAt } }),
      );
      await services.durable();
      services.metrics.provisioned('mask', (performance.now() - started) / 1000);
      return reply.code(201).send(maskOut(mask));
    },
  );

  app.get(
    '/v1/masks',
    { config: { roles: ANY_ROLE }, schema: { operationId: 'listMasks', summary: 'List masks, newest first', tags: ['masks'], querystring: ListQuery, response: { 200: z.array(MaskOut), 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => {
      const account = readScope(request, request.query.account);
      return relays.listMasks({ ...(account !== undefined ? { account } : {}), active: activeOnly(request.query.active), limit: request.query.limit }).map(maskOut);
    },
  );

  app.get(
    '/v1/masks/:id',
    { config: { roles: ANY_ROLE }, schema: { operationId: 'getMask', summary: 'One mask', tags: ['masks'], params: IdParams, response: { 200: MaskOut, 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => maskOut(ownedBy(request, relays.getMask(request.params.id), (m) => m.account, `mask ${request.params.id}`)),
  );

  app.delete(
    '/v1/masks/:id',
    { config: { roles: WRITERS }, schema: { operationId: 'revokeMask', summary: 'Revoke a mask now', tags: ['masks'], params: IdParams, response: { 200: MaskOut, 400: Problem, 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => {
      const mask = ownedBy(request, relays.getMask(request.params.id), (m) => m.account, `mask ${request.params.id}`);
      const revoked = audit.change(
        actorOf(request),
        () => relays.revokeMask(mask.id),
        () => ({ action: 'mask.revoke', subject: mask.id, detail: { account: mask.account, poolNumber: mask.number } }),
      );
      await services.durable();
      return maskOut(revoked);
    },
  );

  app.post(
    '/v1/sessions',
    {
      config: { roles: WRITERS },
      schema: {
        operationId: 'createSession',
        summary: 'Open a proxy session between two real numbers',
        description: 'Each party gets a pool number to text; what one sends reaches the other from its own pool number. Neither sees the other, and the real numbers are never returned.',
        tags: ['sessions'],
        body: z.object({ ...Common, parties: z.array(RealNumber).length(2).describe('the two real numbers') }).strict(),
        response: { 201: SessionOut, 400: Problem, 404: Problem, 409: Problem, ...AUTH_PROBLEMS },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const { parties, ttlSeconds, account: requested, ...rest } = request.body;
      const account = actingAccount(request, requested);
      const session = audit.change(
        actorOf(request),
        () => relays.createSession({ ...rest, account, ttlMs: ttlSeconds * 1000, partyA: parties[0]!, partyB: parties[1]! }),
        (s) => ({ action: 'session.create', subject: s.id, detail: { account, poolNumbers: s.parties.map((p) => p.number).join(','), expiresAt: s.expiresAt } }),
      );
      await services.durable();
      services.metrics.provisioned('session', (performance.now() - started) / 1000);
      return reply.code(201).send(sessionOut(session));
    },
  );

  app.get(
    '/v1/sessions',
    { config: { roles: ANY_ROLE }, schema: { operationId: 'listSessions', summary: 'List proxy sessions, newest first', tags: ['sessions'], querystring: ListQuery, response: { 200: z.array(SessionOut), 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => {
      const account = readScope(request, request.query.account);
      return relays.listSessions({ ...(account !== undefined ? { account } : {}), active: activeOnly(request.query.active), limit: request.query.limit }).map(sessionOut);
    },
  );

  app.get(
    '/v1/sessions/:id',
    { config: { roles: ANY_ROLE }, schema: { operationId: 'getSession', summary: 'One proxy session', tags: ['sessions'], params: IdParams, response: { 200: SessionOut, 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => sessionOut(ownedBy(request, relays.getSession(request.params.id), (s) => s.account, `session ${request.params.id}`)),
  );

  app.delete(
    '/v1/sessions/:id',
    { config: { roles: WRITERS }, schema: { operationId: 'closeSession', summary: 'Close a proxy session now', tags: ['sessions'], params: IdParams, response: { 200: SessionOut, 400: Problem, 404: Problem, ...AUTH_PROBLEMS } } },
    async (request) => {
      const session = ownedBy(request, relays.getSession(request.params.id), (s) => s.account, `session ${request.params.id}`);
      const closed = audit.change(actorOf(request), () => relays.closeSession(session.id), () => ({ action: 'session.close', subject: session.id, detail: { account: session.account } }));
      await services.durable();
      return sessionOut(closed);
    },
  );
};
