/**
 * `maskgate routes test <number>`: which route and carriers a message to this number would
 * take under the --config file, and why, route by route. It runs the daemon's own
 * RouteTable on the file, so the answer is the daemon's.
 *
 * The number counts as international, with or without a leading '+' (TON 1), as an
 * operator types it. No route is a valid answer to "test", not a failure: exit 0 with
 * `route: null` (the daemon would refuse such a message with NO_ROUTE). The number is
 * printed as typed, since the operator typed it, and never logged.
 */
import type { Command } from 'commander';
import { GatewayError } from '../errors.js';
import { loadConfig, type LoadedConfig } from '../config/loader.js';
import { RouteTable, type RouteDecision } from '../routing/route-table.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';

const TON_INTERNATIONAL = 1;
const TON_UNKNOWN = 0;

interface RoutesTestOptions {
  account?: string;
  sender?: string;
}

export function registerRoutesCommands(program: Command, ctx: CliContext): void {
  const routes = program.command('routes').description('inspect message routing');
  routes
    .command('test <number>')
    .description('show the route and ordered carriers a message to <number> would take, and why (with or without a leading +)')
    .option('-a, --account <systemId>', 'the sending account, for routes that match on accounts')
    .option('-s, --sender <address>', 'the sender address, for routes that match on sender type (default: a numeric sender)')
    .action((number: string, opts: RoutesTestOptions) => {
      const globals = ctx.globals();
      routesTest(loadConfig(globals.config), number, opts, globals.json);
    });
}

function routesTest(config: LoadedConfig, number: string, opts: RoutesTestOptions, json: boolean): void {
  // Never echo the number in an error: it may be a real subscriber's.
  if (!/^\+?[\d\s\-.()]+$/.test(number.trim())) {
    throw new GatewayError('USAGE', 'the number must be digits, optionally with a leading + (e.g. +998901234567); spaces and dashes are allowed');
  }
  const decision = new RouteTable(config.routes).decide({
    destinationAddr: number,
    destTon: TON_INTERNATIONAL,
    account: opts.account ?? '',
    sourceAddr: opts.sender ?? '',
    // TON unknown: the sender type comes from what the address looks like, as carriers judge it.
    sourceTon: TON_UNKNOWN,
  });
  const result = {
    number,
    route: decision.route,
    carriers: decision.carriers,
    country: decision.destination.country,
    senderType: decision.senderType,
    considered: decision.considered,
  };
  printResult(result, { json }, () => render(config, number, decision));
}

function render(config: LoadedConfig, number: string, decision: RouteDecision): string {
  const lines = [
    `number:      ${number}`,
    `country:     ${decision.destination.country ?? 'unknown'}`,
    `sender type: ${decision.senderType}`,
  ];
  if (decision.route === null) {
    lines.push('route:       none (the daemon would refuse this message: NO_ROUTE)');
  } else {
    lines.push(`route:       ${decision.route}`);
    lines.push(`carriers:    ${decision.carriers.join(' → ')}`);
    const shares = config.routes.find((r) => r.name === decision.route)?.loadShare;
    if (shares) {
      // The first carrier was drawn by weight for this one run; say so, or it reads as fixed.
      lines.push(`             load share: the first carrier is drawn by weight (${shares.map((s) => `${s.carrier} ${s.weight}`).join(', ')}), the others follow as failover`);
    }
  }
  lines.push('considered (highest priority first):');
  const width = Math.max(...decision.considered.map((c) => c.route.length), 0);
  for (const c of decision.considered) lines.push(`  ${c.matched ? '✓' : '✗'} ${c.route.padEnd(width)}  ${c.why}`);
  if (decision.considered.length === 0) lines.push('  (no routes in the configuration)');
  return lines.join('\n');
}
