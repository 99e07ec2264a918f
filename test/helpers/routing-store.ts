/** A routing store for tests: real SQLite (a temp file or :memory:), real keys, real migrations. */
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../src/store/database.js';
import { ROUTING_MIGRATIONS } from '../../src/store/routing-schema.js';
import { deriveKey } from '../../src/keys/master-key.js';
import { MessageStore } from '../../src/messages/message-store.js';
import type { MessageContent, NewMessage } from '../../src/messages/types.js';
import { testNumber } from './esme.js';

export function openTestStore(path = ':memory:', masterKey: Buffer = randomBytes(32)): { db: Database; store: MessageStore; masterKey: Buffer } {
  const db = openDatabase({ path, name: 'routing store', migrations: ROUTING_MIGRATIONS, masterKey });
  const key = deriveKey(masterKey, 'routing-bodies', 1);
  const store = new MessageStore({
    db,
    keys: { current: { version: 1, key }, keyFor: (v) => (v === 1 ? key : undefined) },
    batch: { maxBatch: 256, maxDelayMs: 2, maxPending: 100_000 },
    defaultValidityMs: 24 * 3600_000,
  });
  return { db, store, masterKey };
}

export function content(overrides: Partial<MessageContent> = {}): MessageContent {
  return {
    sourceAddr: 'ACME',
    sourceTon: 5,
    sourceNpi: 0,
    destinationAddr: testNumber(),
    destTon: 1,
    destNpi: 1,
    esmClass: 0,
    protocolId: 0,
    priorityFlag: 0,
    dataCoding: 0,
    shortMessage: Buffer.from('a test message body'),
    ...overrides,
  };
}

export function newMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  return { account: 'acme', content: content(), registeredDelivery: 1, validUntil: null, ...overrides };
}
