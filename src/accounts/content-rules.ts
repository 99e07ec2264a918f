/**
 * Content rules (configuration `contentRules`): what an account may not send, or may send
 * only once an operator has looked. Pure matching; content-guard.ts applies the verdict.
 *
 * Policy:
 * - Rules apply to the accounts they name, or to every account when they name none. For one
 *   account, its rules are tried in file order and the first that matches decides: `block`
 *   (the submit is refused) or `hold` (accepted, kept from carriers until released).
 * - A rule matches when any of its keywords, or its regex, is found in the text. Keywords
 *   match whole words or phrases (not inside a longer word: "loan" does not match "sloane";
 *   the words of a phrase may be apart by any whitespace); a regex matches anywhere, as
 *   written (JavaScript syntax, Unicode mode). Case is ignored unless `caseSensitive`.
 * - The text is compared in Unicode NFKC form, so look-alike forms (full-width letters,
 *   ligatures, superscripts) cannot slip a keyword past a rule.
 * - Binary messages have no text and match nothing.
 *
 * Everything is compiled at start: one RegExp per rule, and each named account's list of
 * rules, so a submit costs one map lookup and a regex test per rule that applies to it.
 */
import type { Config } from '../config/schema.js';

export type ContentRuleConfig = Config['contentRules'][number];
export type ContentAction = ContentRuleConfig['action'];

/** The rule that decided a text's fate. */
export interface ContentMatch {
  rule: string;
  action: ContentAction;
}

interface CompiledRule extends ContentMatch {
  test: (text: string) => boolean;
}

/** A letter, digit or underscore next to a keyword makes it part of a longer word. */
const WORD_BEFORE = '(?<![\\p{L}\\p{N}_])';
const WORD_AFTER = '(?![\\p{L}\\p{N}_])';

// Unicode mode allows escaping syntax characters only (`\-` is an error there).
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One pattern for a rule's keywords: any of them, as a whole word or phrase. */
function keywordsPattern(keywords: readonly string[]): string {
  const alternatives = keywords.map((k) => k.normalize('NFKC').trim().split(/\s+/).map(escapeRegex).join('\\s+'));
  return `${WORD_BEFORE}(?:${alternatives.join('|')})${WORD_AFTER}`;
}

function compile(rule: ContentRuleConfig): CompiledRule {
  const flags = rule.match.caseSensitive ? 'u' : 'iu';
  const patterns = [rule.match.keywords && keywordsPattern(rule.match.keywords), rule.match.regex].filter((p): p is string => p !== undefined);
  const regexes = patterns.map((p) => new RegExp(p, flags));
  return { rule: rule.name, action: rule.action, test: (text) => regexes.some((r) => r.test(text)) };
}

export class ContentRules {
  readonly #everyAccount: CompiledRule[];
  readonly #byAccount = new Map<string, CompiledRule[]>();
  readonly #configured: readonly ContentRuleConfig[];

  constructor(rules: readonly ContentRuleConfig[]) {
    this.#configured = rules;
    const compiled = rules.map((rule) => ({ rule, compiled: compile(rule) }));
    this.#everyAccount = compiled.filter((c) => c.rule.accounts === undefined).map((c) => c.compiled);
    const named = new Set(rules.flatMap((r) => r.accounts ?? []));
    for (const account of named) {
      this.#byAccount.set(account, compiled.filter((c) => c.rule.accounts === undefined || c.rule.accounts.includes(account)).map((c) => c.compiled));
    }
  }

  /** Whether any rule applies to the account: if none, its texts need not even be decoded. */
  appliesTo(account: string): boolean {
    return this.#rulesOf(account).length > 0;
  }

  /** The first rule of the account's that the text meets, or undefined. */
  match(account: string, text: string): ContentMatch | undefined {
    const rules = this.#rulesOf(account);
    if (rules.length === 0) return undefined;
    const normal = text.normalize('NFKC');
    const hit = rules.find((r) => r.test(normal));
    return hit && { rule: hit.rule, action: hit.action };
  }

  /** The rules as configured, for `maskgate content rules`. */
  list(): readonly ContentRuleConfig[] {
    return this.#configured;
  }

  #rulesOf(account: string): CompiledRule[] {
    return this.#byAccount.get(account) ?? this.#everyAccount;
  }
}
