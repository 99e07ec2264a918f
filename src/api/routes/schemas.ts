/**
 * Shapes shared by the API's routes (zod: validation, and the OpenAPI document generated
 * from the same schemas). Times are ISO 8601 in UTC; durations are seconds.
 */
import { z } from 'zod';
import { HOLDER_STATES } from '../../numbers/holder-state.js';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const IsoTime = z.string().describe('ISO 8601 time, UTC');

export const Problem = z.object({ error: z.string().describe('stable code, e.g. not_found'), message: z.string().describe('what is wrong and how to fix it') }).describe('an error');

/** The 4xx answers every authenticated route may give. */
export const AUTH_PROBLEMS = { 401: Problem, 403: Problem, 429: Problem } as const;

export const Account = z.string().min(1).max(15).describe('an account system_id');

export const TtlSeconds = z.number().int().min(1).describe('how long it lasts, in seconds (capped by the configured maximum)');

export const Reference = z.string().max(128).describe("the caller's own reference, kept with it");

/** A real phone number in international form. Never echoed back, never logged. */
export const RealNumber = z.string().regex(/^\+?[1-9]\d{6,14}$/, 'must be an international number: + and country code and digits').describe('a real phone number, E.164 (never returned)');

export const IdParams = z.object({ id: z.string().min(1).max(64) }).strict();

export const HolderState = z.enum(HOLDER_STATES);

export const ListQuery = z
  .object({
    account: Account.optional().describe('only this account (a client token sees only its own)'),
    active: z.enum(['true', 'false']).optional().describe('true: only those not ended yet'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();


export const activeOnly = (active: 'true' | 'false' | undefined): boolean => active === 'true';
