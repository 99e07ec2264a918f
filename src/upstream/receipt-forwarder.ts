/**
 * Receipts owed to clients (client_receipts), forwarded as deliver_sm by the OwedForwarder.
 * The store writes a row when a message reaches a final state its client asked a receipt
 * for; the 'final' event wakes the account's lane. An account with dlrOverSmpp off keeps
 * its rows until retention: they are the outbox other channels (webhooks) read too.
 */
import type { AccountDirectory } from '../accounts/types.js';
import type { MessageStore, OwedReceipt } from '../messages/message-store.js';
import type { MessageState } from '../messages/types.js';
import { OwedForwarder, type OwedForwarderOptions, type OwedSource } from './owed-forwarder.js';
import { receiptFields } from './receipt-pdu.js';

export interface ReceiptForwarderOptions extends OwedForwarderOptions {
  store: Pick<MessageStore, 'events' | 'owedReceipts' | 'accountsOwedReceipts' | 'receiptDelivered' | 'expireClientReceipts'>;
  /** Whether the account wants receipts over SMPP (Account.dlrOverSmpp), read at each pass. */
  directory: Pick<AccountDirectory, 'get'>;
}

function receiptSource({ store, directory }: ReceiptForwarderOptions): OwedSource<OwedReceipt> {
  return {
    kind: 'receipt',
    wanted: (account) => directory.get(account)?.dlrOverSmpp === true,
    accountsOwed: () => store.accountsOwedReceipts(),
    owed: (account, afterSeq, limit) => store.owedReceipts(account, afterSeq, limit),
    fields(row) {
      const doneAt = row.doneAt ?? row.createdAt;
      const receipt = { messageId: row.messageId, state: row.state, errorCode: row.errorCode, submittedAt: row.submittedAt ?? doneAt, doneAt };
      return receiptFields(receipt, row.addresses);
    },
    delivered: (row) => store.receiptDelivered(row.seq),
    expire: (before) => store.expireClientReceipts(before),
    subscribe(wake) {
      const onFinal = (_id: string, _state: MessageState, account: string) => wake(account);
      store.events.on('final', onFinal);
      return () => store.events.off('final', onFinal);
    },
    describe: (row) => ({ mid: row.messageId }),
  };
}

export class ReceiptForwarder extends OwedForwarder<OwedReceipt> {
  constructor(options: ReceiptForwarderOptions) {
    super(receiptSource(options), options);
  }
}
