/**
 * One client connection in our SMSC role: its bind (bind-steps.ts) and a handler per
 * command. The session (smpp/session.ts) has already checked the bind state, so a request
 * here comes from a bound transmitter or transceiver.
 *
 * submit_sm: translate → account throughput (0x58) → account queue (0x14) → durable enqueue
 * → submit_sm_resp with our id. The response waits for the commit: a client that got an id
 * can count on the message (PRODUCT.md, reliability). While this session has windowSize
 * enqueues waiting for the store, it stops reading: slowness costs backpressure, not memory.
 *
 * Closing (SIGTERM): stop reading, let every submit already read get its submit_sm_resp,
 * then unbind. A client is never cut off between "stored" and "told its id", which would
 * make it resubmit a message we are going to send (a duplicate SMS to a subscriber).
 */
import type { Account, AccountDirectory } from '../accounts/types.js';
import { asGatewayError } from '../errors.js';
import type { Gateway } from '../main.js';
import type { Logger } from '../obs/logger.js';
import type { Pdu } from '../smpp/codec.js';
import type { SmppSession } from '../smpp/session.js';
import { STATUS, WIRE } from '../smpp/status.js';
import { runBindSteps, type BindRegistry } from './bind-steps.js';
import { SMPP_MESSAGE_STATE, smppAbsoluteTime } from './message-state.js';
import type { SubmitAdmission } from './submit-admission.js';
import { translateSubmit } from './submit-translation.js';
import type { BindAudit } from './bind-audit.js';

/** The system_id we answer binds with. */
export const OUR_SYSTEM_ID = 'maskgate';
/** query_sm_resp's error_code is one octet (SMPP 3.4 §5.2.31); larger codes saturate. */
const MAX_ERROR_CODE = 0xff;

export type ClientGateway = Pick<Gateway, 'enqueue' | 'status'> & { store: Pick<Gateway['store'], 'events' | 'cancelQueued'> };

export interface ClientServices {
  gateway: ClientGateway;
  directory: AccountDirectory;
  registry: BindRegistry<SmppSession>;
  /** The accounts' throughput and queue limits, shared with the HTTP API. */
  admission: SubmitAdmission;
  /** Where binds accepted and refused are recorded (the audit trail); none in tests that need none. */
  binds?: BindAudit;
  /** Enqueues one session may have waiting for the store before it stops reading. */
  maxPendingPerSession: number;
  limits: { maxMessagePayloadOctets: number };
  now: () => number;
}

export interface ClientSessionHandle {
  /** Stops reading, answers what was read, unbinds; resolves once the session is closed. */
  close(): Promise<void>;
}

export function attachClientSession(session: SmppSession, services: ClientServices): ClientSessionHandle {
  let bound: { account: Account; log: Logger } | undefined;
  let pending = 0;
  let closing = false;
  /** Submits and cancels waiting for the store: each owes the client a response. */
  const unanswered = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    unanswered.add(work);
    void work.finally(() => unanswered.delete(work));
  };

  session.on('bind', (pdu, mode) => {
    const systemId = typeof pdu.system_id === 'string' ? pdu.system_id : '';
    const password = typeof pdu.password === 'string' ? pdu.password : '';
    const remoteAddress = session.socket.remoteAddress ?? '';
    runBindSteps(
      { systemId, password, mode, remoteAddress, item: session, stillOpen: () => !session.closed },
      { directory: services.directory, registry: services.registry, now: services.now },
    ).then(
      (result) => {
        if (!result.ok) {
          session.log.info('bind refused', { systemId, mode, step: result.step, reason: result.reason });
          services.binds?.refused({ systemId, mode, peer: remoteAddress }, result);
          if (!session.closed) session.rejectBind(pdu, result.status);
          return;
        }
        if (session.closed) return result.unregister();
        session.once('close', result.unregister);
        session.acceptBind(pdu, mode, OUR_SYSTEM_ID);
        bound = { account: result.account, log: session.log.child({ systemId }) };
        bound.log.info('client bound', { mode });
        services.binds?.accepted({ systemId, mode, peer: remoteAddress });
      },
      (err: unknown) => {
        session.log.error('bind failed', { systemId, error: asGatewayError(err).message });
        if (!session.closed) session.rejectBind(pdu, STATUS.ESME_RSYSERR);
      },
    );
  });

  session.on('request', (pdu) => {
    if (!bound) {
      // The session lets requests through only once bound; this is a bug, not a client's fault.
      session.respond(pdu, {}, STATUS.ESME_RINVBNDSTS);
      return;
    }
    switch (pdu.command) {
      case 'submit_sm':
        return submit(pdu, bound);
      case 'query_sm':
        return query(pdu, bound.account.systemId);
      case 'cancel_sm':
        return cancel(pdu, bound);
      default:
        // data_sm, submit_multi, replace_sm: valid SMPP we do not offer (yet).
        session.respond(pdu, {}, STATUS.ESME_RINVCMDID);
    }
  });

  function submit(pdu: Pdu, b: { account: Account; log: Logger }): void {
    // Re-read: limits changed by the CLI apply to the next submit, not the next bind.
    const account = services.directory.get(b.account.systemId) ?? b.account;
    const translated = translateSubmit(pdu, account.systemId, services.now(), services.limits);
    if (!translated.ok) {
      services.admission.refused(account.systemId, translated.code);
      b.log.info('submit refused', { code: translated.code, reason: translated.reason });
      session.respond(pdu, {}, WIRE[translated.code].status);
      return;
    }
    // Throttle and queue-full refusals are routine under load: debug, or they would flood the log.
    const overLimit = services.admission.admit(account);
    if (overLimit) {
      b.log.debug(overLimit === 'THROTTLED' ? 'submit over throughput' : 'submit over the account queue', { code: overLimit });
      session.respond(pdu, {}, WIRE[overLimit].status);
      return;
    }
    if (++pending >= services.maxPendingPerSession) session.pause();
    const work = services.gateway
      .enqueue(translated.message)
      .then(
        (id) => {
          services.admission.accepted(id, account.systemId);
          session.respond(pdu, { message_id: id });
        },
        (err: unknown) => {
          const error = asGatewayError(err);
          services.admission.failed(account.systemId, error.code);
          // A content block is routine and audited already: debug, or a flood would flood the log.
          b.log.log(error.code === 'CONTENT_BLOCKED' ? 'debug' : 'warn', 'submit not stored', { code: error.code, error: error.message });
          session.respond(pdu, {}, WIRE[error.code].status);
        },
      )
      .finally(() => {
        if (--pending < services.maxPendingPerSession && !closing) session.resume();
      })
      .catch((err: unknown) => session.log.error('submit handler failed', { error: asGatewayError(err).message }));
    track(work);
  }

  function query(pdu: Pdu, systemId: string): void {
    const id = typeof pdu.message_id === 'string' ? pdu.message_id : '';
    const status = id === '' ? undefined : services.gateway.status(id);
    // Another account's message answers exactly like an unknown one: ids leak nothing.
    if (!status || status.account !== systemId) {
      session.respond(pdu, {}, STATUS.ESME_RQUERYFAIL);
      return;
    }
    session.respond(pdu, {
      message_id: id,
      final_date: status.doneAt === null ? '' : smppAbsoluteTime(status.doneAt),
      message_state: SMPP_MESSAGE_STATE[status.state],
      error_code: Math.min(status.errorCode ?? 0, MAX_ERROR_CODE),
    });
  }

  function cancel(pdu: Pdu, b: { account: Account; log: Logger }): void {
    const id = typeof pdu.message_id === 'string' ? pdu.message_id : '';
    if (id === '') {
      // Cancelling by source and destination (SMPP 3.4 §4.9) would need a number index we do not keep.
      session.respond(pdu, {}, STATUS.ESME_RCANCELFAIL);
      return;
    }
    track(
      services.gateway.store.cancelQueued(id, b.account.systemId).then(
        (cancelled) => session.respond(pdu, {}, cancelled ? STATUS.ESME_ROK : STATUS.ESME_RCANCELFAIL),
        (err: unknown) => {
          const error = asGatewayError(err);
          b.log.warn('cancel not stored', { code: error.code, error: error.message });
          session.respond(pdu, {}, WIRE[error.code].status);
        },
      ),
    );
  }

  return {
    async close() {
      closing = true;
      session.pause(); // nothing new is read: what was read is all that must be answered
      await Promise.allSettled([...unanswered]);
      if (session.closed) return;
      // Unbinding first, then reading again for the unbind_resp: a submit that was already on
      // the wire finds the session unbinding and is refused, so the client knows it was not taken.
      const unbound = session.unbind();
      session.resume();
      await unbound;
    },
  };
}
