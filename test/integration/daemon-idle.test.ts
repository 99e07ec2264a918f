/**
 * Idle clients of the daemon (smpp.idleTimeoutMs, smpp.enquireLinkIntervalMs): the gateway
 * probes a quiet bound client with enquire_link, and "idle" means nothing inbound at all
 * (src/smpp/link-timers.ts), so a client that answers the probes stays bound however long
 * it has nothing to say. One that answers nothing is closed by whichever comes first:
 * idleTimeoutMs, or the probe's own deadline (smpp.responseTimeoutMs after it was sent;
 * with the defaults, 30 s + 10 s comes before the 120 s idle timeout).
 */
import test from 'ava';
import { once } from 'node:events';
import { encodePdu, type Pdu } from '../../src/smpp/codec.js';
import type { SessionClose } from '../../src/smpp/session.js';
import { STATUS } from '../../src/smpp/status.js';
import { CLIENT, startTestDaemon } from '../helpers/daemon.js';
import { RawSmpp } from '../helpers/raw-smpp.js';
import { receiptSms } from '../helpers/receipt-client.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('daemon-idle');
const CREDENTIALS = { system_id: CLIENT.systemId, password: CLIENT.password };

/**
 * A raw client that answers the gateway's enquire_link and deliver_sm and sends nothing
 * else of its own; `next(command)` hands on the next PDU of that command.
 */
function answeringPeer(raw: RawSmpp) {
  let enquireLinks = 0;
  const others: Pdu[] = [];
  let wake: (() => void) | undefined;
  void (async () => {
    for (;;) {
      let pdu: Pdu;
      try {
        pdu = await raw.next();
      } catch {
        return; // closed
      }
      if (pdu.command === 'enquire_link') {
        raw.writeRaw(encodePdu('enquire_link_resp', pdu.sequence_number, {}));
        enquireLinks++;
        continue;
      }
      if (pdu.command === 'deliver_sm') raw.writeRaw(encodePdu('deliver_sm_resp', pdu.sequence_number, { message_id: '' }));
      others.push(pdu);
      wake?.();
    }
  })();
  return {
    get enquireLinks() {
      return enquireLinks;
    },
    async next(command: string): Promise<Pdu> {
      for (;;) {
        const i = others.findIndex((p) => p.command === command);
        if (i >= 0) return others.splice(i, 1)[0]!;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

test('a bound client that answers nothing is closed at idleTimeoutMs; one that answers enquire_link stays bound past it', async (t) => {
  // The probe interval well under the idle timeout; its own deadline (responseTimeoutMs,
  // 10 s by default) well over it, so an unanswered probe ends in idle_timeout.
  const { daemon } = await startTestDaemon(t, files, { name: 'idle', smpp: { idleTimeoutMs: 1_500, enquireLinkIntervalMs: 300 } });
  const port = daemon.listener.port;

  const keeper = await RawSmpp.connect(port);
  t.teardown(() => keeper.close());
  t.is((await keeper.request('bind_transceiver', CREDENTIALS)).command_status, STATUS.ESME_ROK);
  const keeping = answeringPeer(keeper);

  // Bound after the keeper: once it is closed for idleness, the keeper has been quiet longer.
  const before = new Set(daemon.listener.sessions);
  const silent = await RawSmpp.connect(port);
  t.teardown(() => silent.close());
  t.is((await silent.request('bind_transceiver', CREDENTIALS)).command_status, STATUS.ESME_ROK);
  const silentSession = [...daemon.listener.sessions].find((s) => !before.has(s))!;
  const closedAs = once(silentSession, 'close') as Promise<[SessionClose]>;
  await silent.closed; // only the gateway can close it: the test does not before this
  const [{ reason }] = await closedAs;
  t.is(reason, 'idle_timeout');
  const ignored: string[] = [];
  for (;;) {
    const pdu = await silent.next().catch(() => undefined);
    if (!pdu) break;
    ignored.push(pdu.command);
  }
  t.log(`the silent client left ${ignored.filter((c) => c === 'enquire_link').length} enquire_link unanswered`);

  // The keeper said nothing but its answers: those alone kept it bound.
  t.true(keeping.enquireLinks >= 1, 'the gateway probed the quiet keeper');
  t.is(daemon.listener.registry.count(CLIENT.systemId), 1);
  const keeperSession = [...daemon.listener.sessions][0]!;
  t.is(keeperSession.state, 'bound_trx');
  keeper.send('submit_sm', receiptSms());
  const resp = await keeping.next('submit_sm_resp');
  t.is(resp.command_status, STATUS.ESME_ROK);
  const receipt = await keeping.next('deliver_sm');
  t.is(receipt.receipted_message_id, resp.message_id);
});

test('a bound client that leaves the enquire_link unanswered is closed at its deadline, before idleTimeoutMs', async (t) => {
  const { daemon } = await startTestDaemon(t, files, { name: 'probe', smpp: { idleTimeoutMs: 600_000, enquireLinkIntervalMs: 200, responseTimeoutMs: 1_000 } });
  const silent = await RawSmpp.connect(daemon.listener.port);
  t.teardown(() => silent.close());
  t.is((await silent.request('bind_receiver', CREDENTIALS)).command_status, STATUS.ESME_ROK);
  const session = [...daemon.listener.sessions][0]!;
  const closedAs = once(session, 'close') as Promise<[SessionClose]>;
  t.is((await silent.next()).command, 'enquire_link', 'the gateway probes the quiet client');
  await silent.closed; // only the gateway can close it
  const [{ reason }] = await closedAs;
  t.is(reason, 'enquire_link_timeout');
});
