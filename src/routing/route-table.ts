/**
 * Route matching: which carriers, in which order, a message goes to.
 *
 * Policy:
 * - Routes are tried by priority, higher first; equal priorities keep their order in the
 *   file (a stable sort), so an operator reads the table top to bottom as it is tried.
 * - The first route whose every present criterion holds wins; an absent criterion matches
 *   anything. No longest-prefix search across routes: priorities say which route is more
 *   specific, and one rule is easier to reason about than two.
 * - Criteria: destination prefixes (any listed prefix of the destination's digits),
 *   countries (from the numbering-plan metadata, see destination.ts), accounts, sender
 *   types (see sender-type.ts).
 * - `failover`: the carriers in the listed order. `loadShare`: the first carrier is drawn
 *   by weight, the others follow by descending weight (ties in file order) as failover, so
 *   a share that is down still sends its traffic somewhere.
 * - No route: `route: null`, no carriers. The caller decides what that means (NO_ROUTE for a
 *   submit, an answer for `maskgate routes test`).
 * - `considered` lists the routes tried, up to the winner, each with why it matched or not.
 *   The reasons name prefixes, countries, accounts and sender types, never the number.
 *
 * Built once from the frozen configuration; `decide` is pure apart from the injected
 * `random` (load share), so it is safe to call per message.
 */
import type { Config } from '../config/schema.js';
import type { SenderType } from '../messages/types.js';
import { parseDestination } from './destination.js';
import { senderType as senderTypeOf } from './sender-type.js';

export interface RouteInput {
  destinationAddr: string;
  destTon: number;
  /** The account's system_id. */
  account: string;
  sourceAddr: string;
  sourceTon: number;
  /**
   * Messages with the same key take the same load-share draw: the parts of one long message
   * a client split itself must reach the handset through one carrier.
   */
  stickyKey?: string;
}

export interface RouteDecision {
  route: string | null;
  /** The carriers to try, in order. */
  carriers: string[];
  destination: { country: string | null; prefixMatched?: string };
  senderType: SenderType;
  considered: { route: string; matched: boolean; why: string }[];
}

type RouteConfig = Config['routes'][number];

interface Check {
  ok: boolean;
  why: string;
  prefix?: string;
}

interface Facts {
  digits: string;
  country: string | null;
  account: string;
  senderType: SenderType;
}

interface CompiledRoute {
  name: string;
  /** Without '+', in file order. */
  prefixes: readonly string[] | undefined;
  countries: readonly string[] | undefined;
  accounts: readonly string[] | undefined;
  senderTypes: readonly SenderType[] | undefined;
  carriers: (random: () => number) => string[];
}

export class RouteTable {
  private readonly routes: readonly CompiledRoute[];
  private readonly random: () => number;

  constructor(routes: Config['routes'], opts: { random?: () => number } = {}) {
    this.random = opts.random ?? Math.random;
    // Array.prototype.sort is stable: equal priorities keep file order.
    this.routes = [...routes].sort((a, b) => b.priority - a.priority).map(compile);
  }

  decide(input: RouteInput): RouteDecision {
    const destination = parseDestination(input.destinationAddr, input.destTon);
    const facts: Facts = {
      digits: destination.digits,
      country: destination.country,
      account: input.account,
      senderType: senderTypeOf(input.sourceAddr, input.sourceTon),
    };
    const considered: RouteDecision['considered'] = [];
    for (const route of this.routes) {
      const checks = evaluate(route, facts);
      const failed = checks.filter((c) => !c.ok);
      if (failed.length > 0) {
        considered.push({ route: route.name, matched: false, why: failed.map((c) => c.why).join('; ') });
        continue;
      }
      considered.push({ route: route.name, matched: true, why: checks.length === 0 ? 'no criteria: matches every message' : checks.map((c) => c.why).join('; ') });
      const prefixMatched = checks.find((c) => c.prefix !== undefined)?.prefix;
      return {
        route: route.name,
        carriers: route.carriers(input.stickyKey === undefined ? this.random : () => unitHash(input.stickyKey!)),
        destination: prefixMatched === undefined ? { country: facts.country } : { country: facts.country, prefixMatched },
        senderType: facts.senderType,
        considered,
      };
    }
    return { route: null, carriers: [], destination: { country: facts.country }, senderType: facts.senderType, considered };
  }
}

function compile(route: RouteConfig): CompiledRoute {
  const { destinationPrefixes, countries, accounts, senderTypes } = route.match;
  return {
    name: route.name,
    prefixes: destinationPrefixes?.map((p) => p.replace(/^\+/, '')),
    countries,
    accounts,
    senderTypes,
    carriers: carrierOrder(route),
  };
}

/** Only the criteria the route lists, in the order they are written in the schema. */
function evaluate(route: CompiledRoute, facts: Facts): Check[] {
  const checks: Check[] = [];
  if (route.prefixes) {
    // Report the most specific prefix that matched: it is what the operator meant.
    const prefix = route.prefixes.filter((p) => facts.digits.startsWith(p)).reduce<string | undefined>((best, p) => (best === undefined || p.length > best.length ? p : best), undefined);
    checks.push(prefix === undefined ? { ok: false, why: `no prefix of [${route.prefixes.join(', ')}] matched` } : { ok: true, why: `prefix ${prefix} matched`, prefix });
  }
  if (route.countries) checks.push(membership('country', facts.country ?? 'unknown', facts.country !== null && route.countries.includes(facts.country), route.countries));
  if (route.accounts) checks.push(membership('account', facts.account === '' ? '(none)' : facts.account, route.accounts.includes(facts.account), route.accounts));
  if (route.senderTypes) checks.push(membership('sender type', facts.senderType, route.senderTypes.includes(facts.senderType), route.senderTypes));
  return checks;
}

function membership(what: string, value: string, ok: boolean, list: readonly string[]): Check {
  return { ok, why: `${what} ${value} ${ok ? 'in' : 'not in'} [${list.join(', ')}]` };
}

/** FNV-1a of the key, as a number in [0, 1): the same key, the same load-share draw. */
function unitHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

function carrierOrder(route: RouteConfig): (random: () => number) => string[] {
  const { failover, loadShare } = route;
  if (failover) return () => [...failover];
  // The schema guarantees exactly one of the two.
  const shares = loadShare ?? [];
  const total = shares.reduce((sum, s) => sum + s.weight, 0);
  // Stable sort: equal weights keep file order.
  const byWeight = [...shares].sort((a, b) => b.weight - a.weight);
  const startingWith = (first: (typeof shares)[number]) => [first.carrier, ...byWeight.filter((s) => s !== first).map((s) => s.carrier)];
  return (random) => {
    // Each share owns a slice of [0, total) as wide as its weight, in file order.
    let point = random() * total;
    for (const share of shares) {
      point -= share.weight;
      if (point < 0) return startingWith(share);
    }
    // Only a random() of exactly 1 (a stub; Math.random never returns it) gets here.
    const last = shares[shares.length - 1];
    return last === undefined ? [] : startingWith(last);
  };
}
