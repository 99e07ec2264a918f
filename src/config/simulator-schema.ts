/**
 * The `simulator` section: one entry per simulated carrier SMSC. Every knob here can also be
 * changed while running through the simulator's control API, so the shapes are shared.
 */
import { z } from 'zod';
import { EXACTLY_ONE_SECRET_MESSAGE, exactlyOneSecret, secretRefFields } from './secret.js';

const percent = z.number().min(0, 'must be a percentage from 0 to 100').max(100, 'must be a percentage from 0 to 100');
const durationMs = z.number().int('must be a whole number of milliseconds').min(0, 'must be ≥ 0 milliseconds');

const addressPrefix = z.string().regex(/^\+?\d+$/, 'must be digits, optionally with a leading +');

export const dlrStatSchema = z.enum(['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD', 'ACCEPTD', 'UNKNOWN', 'DELETED']);

export const msRangeSchema = z
  .object({ min: durationMs, max: durationMs })
  .strict()
  .refine((r) => r.max >= r.min, { message: 'max must be ≥ min' });

/** Deterministic outcome for destinations starting with a prefix (checked before the mix). */
export const dlrRuleSchema = z
  .object({
    destinationPrefix: addressPrefix,
    stat: dlrStatSchema,
    err: z.number().int().min(0).max(999).default(0),
  })
  .strict();

export const dlrBehaviourSchema = z
  .object({
    /** Where the receipt travels: the standard text, the TLVs, both, or no DLR at all. */
    mode: z.enum(['text+tlv', 'text', 'tlv', 'off']).default('text+tlv'),
    delayMs: msRangeSchema.default({ min: 0, max: 0 }),
    /** Outcome mix in percent; whatever the listed stats leave is DELIVRD. */
    outcomes: z.partialRecord(dlrStatSchema, percent).default({}),
    rules: z.array(dlrRuleSchema).default([]),
    /** Share of DLRs sent before the submit_sm_resp that they belong to (carriers do this). */
    beforeRespPercent: percent.default(0),
    /** Share of DLRs sent twice. */
    duplicatePercent: percent.default(0),
  })
  .strict()
  .refine((d) => Object.values(d.outcomes).reduce((a, b) => a + (b ?? 0), 0) <= 100, {
    message: 'the outcome percentages must add up to at most 100',
    path: ['outcomes'],
  });

/**
 * Subscribers who answer (simulators/replies.ts): for each accepted MT to a matching
 * destination, an MO back from that destination to the MT's source, through the MO path
 * to the submitting account's receiver binds. What masking and MO load need: replies to
 * the number a message came from.
 */
export const repliesBehaviourSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Only MT to destinations starting with one of these answer; empty: every MT. */
    destinationPrefixes: z.array(addressPrefix).default([]),
    /** How long after the submit_sm_resp the subscriber answers. */
    delayMs: msRangeSchema.default({ min: 0, max: 0 }),
    /** The reply's text; absent: the MT's own text (an echo), or a fixed text when the MT is not text. */
    text: z.string().min(1).max(1_000, 'at most 1,000 characters: a reply is a few SMS, not a document').optional(),
  })
  .strict();

export const behaviourSchema = z
  .object({
    messageIdFormat: z.enum(['hex', 'decimal']).default('hex'),
    dlr: dlrBehaviourSchema.default(() => dlrBehaviourSchema.parse({})),
    /** submit_sm per second accepted per account before answering 0x58 (0 = unlimited). */
    throughputPerAccount: z.number().min(0, 'must be ≥ 0 messages per second (0 = unlimited)').default(0),
    /** Outstanding submits per bind before answering 0x14 (0 = unlimited). */
    window: z.number().int().min(0, 'must be ≥ 0 (0 = unlimited)').default(0),
    errorInjection: z
      .object({ percent: percent, status: z.number().int().min(1).max(0xffffffff) })
      .strict()
      .default({ percent: 0, status: 0x08 }),
    responseLatencyMs: msRangeSchema.default({ min: 0, max: 0 }),
    /** Read everything, answer nothing: the black hole a dead carrier looks like. */
    silent: z.boolean().default(false),
    /** Drop the connection after this many requests (binds, submits, queries) on it (0 = never). */
    disconnectAfterPdus: z.number().int().min(0).default(0),
    /** When down, the listener refuses connections and existing binds are dropped. */
    down: z.boolean().default(false),
    replies: repliesBehaviourSchema.default(() => repliesBehaviourSchema.parse({})),
  })
  .strict();

export const simulatorAccountSchema = z
  .object({
    systemId: z.string().min(1).max(15, 'SMPP 3.4 limits system_id to 15 characters'),
    ...secretRefFields,
    bindModes: z.array(z.enum(['transmitter', 'receiver', 'transceiver'])).min(1).default(['transmitter', 'receiver', 'transceiver']),
    /** Concurrent binds allowed for this system_id; a further bind gets ESME_RBINDFAIL. */
    maxBinds: z.number().int().min(1).default(8),
  })
  .strict()
  .refine(exactlyOneSecret, { message: EXACTLY_ONE_SECRET_MESSAGE });

export const simulatorTlsSchema = z
  .object({
    port: z.number().int().min(0).max(65535),
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
  })
  .strict();

export const simulatorMoLoadSchema = z
  .object({
    msgPerSec: z.number().positive('must be a number > 0'),
    /** Destination numbers (e.g. virtual numbers) the MO load is spread over. */
    to: z.array(z.string().regex(/^\+?\d{3,15}$/, 'must be a phone number in digits')).min(1),
    /** Optional: originating numbers; generated when absent. */
    from: z.array(z.string().regex(/^\+?\d{3,15}$/, 'must be a phone number in digits')).default([]),
    text: z.string().default('Reply from the simulator'),
  })
  .strict();

export const simulatorInstanceSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'must be letters, digits, - or _'),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535),
    tls: simulatorTlsSchema.optional(),
    accounts: z.array(simulatorAccountSchema).min(1, 'needs at least one account a carrier bind can use'),
    behaviour: behaviourSchema.default(() => behaviourSchema.parse({})),
    moLoad: simulatorMoLoadSchema.optional(),
  })
  .strict();

export const simulatorControlSchema = z
  .object({
    host: z.enum(['127.0.0.1', '::1', 'localhost'], { message: 'the control endpoint listens on loopback only: 127.0.0.1, ::1 or localhost' }).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8790),
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional(),
    tokenFile: z.string().optional(),
  })
  .strict();

export const simulatorSectionSchema = z
  .object({
    /** Whether `maskgate start` runs these instances in-process (the demo does). */
    embedded: z.boolean().default(false),
    control: simulatorControlSchema.optional(),
    instances: z.array(simulatorInstanceSchema).default([]),
  })
  .strict();

export type DlrStat = z.infer<typeof dlrStatSchema>;
export type Behaviour = z.infer<typeof behaviourSchema>;
export type RepliesBehaviour = z.infer<typeof repliesBehaviourSchema>;
export type BehaviourInput = z.input<typeof behaviourSchema>;
export type SimulatorAccount = z.infer<typeof simulatorAccountSchema>;
export type SimulatorInstanceConfig = z.infer<typeof simulatorInstanceSchema>;
export type SimulatorSection = z.infer<typeof simulatorSectionSchema>;
export type MoLoad = z.infer<typeof simulatorMoLoadSchema>;
