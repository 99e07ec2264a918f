/**
 * Messages over HTTP, for clients without SMPP: submitMessage accepts a text as an SMPP
 * submit is accepted (the same checks, limits and durable enqueue), and getDeliveryStatus
 * reads a message's state and attempts. The status holds no number and no text: for a
 * masked message there is nothing to learn about the party from it.
 */
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors.js';
import type { MessageContent } from '../../messages/types.js';
import { chooseEncoding } from '../../smpp/encoding/choose.js';
import { partCapacity } from '../../smpp/encoding/split.js';
import { unitCount } from '../../smpp/encoding/text-codec.js';
import { checkContent } from '../../upstream/submit-translation.js';
import type { ApiServices } from '../api-services.js';
import { ANY_ROLE, WRITERS, actingAccount, actorOf, ownedBy } from '../auth.js';
import { AUTH_PROBLEMS, Account, IdParams, IsoTime, Problem, iso, isoOrNull } from './schemas.js';

const StatusOut = z.object({
  id: z.string(),
  account: z.string(),
  state: z.enum(['ACCEPTED', 'ENROUTE', 'DELIVERED', 'UNDELIVERABLE', 'EXPIRED', 'REJECTED', 'DELETED', 'UNKNOWN']),
  submittedAt: IsoTime,
  doneAt: IsoTime.nullable(),
  errorCode: z.number().int().nullable().describe('the last SMPP status or receipt error code'),
  carrier: z.string().nullable().describe('the carrier of the accepted attempt'),
  attempts: z.array(z.object({ n: z.number().int(), carrier: z.string(), at: IsoTime, outcome: z.string(), status: z.number().int().nullable() })),
});

const SubmitBody = z
  .object({
    account: Account.optional().describe('the sending account; implied for client tokens'),
    from: z.string().min(1).max(15).describe('sender: up to 15 digits, or up to 11 characters alphanumeric'),
    to: z.string().regex(/^\+?\d{1,20}$/, 'must be digits with an optional leading +').describe('a phone number, or a mask alias of the account'),
    text: z.string().min(1).max(2000),
    receipt: z.boolean().default(false).describe('ask for a delivery receipt (a dlr webhook, or a deliver_sm on the SMPP binds)'),
    validitySeconds: z.number().int().min(1).optional().describe('expire instead of sending after this long'),
  })
  .strict();

/** GSM text goes as one septet per octet labelled data_coding 0, as SMPP clients send it; longer than one SMS, in message_payload. */
function contentOf(body: z.infer<typeof SubmitBody>): MessageContent {
  const encoded = chooseEncoding(body.text, { gsmDataCoding: 0x00, gsmPacked: false });
  const long = unitCount(encoded.body) > partCapacity(encoded.body.alphabet, 0);
  const alphanumeric = /[^\d+]/.test(body.from);
  return {
    sourceAddr: body.from.replace(/^\+/, ''),
    sourceTon: alphanumeric ? 5 : 1,
    sourceNpi: alphanumeric ? 0 : 1,
    destinationAddr: body.to.replace(/^\+/, ''),
    destTon: 1,
    destNpi: 1,
    esmClass: 0,
    protocolId: 0,
    priorityFlag: 0,
    dataCoding: encoded.dataCoding,
    shortMessage: long ? Buffer.alloc(0) : encoded.body.octets,
    ...(long ? { tlvs: { message_payload: encoded.body.octets } } : {}),
  };
}

export const messageRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services }) => {
  app.post(
    '/v1/messages',
    {
      config: { roles: WRITERS },
      schema: {
        operationId: 'submitMessage',
        summary: 'Send a text message',
        description: 'Accepted like an SMPP submit_sm: answered with our message id once durable. 429 over the account throughput or queue; 422 when a content rule blocks it.',
        tags: ['messages'],
        body: SubmitBody,
        response: { 202: z.object({ id: z.string() }), 400: Problem, 404: Problem, 422: Problem, ...AUTH_PROBLEMS },
      },
    },
    async (request, reply) => {
      const account = actingAccount(request, request.body.account);
      const content = contentOf(request.body);
      const refusal = checkContent(content, services.limits);
      if (refusal) throw new GatewayError(refusal.code, refusal.reason);
      const id = await services.submit({
        account,
        content,
        registeredDelivery: request.body.receipt ? 1 : 0,
        validUntil: request.body.validitySeconds === undefined ? null : Date.now() + request.body.validitySeconds * 1000,
      }, actorOf(request));
      return reply.code(202).send({ id });
    },
  );

  app.get(
    '/v1/messages/:id',
    {
      config: { roles: ANY_ROLE },
      schema: { operationId: 'getDeliveryStatus', summary: "A message's delivery status", tags: ['messages'], params: IdParams, response: { 200: StatusOut, 404: Problem, ...AUTH_PROBLEMS } },
    },
    async (request) => {
      const s = ownedBy(request, services.status(request.params.id), (m) => m.account, `message ${request.params.id}`);
      return {
        id: s.id,
        account: s.account,
        state: s.state,
        submittedAt: iso(s.submittedAt),
        doneAt: isoOrNull(s.doneAt),
        errorCode: s.errorCode,
        carrier: s.carrier,
        attempts: s.attempts.map((a) => ({ ...a, at: iso(a.at) })),
      };
    },
  );
};
