import test from 'ava';
import { STATUS_POLICY, classifyStatus, finalStateFor } from '../../src/routing/retry-policy.js';
import { statusName } from '../../src/smpp/status.js';

test('throttled and queue-full slow down on the same carrier', (t) => {
  t.is(classifyStatus(0x58), 'throttle'); // ESME_RTHROTTLED
  t.is(classifyStatus(0x14), 'throttle'); // ESME_RMSGQFUL
});

test('system errors, transient failures and our bind state are retried', (t) => {
  for (const status of [0x08, 0x64, 0x45, 0xfe, 0xff, 0x04, 0x03]) t.is(classifyStatus(status), 'retry', statusName(status));
});

test('invalid input is permanent and ends REJECTED', (t) => {
  // bad length, bad source/destination, esm_class, TON/NPI, TLV stream, receiver reject
  for (const status of [0x01, 0x02, 0x0a, 0x0b, 0x0c, 0x43, 0x44, 0x48, 0x49, 0x50, 0x51, 0x62, 0x66, 0xc0]) {
    t.is(classifyStatus(status), 'permanent', statusName(status));
    t.is(finalStateFor(status), 'REJECTED', statusName(status));
  }
});

test('a permanent delivery failure ends UNDELIVERABLE', (t) => {
  t.is(classifyStatus(0x65), 'permanent'); // ESME_RX_P_APPN
  t.is(finalStateFor(0x65), 'UNDELIVERABLE');
});

test('unknown statuses, the vendor range included, are retried and end UNDELIVERABLE when given up', (t) => {
  for (const status of [0x400, 0x401, 0x4ff, 0x0053, 0x1234]) {
    t.is(classifyStatus(status), 'retry');
    t.is(finalStateFor(status), 'UNDELIVERABLE');
  }
  t.is(finalStateFor(0x08), 'UNDELIVERABLE', 'a retryable status given up on is a delivery failure, not a rejection');
});

test('every row names its status as the smpp package does', (t) => {
  t.true(STATUS_POLICY.size > 30);
  for (const [status, [name]] of STATUS_POLICY) t.is(statusName(status), `${name} (0x${status.toString(16).toUpperCase().padStart(2, '0')})`);
});
