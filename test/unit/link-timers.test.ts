import test from 'ava';
import { LinkTimers } from '../../src/smpp/link-timers.js';

const config = { bindTimeoutMs: 1000, enquireLinkIntervalMs: 500, enquireLinkTimeoutMs: 200, idleTimeoutMs: 0 };

test('an unbound connection is stopped at the bind timeout, not before', (t) => {
  const timers = new LinkTimers(config, 0);
  t.deepEqual(timers.tick(999), { do: 'ok' });
  t.deepEqual(timers.tick(1000), { do: 'stop', reason: 'bind_timeout' });
});

test('a bound link enquires after the interval without inbound traffic', (t) => {
  const timers = new LinkTimers(config, 0);
  timers.boundAt(100);
  t.deepEqual(timers.tick(599), { do: 'ok' });
  timers.inbound(550);
  t.deepEqual(timers.tick(1049), { do: 'ok' }, 'inbound traffic postpones the enquire_link');
  t.deepEqual(timers.tick(1050), { do: 'enquire_link' });
});

test('an unanswered enquire_link stops the link; an answered one does not', (t) => {
  const timers = new LinkTimers(config, 0);
  timers.boundAt(0);
  timers.enquireLinkSent(500);
  t.deepEqual(timers.tick(650), { do: 'ok' }, 'no second enquire_link while one is outstanding');
  t.deepEqual(timers.tick(700), { do: 'stop', reason: 'enquire_link_timeout' });

  const answered = new LinkTimers(config, 0);
  answered.boundAt(0);
  answered.enquireLinkSent(500);
  answered.enquireLinkAnswered();
  answered.inbound(520);
  t.deepEqual(answered.tick(700), { do: 'ok' });
});

test('the idle timeout closes a connection with no inbound PDU', (t) => {
  const timers = new LinkTimers({ ...config, enquireLinkIntervalMs: 0, idleTimeoutMs: 300 }, 0);
  timers.boundAt(0);
  t.deepEqual(timers.tick(299), { do: 'ok' });
  t.deepEqual(timers.tick(300), { do: 'stop', reason: 'idle_timeout' });
});

test('with every period off the session needs no timer', (t) => {
  t.is(new LinkTimers({ bindTimeoutMs: 0, enquireLinkIntervalMs: 0, enquireLinkTimeoutMs: 0, idleTimeoutMs: 0 }, 0).resolutionMs, 0);
  t.is(new LinkTimers(config, 0).resolutionMs, 50);
});
