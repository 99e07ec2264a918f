/** What a simulator instance counts; read through the control API. */
export interface SimulatorCounters {
  connections: number;
  bindsAccepted: number;
  bindsRefused: number;
  submitsReceived: number;
  submitsAccepted: number;
  throttled: number;
  queueFull: number;
  /** The most submits ever outstanding (read, not yet answered) on one bind: proves a client's window. */
  maxOutstanding: number;
  injectedErrors: number;
  dlrsQueued: number;
  dlrsSent: number;
  mosQueued: number;
  mosSent: number;
  /** Subscribers' replies to MT (behaviour `replies`), queued and sent; they count as MO too. */
  repliesQueued: number;
  repliesSent: number;
  /** deliver_sm (DLR or MO) given up after repeated errors, or pushed out of a full outbox. */
  deliverDropped: number;
  deliverRetried: number;
  queries: number;
  cancels: number;
}

export function newCounters(): SimulatorCounters {
  return {
    connections: 0,
    bindsAccepted: 0,
    bindsRefused: 0,
    submitsReceived: 0,
    submitsAccepted: 0,
    throttled: 0,
    queueFull: 0,
    maxOutstanding: 0,
    injectedErrors: 0,
    dlrsQueued: 0,
    dlrsSent: 0,
    mosQueued: 0,
    mosSent: 0,
    repliesQueued: 0,
    repliesSent: 0,
    deliverDropped: 0,
    deliverRetried: 0,
    queries: 0,
    cancels: 0,
  };
}
