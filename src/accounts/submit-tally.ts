/**
 * How each account's submits ended: accepted, or refused by which error code (THROTTLED,
 * QUEUE_FULL, BAD_DESTINATION, a content rule's block, ...), whichever transport brought
 * them (SMPP or HTTP). Read by /metrics. Bounded: accounts times error codes.
 */
import type { ErrorCode } from '../errors.js';

export type SubmitOutcomeName = 'accepted' | ErrorCode;

export class SubmitTally {
  readonly #counts = new Map<string, Map<SubmitOutcomeName, number>>();

  record(account: string, outcome: SubmitOutcomeName): void {
    let byOutcome = this.#counts.get(account);
    if (!byOutcome) this.#counts.set(account, (byOutcome = new Map()));
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  }

  entries(): { account: string; outcome: SubmitOutcomeName; n: number }[] {
    return [...this.#counts].flatMap(([account, byOutcome]) => [...byOutcome].map(([outcome, n]) => ({ account, outcome, n })));
  }
}
