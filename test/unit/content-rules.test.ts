import test from 'ava';
import { ContentGuard } from '../../src/accounts/content-guard.js';
import { ContentRules, type ContentRuleConfig } from '../../src/accounts/content-rules.js';
import { configSchema } from '../../src/config/schema.js';
import { GatewayError } from '../../src/errors.js';
import type { MessageContent, NewMessage } from '../../src/messages/types.js';
import type { AuditEntry } from '../../src/obs/audit.js';
import { submitText } from '../../src/upstream/submit-text.js';

const rule = (r: Partial<ContentRuleConfig> & Pick<ContentRuleConfig, 'name' | 'action'> & { keywords?: string[]; regex?: string; caseSensitive?: boolean }): ContentRuleConfig => ({
  name: r.name,
  action: r.action,
  ...(r.accounts ? { accounts: r.accounts } : {}),
  match: { ...(r.keywords ? { keywords: r.keywords } : {}), ...(r.regex ? { regex: r.regex } : {}), caseSensitive: r.caseSensitive ?? false },
});

test('keywords match whole words and phrases, in any case, not inside longer words', (t) => {
  const rules = new ContentRules([rule({ name: 'loans', action: 'block', keywords: ['loan', 'quick cash'] })]);
  t.deepEqual(rules.match('acme', 'Get a LOAN today'), { rule: 'loans', action: 'block' });
  t.deepEqual(rules.match('acme', 'need quick\n  cash?'), { rule: 'loans', action: 'block' }, 'the words of a phrase may be apart by any whitespace');
  t.is(rules.match('acme', 'Sloane Square, 5 pm'), undefined, 'not inside a longer word');
  t.is(rules.match('acme', 'loans'), undefined, 'a keyword is a word, not a prefix');
  t.is(rules.match('acme', 'quickcash'), undefined);
  t.deepEqual(rules.match('acme', '(loan)'), { rule: 'loans', action: 'block' }, 'punctuation is a word boundary');
});

test('keywords in other scripts, look-alike forms and case sensitivity', (t) => {
  const rules = new ContentRules([
    rule({ name: 'ru', action: 'hold', keywords: ['кредит'] }),
    rule({ name: 'exact', action: 'block', keywords: ['ACME-X'], caseSensitive: true }),
  ]);
  t.deepEqual(rules.match('a', 'Ваш КРЕДИТ одобрен'), { rule: 'ru', action: 'hold' });
  t.is(rules.match('a', 'кредитный'), undefined, 'letters of any script make a word longer');
  t.deepEqual(rules.match('a', 'buy ＡＣＭＥ-Ｘ now'), { rule: 'exact', action: 'block' }, 'full-width letters are compared as their NFKC form');
  t.is(rules.match('a', 'buy acme-x now'), undefined, 'caseSensitive: other case passes');
});

test('a regex matches anywhere, case-insensitively unless the rule says otherwise', (t) => {
  const rules = new ContentRules([
    rule({ name: 'codes', action: 'hold', regex: '\\b\\d{6}\\b.*expires' }),
    rule({ name: 'Shout', action: 'block', regex: 'WIN', caseSensitive: true }),
  ]);
  t.deepEqual(rules.match('a', 'Your code 123456 Expires soon'), { rule: 'codes', action: 'hold' });
  t.is(rules.match('a', 'Your code 12345 expires soon'), undefined);
  t.deepEqual(rules.match('a', 'WINNER'), { rule: 'Shout', action: 'block' }, 'a regex is not bound to words');
  t.is(rules.match('a', 'winner'), undefined);
});

test('the first rule of the account, in file order, decides; account rules apply to their accounts only', (t) => {
  const rules = new ContentRules([
    rule({ name: 'acme-hold', action: 'hold', accounts: ['acme'], keywords: ['prize'] }),
    rule({ name: 'everyone-block', action: 'block', keywords: ['prize', 'casino'] }),
    rule({ name: 'beta-only', action: 'block', accounts: ['beta'], keywords: ['bonus'] }),
  ]);
  t.deepEqual(rules.match('acme', 'a prize'), { rule: 'acme-hold', action: 'hold' }, 'the earlier rule wins');
  t.deepEqual(rules.match('other', 'a prize'), { rule: 'everyone-block', action: 'block' }, 'an account named nowhere gets the rules for all');
  t.deepEqual(rules.match('acme', 'casino night'), { rule: 'everyone-block', action: 'block' });
  t.is(rules.match('acme', 'bonus'), undefined, "beta's rule is not acme's");
  t.deepEqual(rules.match('beta', 'bonus'), { rule: 'beta-only', action: 'block' });
  t.true(rules.appliesTo('other'));
  t.false(new ContentRules([rule({ name: 'x', action: 'block', accounts: ['beta'], keywords: ['x'] })]).appliesTo('acme'));
});

function message(text: string, account = 'acme'): NewMessage {
  const content: MessageContent = { sourceAddr: 'ACME', sourceTon: 5, sourceNpi: 0, destinationAddr: '998901234567', destTon: 1, destNpi: 1, esmClass: 0, protocolId: 0, priorityFlag: 0, dataCoding: 0, shortMessage: Buffer.from(text, 'latin1') };
  return { account, content, registeredDelivery: 1, validUntil: null };
}

function guard(rules: ContentRuleConfig[]) {
  const rows: AuditEntry[] = [];
  const clock = { now: 1_000_000 };
  const g = new ContentGuard({ rules: new ContentRules(rules), textOf: submitText, audit: (e) => rows.push(e), auditWindowMs: 60_000, now: () => clock.now });
  return { g, rows, clock };
}

test('a block throws CONTENT_BLOCKED naming the rule, never the text; a hold returns its rule; both are counted', (t) => {
  const { g } = guard([rule({ name: 'casino', action: 'block', keywords: ['casino'] }), rule({ name: 'review', action: 'hold', keywords: ['refund'] })]);
  const err = t.throws(() => g.check(message('visit our casino 998901234567'), 'smpp:acme'), { instanceOf: GatewayError });
  t.is(err!.code, 'CONTENT_BLOCKED');
  t.regex(err!.message, /content rule "casino"/);
  t.false(err!.message.includes('visit'), 'the text is not quoted');
  t.is(g.check(message('your refund'), 'smpp:acme'), 'review');
  g.held('acme', 'review', 'm1', 'smpp:acme');
  t.is(g.check(message('hello'), 'smpp:acme'), undefined);
  t.deepEqual(
    g.counts().sort((a, b) => a.rule.localeCompare(b.rule)),
    [
      { rule: 'casino', account: 'acme', action: 'block', n: 1 },
      { rule: 'review', account: 'acme', action: 'hold', n: 1 },
    ],
  );
});

test('a flood of blocks writes one audit row per account and rule per window; the rows add up to every block', (t) => {
  const { g, rows, clock } = guard([rule({ name: 'casino', action: 'block', keywords: ['casino'] })]);
  const block = (account = 'acme') => t.throws(() => g.check(message('casino', account), `smpp:${account}`));
  for (let i = 0; i < 5; i++) block();
  block('beta');
  t.deepEqual(rows, [
    { actor: 'smpp:acme', action: 'content.blocked', subject: 'acme', detail: { rule: 'casino', messages: 1 } },
    { actor: 'smpp:beta', action: 'content.blocked', subject: 'beta', detail: { rule: 'casino', messages: 1 } },
  ]);
  g.flush(clock.now + 59_999);
  t.is(rows.length, 2, 'nothing more within the window');
  clock.now += 60_000;
  g.flush();
  t.deepEqual(rows[2], { actor: 'smpp:acme', action: 'content.blocked', subject: 'acme', detail: { rule: 'casino', messages: 4 } }, 'the four only counted');
  t.is(rows.length, 3, "beta's window had nothing left over");
  // The window restarted at the flush: a block within it is counted, one after it audited with what is left.
  clock.now += 30_000;
  block();
  clock.now += 30_000;
  block();
  t.deepEqual(rows.at(-1), { actor: 'smpp:acme', action: 'content.blocked', subject: 'acme', detail: { rule: 'casino', messages: 2 } });
  const audited = rows.filter((r) => r.subject === 'acme').reduce((n, r) => n + Number(r.detail!.messages), 0);
  t.is(audited, 7);
  t.is(g.counts().find((c) => c.account === 'acme')!.n, 7);
  // Idle windows are forgotten.
  clock.now += 120_000;
  g.flush();
  g.flush(clock.now + 60_000);
  t.is(rows.length, 4);
});

test('held messages are audited with the id of the one that opened the window', (t) => {
  const { g, rows } = guard([rule({ name: 'review', action: 'hold', regex: 'refund' })]);
  g.held('acme', 'review', 'm1', 'api:tok1');
  g.held('acme', 'review', 'm2', 'api:tok1');
  t.deepEqual(rows, [{ actor: 'api:tok1', action: 'content.held', subject: 'acme', detail: { rule: 'review', messages: 1, messageId: 'm1' } }]);
});

test('the text a rule sees: GSM, UCS2, message_payload and a client-split part without its UDH; binary has none', (t) => {
  const base = message('').content;
  t.is(submitText({ ...base, shortMessage: Buffer.from('Hi casino', 'latin1') }), 'Hi casino');
  t.is(submitText({ ...base, dataCoding: 0x08, shortMessage: Buffer.from('\u041A\u0430\u0437\u0438\u043D\u043E', 'utf16le').swap16() }), 'Казино');
  t.is(submitText({ ...base, shortMessage: Buffer.alloc(0), tlvs: { message_payload: Buffer.from('long casino text', 'latin1') } }), 'long casino text');
  const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]);
  t.is(submitText({ ...base, esmClass: 0x40, shortMessage: Buffer.concat([udh, Buffer.from('part one', 'latin1')]) }), 'part one');
  t.is(submitText({ ...base, dataCoding: 0x04, shortMessage: Buffer.from([0xde, 0xad]) }), null);
});

test('the configuration refuses a bad regex naming the rule and the fix, and a rule with nothing to match', (t) => {
  const parsed = configSchema.safeParse({
    keys: { masterKeyFile: './k' },
    contentRules: [
      { name: 'ok', match: { keywords: ['x'] }, action: 'block' },
      { name: 'broken', match: { regex: '[unclosed' }, action: 'hold' },
      { name: 'empty', match: {}, action: 'block' },
    ],
  });
  t.false(parsed.success);
  const issues = parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  t.true(issues.some((i) => /^contentRules\.1\.match\.regex: content rule "broken": not a valid regular expression .*escape characters/.test(i)), issues.join('\n'));
  t.true(issues.some((i) => /^contentRules\.2\.match: give keywords, a regex, or both/.test(i)), issues.join('\n'));
});
