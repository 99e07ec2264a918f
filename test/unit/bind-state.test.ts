import test from 'ava';
import { TRANSITIONS, peerMaySend, weMaySend, type BindState } from '../../src/smpp/bind-state.js';

const STATES: BindState[] = ['open', 'binding', 'bound_tx', 'bound_rx', 'bound_trx', 'unbinding', 'closed'];

test('every state can reach closed, and closed is final', (t) => {
  for (const s of STATES.filter((x) => x !== 'closed')) t.true(TRANSITIONS[s].includes('closed'), s);
  t.deepEqual(TRANSITIONS.closed, []);
});

test('as SMSC: submits only from transmitter or transceiver binds', (t) => {
  t.false(peerMaySend('smsc', 'open', 'submit_sm'));
  t.false(peerMaySend('smsc', 'bound_rx', 'submit_sm'));
  t.true(peerMaySend('smsc', 'bound_tx', 'submit_sm'));
  t.true(peerMaySend('smsc', 'bound_trx', 'submit_sm'));
  t.true(peerMaySend('smsc', 'open', 'bind_transceiver'));
  t.false(peerMaySend('smsc', 'bound_trx', 'bind_transceiver'));
  t.true(peerMaySend('smsc', 'open', 'enquire_link'), 'ESMEs probe fresh connections');
});

test('as ESME: deliveries only on receiver or transceiver binds', (t) => {
  t.false(peerMaySend('esme', 'bound_tx', 'deliver_sm'));
  t.true(peerMaySend('esme', 'bound_rx', 'deliver_sm'));
  t.true(peerMaySend('esme', 'bound_trx', 'deliver_sm'));
});

test('what we may send mirrors what the peer may send', (t) => {
  t.true(weMaySend('esme', 'bound_tx', 'submit_sm'));
  t.false(weMaySend('esme', 'bound_rx', 'submit_sm'));
  t.false(weMaySend('esme', 'open', 'submit_sm'));
  t.true(weMaySend('esme', 'binding', 'bind_transmitter'));
  t.false(weMaySend('smsc', 'binding', 'bind_transmitter'));
  t.true(weMaySend('smsc', 'bound_rx', 'deliver_sm'));
  t.false(weMaySend('smsc', 'bound_tx', 'deliver_sm'));
  t.true(weMaySend('esme', 'bound_rx', 'unbind'));
  t.false(weMaySend('esme', 'open', 'unbind'));
});
