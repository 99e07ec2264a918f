/**
 * The one schema of maskgate's configuration file (STYLE.md §8). Every object is strict, so
 * a misspelt key is an error rather than a silently ignored setting; every default says why
 * it is what it is. Types derive from this schema; nothing restates them by hand.
 * Relative paths (stores, keys, TLS files, passwordFile) resolve against the directory of
 * the configuration file: see `resolveConfigPath` in loader.ts.
 */
import { z } from 'zod';
import { EXACTLY_ONE_SECRET_MESSAGE, exactlyOneSecret, secretRefFields } from './secret.js';
import { simulatorSectionSchema } from './simulator-schema.js';
import { describeDcs } from '../smpp/encoding/dcs.js';

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

const name = z.string().regex(NAME, 'must be letters, digits, - or _, starting with a letter or digit');
const host = z.string().min(1);
/** Listeners may use 0 (any free port), which tests rely on. */
const listenPort = z.number().int().min(0).max(65535);
const remotePort = z.number().int().min(1).max(65535);
const positiveMs = z.number().int().min(1);
const octet = z.number().int().min(0).max(255);
const bindModeSchema = z.enum(['transmitter', 'receiver', 'transceiver']);

/** Runs a refinement even when the object has other issues, so one pass reports them all. */
const evenWithOtherIssues = {
  when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
};

const smppSchema = z
  .object({
    tcp: z
      .object({
        host: host.default('0.0.0.0'), // every interface: clients reach a gateway from other hosts
        port: listenPort.default(2775), // IANA port for SMPP
      })
      .strict()
      .prefault({}),
    /** Absent: no TLS listener. */
    tls: z
      .object({
        host: host.default('0.0.0.0'), // as the TCP listener
        port: listenPort.default(3550), // the customary SMPP-over-TLS port
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        /** When set, clients must present a certificate signed by one of these CAs (mutual TLS). */
        caFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    bindTimeoutMs: positiveMs.default(10_000), // a real client binds at once; open-and-wait sockets are closed
    idleTimeoutMs: positiveMs.default(120_000), // 4 missed enquire_links at the usual 30 s interval
    enquireLinkIntervalMs: positiveMs.default(30_000), // the usual interval; keeps NAT and firewalls open
    responseTimeoutMs: positiveMs.default(10_000), // long for a LAN, fair for a client on a mobile link
    windowSize: z.number().int().min(1).default(10), // outstanding deliver_sm per client bind: enough to pipeline, little to lose
    // 64 KiB holds a message_payload of any real message; a huge command_length is refused early.
    // At least 512: a submit_sm with a full 254-octet short_message is about 370 bytes.
    maxPduBytes: z.number().int().min(512).max(1_048_576).default(65_536),
    // One submit's message_payload: about 13 GSM parts, more than any carrier's maxParts takes.
    maxMessagePayloadOctets: z.number().int().min(255).max(65_535).default(2_048),
  })
  .strict();

const accountDefaultsSchema = z
  .object({
    throughputMsgPerSec: z.number().positive().default(50), // a modest client; raise per account
    maxQueued: z.number().int().min(1).default(10_000), // a burst of minutes at the default rate, bounded memory
    maxBinds: z.number().int().min(1).default(4), // tx + rx pairs with room for a reconnect overlap
    bindModes: z.array(bindModeSchema).min(1).default(['transmitter', 'receiver', 'transceiver']), // any mode unless restricted
    dlrRetentionMs: positiveMs.default(259_200_000), // 72 h: a client down over a weekend still gets its DLRs and MOs
  })
  .strict();

/** Long MO arrive in parts; they are joined before the client gets them (carriers/mo-reassembly.ts). */
const moReassemblySchema = z
  .object({
    // parts come seconds apart; 5 min also covers a carrier resending parts refused while we restarted
    timeoutMs: positiveMs.default(300_000),
    // deliver: what a subscriber wrote is never thrown away; the parts' headers show what is missing
    onTimeout: z.enum(['deliver', 'drop']).default('deliver'),
  })
  .strict();

/** How a carrier takes text and long messages: what the encoding layer (src/smpp/encoding) needs. */
const carrierTextFields = {
  defaultAlphabet: z.enum(['gsm7', 'latin1', 'ascii']).default('gsm7'), // what data_coding 0 means at most SMSCs
  gsmDataCoding: octet.default(0), // data_coding for GSM 7-bit text; SMPP 3.4 "SMSC default alphabet"
  // SMPP carriers take one septet per octet and pack for the air themselves; packed over SMPP is the exception
  gsmPacked: z.boolean().default(false),
  acceptsMessagePayload: z.boolean().default(false), // optional in SMPP 3.4; UDH parts work everywhere
  // UDH parts reach every handset through every SMSC; SAR and message_payload are optional in SMPP 3.4
  longMessages: z.enum(['udh', 'sar', 'payload']).default('udh'),
  maxParts: z.number().int().min(1).max(255).default(10), // 8-bit UDH allows 255; 10 bounds a runaway long message
};

const carrierTextSchema = z.object(carrierTextFields);

/** The carrier fields that say how it takes text and long messages. */
export type CarrierTextSettings = z.output<typeof carrierTextSchema>;

/** A carrier's text settings when none are configured: what `maskgate encode` shows without --carrier. */
export const carrierTextDefaults: CarrierTextSettings = carrierTextSchema.parse({});

/**
 * Text settings that contradict each other. Runs even when other fields are invalid, so it
 * only judges values that parsed.
 */
function checkCarrierText(carrier: Partial<CarrierTextSettings>, ctx: z.RefinementCtx): void {
  if (carrier.longMessages === 'payload' && carrier.acceptsMessagePayload === false) {
    ctx.addIssue({
      code: 'custom',
      path: ['longMessages'],
      message: 'payload needs acceptsMessagePayload: true; set it if the carrier takes message_payload, else use udh or sar',
    });
  }
  const gsmDataCoding = octet.safeParse(carrier.gsmDataCoding);
  const defaultAlphabet = carrierTextFields.defaultAlphabet.safeParse(carrier.defaultAlphabet);
  if (!gsmDataCoding.success || !defaultAlphabet.success) return;
  if (describeDcs(gsmDataCoding.data, defaultAlphabet.data).alphabet !== 'gsm7') {
    const hex = `0x${gsmDataCoding.data.toString(16).padStart(2, '0').toUpperCase()}`;
    ctx.addIssue({
      code: 'custom',
      path: ['gsmDataCoding'],
      message: `data_coding ${gsmDataCoding.data} (${hex}) does not mean GSM 7-bit at this carrier (defaultAlphabet: ${defaultAlphabet.data}); use 0 with defaultAlphabet gsm7, or a GSM coding such as 241 (0xF1: GSM 7-bit, class 1)`,
    });
  }
}

const carrierSchema = z
  .object({
    /** Used in routes, logs and metrics. */
    name,
    host,
    port: remotePort.default(2775), // IANA port for SMPP
    tls: z
      .object({
        enabled: z.boolean().default(false), // most carrier links are TCP over a VPN or leased line
        caFile: z.string().min(1).optional(),
        rejectUnauthorized: z.boolean().default(true), // never trust an unverified carrier; turn off only for a lab
        servername: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    systemId: z.string().min(1).max(15, 'must be at most 15 characters (SMPP 3.4 system_id)'),
    ...secretRefFields,
    systemType: z.string().max(12, 'must be at most 12 characters (SMPP 3.4 system_type)').default(''), // most carriers want it empty
    bindMode: z.enum(['transceiver', 'transmitter+receiver']).default('transceiver'), // one socket per bind, DLRs on the same bind
    binds: z.number().int().min(1).default(1), // one bind until the contract allows more
    window: z.number().int().min(1).default(10), // outstanding submit_sm per bind: pipelines without flooding
    throughputMsgPerSec: z.number().positive().default(10), // conservative: a carrier that allows more says so in the contract
    enquireLinkIntervalMs: positiveMs.default(30_000), // the usual interval; finds a dead link in seconds
    responseTimeoutMs: positiveMs.default(10_000), // then the PDU fails over rather than waiting forever
    connectTimeoutMs: positiveMs.default(10_000), // a carrier that does not answer in 10 s is down for now
    reconnect: z
      .object({
        initialDelayMs: positiveMs.default(1_000), // quick back after a blip
        maxDelayMs: positiveMs.default(60_000), // a carrier down for long is retried once a minute
        multiplier: z.number().min(1).default(2), // the usual doubling
        jitter: z.number().min(0).max(1).default(0.2), // ±20%: binds do not reconnect in lockstep
      })
      .strict()
      .refine((r) => r.maxDelayMs >= r.initialDelayMs, { message: 'must be ≥ initialDelayMs', path: ['maxDelayMs'] })
      .prefault({}),
    /** TON/NPI sent toward this carrier when a message does not set its own. */
    addressDefaults: z
      .object({
        sourceTon: octet.default(1), // international: we keep numbers in E.164
        sourceNpi: octet.default(1), // ISDN/E.164
        destTon: octet.default(1), // international, as the source
        destNpi: octet.default(1), // ISDN/E.164
      })
      .strict()
      .prefault({}),
    dlrIdFormat: z.enum(['hex', 'decimal']).default('hex'), // how ids are written in this carrier's receipts; hex is the common case
    ...carrierTextFields,
  })
  .strict()
  .refine(exactlyOneSecret, { message: EXACTLY_ONE_SECRET_MESSAGE, ...evenWithOtherIssues })
  .superRefine(checkCarrierText, evenWithOtherIssues);

const routeSchema = z
  .object({
    name,
    /** Routes are tried by priority, higher first; equal priorities keep their order in the file. */
    priority: z.number().int().default(0), // neutral: give specific routes a higher one
    /** Every listed criterion must hold; an omitted one matches anything, so `{}` matches every message. */
    match: z
      .object({
        destinationPrefixes: z.array(z.string().regex(/^\+?\d{1,15}$/, 'must be digits, optionally with a leading +, e.g. "99890"')).min(1).optional(),
        countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in upper case, e.g. "UZ"')).min(1).optional(),
        accounts: z.array(z.string().min(1).max(15, 'must be an account system_id of at most 15 characters')).min(1).optional(),
        senderTypes: z.array(z.enum(['numeric', 'alphanumeric', 'shortcode'])).min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Carriers tried in order: the next one when a carrier is down or answers a retryable error. */
    failover: z.array(name).min(1).optional(),
    /** Carriers picked by weight; the others of the set serve as failover. */
    loadShare: z
      .array(z.object({ carrier: name, weight: z.number().int().min(1).default(1) }).strict()) // equal shares unless told
      .min(1)
      .optional(),
  })
  .strict()
  .refine((r) => (r.failover === undefined) !== (r.loadShare === undefined), {
    message: 'set exactly one of failover (an ordered list of carriers) or loadShare (carriers with weights)',
    ...evenWithOtherIssues,
  });

const storesSchema = z
  .object({
    routing: z.object({ path: z.string().min(1).default('./data/routing.db') }).strict().prefault({}), // beside the config, in its data dir
    contacts: z.object({ path: z.string().min(1).default('./data/contacts.db') }).strict().prefault({}), // a second file: the double list
    groupCommit: z
      .object({
        maxBatch: z.number().int().min(1).default(256), // one fsync covers a burst of submits
        maxDelayMs: z.number().int().min(0).default(5), // submit_sm_resp waits at most this for its commit
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((s) => s.routing.path !== s.contacts.path, {
    message: 'the routing and contact stores must be two different files: real numbers live apart from the routing data',
    path: ['contacts', 'path'],
  });

const keysSchema = z
  .object({
    masterKeyFile: z.string().min(1).optional(),
    masterKeyEnv: z.string().regex(ENV_NAME, 'must be an environment variable name such as MASKGATE_MASTER_KEY').optional(),
    // For the demo only: a fresh clone starts without a setup step. Off by default, so a lost
    // key file stops the daemon instead of being silently replaced (a store made under the
    // old key would refuse the new one anyway).
    createIfMissing: z.boolean().default(false),
  })
  .strict()
  .refine((k) => !(k.createIfMissing && k.masterKeyEnv !== undefined), {
    message: 'createIfMissing works with masterKeyFile only: maskgate cannot set an environment variable',
  })
  .refine((k) => (k.masterKeyFile === undefined) !== (k.masterKeyEnv === undefined), {
    message: 'set exactly one of masterKeyFile (a 0600 key file) or masterKeyEnv (an environment variable name); the key is never written here',
  });

const httpSchema = z
  .object({
    enabled: z.boolean().default(true), // /healthz and /metrics out of the box; loopback keeps it private
    host: host.default('127.0.0.1'), // loopback: expose it deliberately, behind a proxy
    port: listenPort.default(8080), // the usual alternative HTTP port; no root needed
    // HTTPS with a certificate and key (PEM); the files `maskgate tls init` makes for the SMPP
    // TLS listener serve here too. Absent: plain HTTP, fine on loopback or behind a proxy.
    tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).strict().optional(),
    // Our largest request (a submit with a long text) is a few KiB: a bigger body is a mistake or an attack.
    bodyLimitBytes: z.number().int().min(1_024).max(10_485_760).default(65_536),
    // Prometheus usually scrapes a private address without credentials; set true when the
    // API is reachable by others (then /metrics needs a token of any role but client).
    metricsRequireToken: z.boolean().default(false),
    // Failed token checks per client address before it is locked out (429): guessing stops.
    failedAuth: z
      .object({
        maxFailures: z.number().int().min(1).default(10),
        windowMs: positiveMs.default(60_000),
        lockMs: positiveMs.default(300_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** Webhooks: events sent to each account's HTTPS endpoint from a durable outbox (api/webhook-sender.ts). */
const webhooksSchema = z
  .object({
    timeoutMs: positiveMs.default(10_000), // an endpoint should answer at once and work later; a hung one holds a slot only this long
    concurrency: z.number().int().min(1).max(256).default(8), // requests in flight across all endpoints: webhooks never compete with SMPP for the CPU
    retryBaseMs: positiveMs.default(5_000), // the first retry: past a blip or a deploy of the receiver
    retryMaxMs: positiveMs.default(3_600_000), // an endpoint down for long is tried hourly, not hammered
    retryWindowMs: positiveMs.default(259_200_000), // 72 h, as receipts wait for a client: a weekend outage loses nothing
    pollMs: positiveMs.default(1_000), // how soon a new event leaves: a second is fast for a webhook, cheap for the store
    keepDeliveredMs: z.number().int().min(0).default(86_400_000), // a day of delivered events for `webhooks list`, then deleted
  })
  .strict()
  .refine((w) => w.retryMaxMs >= w.retryBaseMs, { message: 'must be ≥ retryBaseMs', path: ['retryMaxMs'] });

/** Virtual numbers: leases (temporary numbers), masks and proxy sessions on the pool. */
const numbersSchema = z
  .object({
    leases: z
      .object({
        maxTtlMs: positiveMs.default(30 * 86_400_000), // a month: longer is a rental, not a temporary number
        // A day: messages meant for the last holder (late retries, slow senders) fade out
        // before a new holder could receive them.
        cooldownMs: z.number().int().min(0).default(86_400_000),
        retireAfterLeases: z.number().int().min(0).default(0), // 0: numbers are never retired by use alone
        sweepIntervalMs: positiveMs.default(5_000), // no lease outlives its TTL by more than this
      })
      .strict()
      .prefault({}),
    relays: z
      .object({
        // No country calling code starts with 0, so a 0-prefixed alias is never a real
        // international number: a client cannot mistake one for the other.
        aliasPrefix: z.string().regex(/^0\d{0,5}$/, 'must be 1 to 6 digits starting with 0 (no real international number starts with 0)').default('000'),
        maxTtlMs: positiveMs.default(90 * 86_400_000), // a quarter: a marketplace conversation or a delivery
      })
      .strict()
      .prefault({}),
    abuse: z
      .object({
        // A temporary number used for one service's codes hears from a handful of senders;
        // dozens of strangers in minutes is a number published or sold on: quarantine it.
        distinctSenders: z
          .object({
            max: z.number().int().min(1).default(50),
            windowMs: positiveMs.default(10 * 60_000),
          })
          .strict()
          .prefault({}),
        // MO per pool number per second; more are answered 0x58 and the carrier retries later.
        // 20/s is far above any person and well below a flood.
        moPerNumberPerSecond: z.number().min(0.1).default(20),
        releasePollMs: positiveMs.default(1_000), // how soon a released held MO moves on
      })
      .strict()
      .prefault({}),
  })
  .strict();

/**
 * How long each kind of data is kept once it is final or ended (store/retention.ts); null
 * keeps it. Purges run in the daemon every intervalMs, and on demand with
 * `maskgate retention run`.
 */
const keepFor = positiveMs.nullable();
const retentionSchema = z
  .object({
    enabled: z.boolean().default(true), // the daemon purges on its own; off leaves it to `maskgate retention run`
    intervalMs: positiveMs.default(3_600_000), // hourly: data is purged within an hour of its time, at little cost per pass
    batchSize: z.number().int().min(1).max(10_000).default(500), // rows per transaction: SMPP writes wait at most one batch
    // A message's addresses and text, once it is final: a week answers "what did we send?"
    // from support and outlives the receipts still owed (accountDefaults.dlrRetentionMs, 72 h).
    messageBodiesMs: keepFor.default(7 * 86_400_000),
    // The message row itself (state, attempts, times), then deleted: a quarter covers a
    // monthly billing cycle and the disputes that follow it.
    messagesMs: keepFor.default(90 * 86_400_000),
    // Ended leases name only our pool number and the account: kept as long as messages.
    endedLeasesMs: keepFor.default(90 * 86_400_000),
    // Ended masks and sessions still link a blind index and a contact to an account; a month
    // answers "who wrote through which number" and then the link (and the contact, once no
    // leg names it) goes. At least numbers.leases.cooldownMs: the choice of a party's next
    // number avoids the numbers its ended legs used within the cooldown.
    endedRelaysMs: keepFor.default(30 * 86_400_000),
    // Dead-lettered webhooks (their sealed bodies hold MO text): a month to notice and `webhooks retry`.
    deadWebhooksMs: keepFor.default(30 * 86_400_000),
    // VACUUM after a pass that purged something, so the files shrink. Off: secure_delete
    // already zeroes what is purged, and VACUUM rewrites the whole file under an exclusive
    // lock (the daemon's writes, and SMPP traffic with them, wait until it ends; up to twice
    // the file's size on disk meanwhile). Turn it on where disk space must come back.
    vacuum: z.boolean().default(false),
  })
  .strict();

/**
 * Content rules on what accounts submit (accounts/content-rules.ts): the first rule, in file
 * order, whose match the text meets decides: `block` refuses the submit, `hold` accepts it
 * and keeps it from carriers until an operator releases or drops it (`maskgate content`).
 */
const contentRuleSchema = z
  .object({
    name,
    accounts: z.array(z.string().min(1).max(15, 'must be an account system_id of at most 15 characters')).min(1).optional(), // absent: every account
    match: z
      .object({
        keywords: z.array(z.string().trim().min(1, 'must not be empty')).min(1).optional(), // whole words or phrases
        regex: z.string().min(1).optional(), // JavaScript syntax, Unicode mode
        caseSensitive: z.boolean().default(false), // spam varies its case; a rule that cares says so
      })
      .strict()
      .refine((m) => m.keywords !== undefined || m.regex !== undefined, { message: 'give keywords, a regex, or both' }),
    action: z.enum(['block', 'hold']),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const regex = rule.match?.regex;
    if (typeof regex !== 'string') return;
    try {
      new RegExp(regex, rule.match.caseSensitive ? 'u' : 'iu');
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        path: ['match', 'regex'],
        message: `content rule "${rule.name}": not a valid regular expression (${err instanceof Error ? err.message : String(err)}); fix it, or escape characters such as ( [ { . * + ? | \\ with a backslash to match them literally`,
      });
    }
  }, evenWithOtherIssues);

const loggingSchema = z
  .object({
    /** `protocol` sits below `debug` and traces every PDU. */
    level: z.enum(['error', 'warn', 'info', 'debug', 'protocol']).default('info'), // state changes without PDU noise
    /** `auto`: pretty on a terminal, JSON lines otherwise (files, containers). */
    format: z.enum(['json', 'pretty', 'auto']).default('auto'), // right for both a terminal and a container
  })
  .strict();

interface Named {
  name?: unknown;
}

/** Reports every name used twice in a list, pointing at the later use. */
function checkUnique(list: readonly Named[], section: string, what: string, ctx: z.RefinementCtx): void {
  const seen = new Map<unknown, number>();
  list.forEach((item, i) => {
    if (typeof item?.name !== 'string') return;
    const first = seen.get(item.name);
    if (first === undefined) seen.set(item.name, i);
    else ctx.addIssue({ code: 'custom', path: [section, i, 'name'], message: `duplicate ${what} name "${item.name}" (also ${section}[${first}].name); names must be unique` });
  });
}

/**
 * Cross-field checks: names unique, and every carrier a route names is defined. Runs even
 * when other fields are invalid, so it reads the half-parsed value defensively.
 */
function checkReferences(config: z.output<typeof fileSchema>, ctx: z.RefinementCtx): void {
  const carriers = Array.isArray(config.carriers) ? config.carriers : [];
  const routes = Array.isArray(config.routes) ? config.routes : [];
  checkUnique(carriers, 'carriers', 'carrier', ctx);
  checkUnique(routes, 'routes', 'route', ctx);
  checkUnique(Array.isArray(config.contentRules) ? config.contentRules : [], 'contentRules', 'content rule', ctx);
  checkRetention(config, ctx);
  const known = [...new Set(carriers.map((c) => c?.name).filter((n): n is string => typeof n === 'string'))];
  const hint = known.length > 0 ? `carriers are: ${known.join(', ')}` : 'no carriers are defined; add one under carriers';
  const checkList = (refs: readonly { carrier: unknown; path: (string | number)[] }[]) => {
    const listed = new Set<string>();
    for (const { carrier, path } of refs) {
      if (typeof carrier !== 'string') continue;
      if (!known.includes(carrier)) {
        ctx.addIssue({ code: 'custom', path, message: `unknown carrier "${carrier}"; ${hint}` });
      } else if (listed.has(carrier)) {
        ctx.addIssue({ code: 'custom', path, message: `carrier "${carrier}" is listed twice; list it once` });
      }
      listed.add(carrier);
    }
  };
  routes.forEach((route, r) => {
    if (Array.isArray(route?.failover)) checkList(route.failover.map((carrier, i) => ({ carrier, path: ['routes', r, 'failover', i] })));
    if (Array.isArray(route?.loadShare)) checkList(route.loadShare.map((s, i) => ({ carrier: s?.carrier, path: ['routes', r, 'loadShare', i, 'carrier'] })));
  });
}

/** Ended legs must outlive the cooldown that steers a party away from the numbers they used. */
function checkRetention(config: z.output<typeof fileSchema>, ctx: z.RefinementCtx): void {
  const keptMs = config.retention?.endedRelaysMs;
  const cooldownMs = config.numbers?.leases?.cooldownMs;
  if (typeof keptMs !== 'number' || typeof cooldownMs !== 'number' || keptMs >= cooldownMs) return;
  ctx.addIssue({
    code: 'custom',
    path: ['retention', 'endedRelaysMs'],
    message: `must be at least numbers.leases.cooldownMs (${cooldownMs}), got ${keptMs}: a party's next mask avoids the numbers its ended masks used within the cooldown, which needs those masks kept`,
  });
}

// A section left out takes its fields' defaults: prefault({}) parses {} through the section.
/**
 * Accounts created at start when missing: the demo's client account. Production manages
 * accounts with `maskgate accounts`; a seed never changes an account that exists.
 */
const accountSeedSchema = z
  .object({
    systemId: z.string().min(1).max(15, 'must be at most 15 characters (SMPP 3.4 system_id)'),
    ...secretRefFields,
    moPrefixes: z.array(z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits, without + or spaces')).default([]), // no MO unless numbers are given
  })
  .strict()
  .refine(exactlyOneSecret, { message: EXACTLY_ONE_SECRET_MESSAGE, ...evenWithOtherIssues });

const fileSchema = z
  .object({
    smpp: smppSchema.prefault({}),
    accountDefaults: accountDefaultsSchema.prefault({}),
    accountSeeds: z.array(accountSeedSchema).default([]), // none: accounts come from `maskgate accounts add`
    moReassembly: moReassemblySchema.prefault({}),
    numbers: numbersSchema.prefault({}),
    webhooks: webhooksSchema.prefault({}),
    retention: retentionSchema.prefault({}),
    contentRules: z.array(contentRuleSchema).default([]), // none: every submit's text passes
    carriers: z.array(carrierSchema).default([]), // none: the gateway accepts but cannot deliver until one is added
    routes: z.array(routeSchema).default([]), // none: nothing is routed until one is added
    stores: storesSchema.prefault({}),
    keys: keysSchema.prefault({ masterKeyFile: './data/master.key' }), // beside the stores, where `maskgate keys init` puts it
    http: httpSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    simulator: simulatorSectionSchema.prefault({}), // no simulated carriers unless asked
  })
  .strict();

export const configSchema = fileSchema.superRefine(checkReferences, evenWithOtherIssues);

/** The configuration after defaults. loadConfig returns it deep-frozen. */
export type Config = z.infer<typeof configSchema>;
