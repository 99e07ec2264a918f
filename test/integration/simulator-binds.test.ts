import test, { type ExecutionContext } from 'ava';
import { startSimulator, type SimulatorOptions } from '../../simulators/smsc.js';
import { connectSession } from '../../src/smpp/client.js';
import { GatewayError, type ErrorCode } from '../../src/errors.js';
import { STATUS } from '../../src/smpp/status.js';
import { BOUND_STATE, type BindMode } from '../../src/smpp/bind-state.js';
import { createCertificateAuthority, issueServerCertificate } from '../../src/keys/tls-material.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { RawSmpp } from '../helpers/raw-smpp.js';
import { bindSession, sessionOptions } from '../helpers/sim-session.js';

const ACCOUNTS: SimulatorOptions['accounts'] = [
  { systemId: 'test', password: 'secret' },
  { systemId: 'txonly', password: 'secret', bindModes: ['transmitter'] },
  { systemId: 'single', password: 'secret', maxBinds: 1 },
];

async function simulator(t: ExecutionContext, options: SimulatorOptions = {}) {
  const sim = await startSimulator({ port: 0, accounts: ACCOUNTS, ...options });
  t.teardown(() => sim.close());
  return sim;
}

async function raw(t: ExecutionContext, port: number): Promise<RawSmpp> {
  const peer = await RawSmpp.connect(port);
  t.teardown(() => peer.close());
  return peer;
}

for (const mode of ['transmitter', 'receiver', 'transceiver'] as const) {
  test(`a good ${mode} bind is accepted`, async (t) => {
    const sim = await simulator(t);
    const esme = await bindEsme({ port: sim.port, mode });
    t.teardown(() => esme.close());
    t.is(esme.session.state, BOUND_STATE[mode]);
    t.deepEqual(
      sim.binds().map((b) => [b.systemId, b.state]),
      [['test', BOUND_STATE[mode]]],
    );
    t.is(sim.counters.bindsAccepted, 1);
    t.is(sim.counters.bindsRefused, 0);
  });
}

const REFUSALS: { title: string; systemId: string; password: string; mode: BindMode; status: number; code: ErrorCode }[] = [
  { title: 'a wrong password', systemId: 'test', password: 'wrong', mode: 'transceiver', status: STATUS.ESME_RINVPASWD, code: 'BAD_PASSWORD' },
  { title: 'an unknown system_id', systemId: 'nobody', password: 'secret', mode: 'transceiver', status: STATUS.ESME_RINVSYSID, code: 'BAD_SYSTEM_ID' },
  { title: 'a bind mode the account may not use', systemId: 'txonly', password: 'secret', mode: 'receiver', status: STATUS.ESME_RBINDFAIL, code: 'BIND_NOT_ALLOWED' },
];

for (const r of REFUSALS) {
  test(`${r.title} is refused with 0x${r.status.toString(16).padStart(2, '0')} and the connection may bind again`, async (t) => {
    const sim = await simulator(t);
    const peer = await raw(t, sim.port);
    const refused = await peer.request(`bind_${r.mode}`, { system_id: r.systemId, password: r.password, interface_version: 0x34 });
    t.is(refused.command, `bind_${r.mode}_resp`);
    t.is(refused.command_status, r.status);
    // The refusal leaves the connection open, as SMSCs do, for a corrected bind.
    const accepted = await peer.request('bind_transmitter', { system_id: 'test', password: 'secret', interface_version: 0x34 });
    t.is(accepted.command_status, STATUS.ESME_ROK);

    // Our client maps the same status to its error code.
    const err = await t.throwsAsync(bindSession({ port: sim.port, systemId: r.systemId, password: r.password, mode: r.mode }), { instanceOf: GatewayError });
    t.is(err?.code, r.code);
    t.is(sim.counters.bindsRefused, 2);
    t.is(sim.counters.bindsAccepted, 1);
  });
}

test('a bind beyond maxBinds is refused with 0x0D', async (t) => {
  const sim = await simulator(t);
  const first = await bindEsme({ port: sim.port, systemId: 'single', mode: 'transmitter' });
  t.teardown(() => first.close());
  const err = await t.throwsAsync(bindSession({ port: sim.port, systemId: 'single', mode: 'receiver' }), { instanceOf: GatewayError });
  t.is(err?.code, 'BIND_NOT_ALLOWED');
  const peer = await raw(t, sim.port);
  const refused = await peer.request('bind_receiver', { system_id: 'single', password: 'secret' });
  t.is(refused.command_status, STATUS.ESME_RBINDFAIL);
  t.is(sim.counters.bindsAccepted, 1);
  t.is(sim.counters.bindsRefused, 2);
  t.is(sim.binds().filter((b) => b.state.startsWith('bound')).length, 1);
});

test('a second bind on a bound session gets ESME_RALYBND and the first bind holds', async (t) => {
  const sim = await simulator(t);
  // Our own client will not send it, which is right for a client:
  const esme = await bindEsme({ port: sim.port, mode: 'transceiver' });
  t.teardown(() => esme.close());
  const local = await t.throwsAsync(esme.session.request('bind_transmitter', { system_id: 'test', password: 'secret' }), { instanceOf: GatewayError });
  t.is(local?.code, 'INVALID_BIND_STATE');

  const peer = await raw(t, sim.port);
  t.is((await peer.request('bind_transmitter', { system_id: 'test', password: 'secret' })).command_status, STATUS.ESME_ROK);
  const again = await peer.request('bind_transmitter', { system_id: 'test', password: 'secret' });
  t.is(again.command, 'bind_transmitter_resp');
  t.is(again.command_status, STATUS.ESME_RALYBND);
  const submit = await peer.request('submit_sm', { destination_addr: testNumber(), short_message: Buffer.from('still bound') });
  t.is(submit.command_status, STATUS.ESME_ROK, 'the session is still bound as transmitter');
  t.is(sim.counters.bindsAccepted, 2);
  t.is(sim.counters.bindsRefused, 0, 'the session answers ALYBND itself; the simulator never sees that bind');
});

test('a submit_sm before any bind gets ESME_RINVBNDSTS and is not accepted', async (t) => {
  const sim = await simulator(t);
  const peer = await raw(t, sim.port);
  const seq = peer.send('submit_sm', { destination_addr: testNumber(), short_message: Buffer.from('too early') });
  const resp = await peer.next();
  t.is(resp.command, 'submit_sm_resp');
  t.is(resp.sequence_number, seq);
  t.is(resp.command_status, STATUS.ESME_RINVBNDSTS);
  t.is(sim.counters.submitsReceived, 0);
  t.is(sim.messages.size, 0);
});

test('an unknown command id gets generic_nack 0x03 and the session stays usable', async (t) => {
  const sim = await simulator(t);
  const peer = await raw(t, sim.port);
  t.is((await peer.request('bind_transceiver', { system_id: 'test', password: 'secret' })).command_status, STATUS.ESME_ROK);
  // A header-only request with command_id 0x00000077, which SMPP 3.4 does not define.
  peer.writeRaw(Buffer.from('00000010' + '00000077' + '00000000' + '0000002a', 'hex'));
  const nack = await peer.next();
  t.is(nack.command, 'generic_nack');
  t.is(nack.command_status, STATUS.ESME_RINVCMDID);
  t.is(nack.sequence_number, 0x2a);
  const seq = peer.send('enquire_link');
  const link = await peer.next();
  t.is(link.command, 'enquire_link_resp');
  t.is(link.sequence_number, seq);
  t.is(link.command_status, STATUS.ESME_ROK);
  t.is(sim.binds().length, 1);
});

test('a TLS bind works with the CA trusted and fails verification without it', async (t) => {
  const ca = await createCertificateAuthority({ commonName: 'maskgate test CA', validDays: 1 });
  const server = await issueServerCertificate(ca, { commonName: 'simulator', hosts: ['127.0.0.1', 'localhost'], validDays: 1 });
  const sim = await simulator(t, { tls: { port: 0, cert: server.certPem, key: server.keyPem } });
  const tlsPort = sim.tlsPort;
  if (tlsPort === undefined) return t.fail('the simulator has no TLS port');
  t.not(tlsPort, sim.port);

  const untrusted = await t.throwsAsync(
    connectSession({ host: '127.0.0.1', port: tlsPort, tls: {}, connectTimeoutMs: 5_000, session: sessionOptions() }),
    { instanceOf: GatewayError },
  );
  t.is(untrusted?.code, 'SESSION_CLOSED');
  t.regex(untrusted?.message ?? '', /certificate/i);

  const otherCa = await createCertificateAuthority({ commonName: 'some other CA', validDays: 1 });
  const wrongCa = await t.throwsAsync(bindSession({ port: tlsPort, tls: { ca: otherCa.certPem } }), { instanceOf: GatewayError });
  t.regex(wrongCa?.message ?? '', /certificate/i);

  const esme = await bindEsme({ port: tlsPort, tls: { ca: ca.certPem } });
  t.teardown(() => esme.close());
  t.is(esme.session.state, 'bound_trx');
  const resp = await esme.submit({ destination_addr: testNumber(), short_message: Buffer.from('over TLS') });
  t.is(resp.command_status, STATUS.ESME_ROK);
  t.is(sim.counters.bindsAccepted, 1);
  t.is(sim.counters.connections, 1, 'failed handshakes never became sessions');
});
