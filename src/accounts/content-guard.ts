/**
 * Content rules applied to submits (content-rules.ts decides; this module acts): every
 * submit of an account some rule applies to is read as text and matched, whichever
 * transport brought it (the gateway's enqueue is the one door of SMPP and HTTP submits).
 *
 * - block: CONTENT_BLOCKED (SMPP ESME_RSUBMITFAIL, HTTP 4xx), naming the rule, never the text.
 * - hold: the caller stores the message held (NewMessage.heldRule) and reports it here.
 * Each verdict is counted per rule and account (for /metrics) and audited
 * (`content.blocked`, `content.held`; actor: who submitted) with the rule's name and how
 * many messages the row stands for, never a body or a number.
 *
 * A flood must not flood the audit trail: per (verdict, actor, rule) at most one row per
 * `auditWindowMs`. The first verdict after a quiet window is audited at once; the ones after
 * it within the window are only counted, and `flush` (run once per window) writes one row
 * for them. Summing `messages` over the rows gives every verdict. The map of windows holds
 * only pairs seen within the last window: it never grows with traffic.
 *
 * What "the text" is: the submit as it came. A message the client split itself (UDH or SAR
 * parts) arrives as separate submits, each its own message, and each part's text is matched
 * alone; joining them would mean holding every part back until the last came (the parts may
 * never all come), so a phrase cut across two parts can pass. A long text in one submit
 * (message_payload) is matched whole.
 */
import { GatewayError } from '../errors.js';
import type { MessageContent, NewMessage } from '../messages/types.js';
import type { AuditEntry } from '../obs/audit.js';
import type { ContentAction, ContentRules } from './content-rules.js';

/** One rule's verdicts on one account's messages since start. */
export interface ContentCount {
  rule: string;
  account: string;
  action: ContentAction;
  n: number;
}

interface AuditWindow {
  actor: string;
  account: string;
  rule: string;
  action: ContentAction;
  startedAt: number;
  /** Verdicts since the window's row that have no row of their own yet. */
  unaudited: number;
}

const AUDIT_ACTION: Record<ContentAction, string> = { block: 'content.blocked', hold: 'content.held' };

export class ContentGuard {
  readonly #counts = new Map<string, ContentCount>();
  readonly #windows = new Map<string, AuditWindow>();
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(
    private readonly o: {
      rules: ContentRules;
      /** The submit's text, or null when it is not text (binary). */
      textOf: (content: MessageContent) => string | null;
      /** Appends an audit row; a failure is the caller's to log, never the submit's. */
      audit: (entry: AuditEntry) => void;
      auditWindowMs?: number;
      now?: () => number;
    },
  ) {
    this.#windowMs = o.auditWindowMs ?? 60_000;
    this.#now = o.now ?? Date.now;
  }

  /**
   * Matches a submit: throws CONTENT_BLOCKED for a block, returns the holding rule's name
   * for a hold (report it with `held` once stored), undefined when it may go.
   */
  check(message: NewMessage, actor: string): string | undefined {
    if (!this.o.rules.appliesTo(message.account)) return undefined;
    const text = this.o.textOf(message.content);
    const hit = text === null ? undefined : this.o.rules.match(message.account, text);
    if (!hit) return undefined;
    if (hit.action === 'hold') return hit.rule;
    this.#verdict('block', actor, message.account, hit.rule);
    throw new GatewayError('CONTENT_BLOCKED', `the message was refused by content rule "${hit.rule}" of this gateway; change its text, or ask the operator about the rule`);
  }

  /** A message a rule held was stored under this id. */
  held(account: string, rule: string, messageId: string, actor: string): void {
    this.#verdict('hold', actor, account, rule, messageId);
  }

  /** Every rule's verdicts per account since start (for /metrics). */
  counts(): ContentCount[] {
    return [...this.#counts.values()].map((c) => ({ ...c }));
  }

  /** Writes a row for the verdicts of each ended window that have none, and forgets idle windows. */
  flush(now = this.#now()): void {
    for (const [key, w] of this.#windows) {
      if (now - w.startedAt < this.#windowMs) continue;
      if (w.unaudited === 0) {
        this.#windows.delete(key);
        continue;
      }
      this.#write(w, w.unaudited);
      w.startedAt = now;
      w.unaudited = 0;
    }
  }

  #verdict(action: ContentAction, actor: string, account: string, rule: string, messageId?: string): void {
    const countKey = `${action}\n${account}\n${rule}`;
    const count = this.#counts.get(countKey);
    if (count) count.n++;
    else this.#counts.set(countKey, { rule, account, action, n: 1 });

    const now = this.#now();
    const key = `${action}\n${actor}\n${account}\n${rule}`;
    const w = this.#windows.get(key);
    if (w && now - w.startedAt < this.#windowMs) {
      w.unaudited++;
      return;
    }
    // A quiet window ended (or none was open): this verdict gets its row, with any left over.
    const window = w ?? { actor, account, rule, action, startedAt: now, unaudited: 0 };
    this.#write(window, window.unaudited + 1, messageId);
    window.startedAt = now;
    window.unaudited = 0;
    this.#windows.set(key, window);
  }

  #write(w: AuditWindow, messages: number, messageId?: string): void {
    this.o.audit({ actor: w.actor, action: AUDIT_ACTION[w.action], subject: w.account, detail: { rule: w.rule, messages, ...(messageId ? { messageId } : {}) } });
  }
}
