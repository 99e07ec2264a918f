/**
 * `npm run bench -- --scenario masks [--messages N] [--window W]`: what masking costs.
 * Three processes as in the relay benchmark: this one, the simulator (`maskgate simulator`,
 * its subscribers answering every MT with its own text: behaviour `replies`) and the real
 * daemon (`maskgate start`). In one run:
 *
 * 1. stores (masks-store.ts): a pool of 20,000 numbers imported into the daemon's routing
 *    store; lease requests and mask creations timed one at a time, each a real transaction
 *    on the daemon's files, opened from here as the daemon opens them;
 * 2. plain round trips: MT from a number the account owns (its moPrefixes) to a real
 *    number, and that subscriber's reply MO back to the account;
 * 3. masked round trips: MT to the alias of one of the masks made in 1 (the gateway opens
 *    the real number from the contact store and sends from the mask's pool number), and
 *    the reply to that pool number back to the account from the alias.
 * A round trip counts when the reply reached this ESME; at most `window` are outstanding.
 * `masked_ratio` is masked round trips/s over plain round trips/s. After a short warm-up of
 * each kind, not counted, the kinds take turns in four rounds. Gateway and simulator CPU
 * are each kind's own, from /proc.
 */
import { childEnv, newAccounts, writeGatewayConfig, writeSimulatorConfig } from './relay-config.js';
import { cpuSeconds, inWorkspace, residentMb, startGatewayProcess, startSimulatorProcess, type CliChild } from './relay-processes.js';
import { benchStores } from './masks-store.js';
import { runRoundTrips, type RoundTripResult } from './round-trip-load.js';
import { percentile, perSecond } from './stats.js';
import { testNumber } from '../../test/helpers/esme.js';

export interface MasksOptions {
  messages: number;
  window: number;
}

/** The pool: what an aggregator's virtual numbers in one city could be. */
const POOL_NUMBERS = 20_000;
const LEASE_REQUESTS = 5_000;
/** Masks of the masked relay, one real number each; every message goes to one of them in turn. */
const MASKS = 1_000;
/** The account's own numbers (moPrefixes), the plain MT's source: replies to it come back. */
const PLAIN_PREFIX = '99871999';
const PLAIN_SOURCE = `${PLAIN_PREFIX}0001`;
/** The subscribers who answer: generated numbers (testNumber: +998 90 …). */
const SUBSCRIBER_PREFIX = '99890';

const warmupOf = (messages: number) => Math.min(1_000, Math.max(100, Math.round(messages / 20)));
const ms = (value: number) => Number(value.toFixed(2));

/**
 * The two kinds take turns, ROUNDS times each, so that a change in the machine's load
 * (it is shared) weighs on both alike rather than on whichever ran second.
 */
const ROUNDS = 4;

interface Measured {
  result: RoundTripResult;
  gatewayCpuS: number;
  simulatorCpuS: number;
}

/** One measured round of a kind: its round trips and the CPU each process spent on them. */
async function measured(gateway: CliChild, simulator: CliChild, run: () => Promise<RoundTripResult>): Promise<Measured> {
  const gatewayBefore = cpuSeconds(gateway.pid);
  const simulatorBefore = cpuSeconds(simulator.pid);
  const result = await run();
  return { result, gatewayCpuS: cpuSeconds(gateway.pid) - gatewayBefore, simulatorCpuS: cpuSeconds(simulator.pid) - simulatorBefore };
}

/** The rounds of one kind as if they were one run. */
function together(rounds: Measured[]): Measured {
  const sum = (f: (m: Measured) => number) => rounds.reduce((n, m) => n + f(m), 0);
  return {
    result: {
      accepted: sum((m) => m.result.accepted),
      rejected: sum((m) => m.result.rejected),
      replies: sum((m) => m.result.replies),
      repliesMissing: sum((m) => m.result.repliesMissing),
      repliesUnexpected: sum((m) => m.result.repliesUnexpected),
      roundTripMs: sum((m) => m.result.roundTripMs),
      latenciesMs: rounds.flatMap((m) => m.result.latenciesMs).sort((a, b) => a - b),
      submitLatenciesMs: rounds.flatMap((m) => m.result.submitLatenciesMs).sort((a, b) => a - b),
    },
    gatewayCpuS: sum((m) => m.gatewayCpuS),
    simulatorCpuS: sum((m) => m.simulatorCpuS),
  };
}

function figures(prefix: string, m: Measured) {
  const r = m.result;
  return {
    [`${prefix}_msgs_per_s`]: perSecond(r.replies, r.roundTripMs),
    [`${prefix}_round_trips`]: r.replies,
    [`${prefix}_replies_missing`]: r.repliesMissing,
    [`${prefix}_replies_unexpected`]: r.repliesUnexpected,
    [`${prefix}_rejected`]: r.rejected,
    [`${prefix}_p50_ms`]: percentile(r.latenciesMs, 50),
    [`${prefix}_p99_ms`]: percentile(r.latenciesMs, 99),
    [`${prefix}_max_ms`]: percentile(r.latenciesMs, 100),
    [`${prefix}_submit_p99_ms`]: percentile(r.submitLatenciesMs, 99),
    [`${prefix}_gateway_cpu_s`]: ms(m.gatewayCpuS),
    [`${prefix}_gateway_cpu_ms_per_round_trip`]: r.replies > 0 ? Number(((m.gatewayCpuS * 1000) / r.replies).toFixed(3)) : null,
    [`${prefix}_simulator_cpu_s`]: ms(m.simulatorCpuS),
    [`${prefix}_seconds`]: ms(r.roundTripMs / 1000),
  };
}

export async function benchMasks(opts: MasksOptions) {
  if (!(Number.isInteger(opts.messages) && opts.messages >= 1) || !(Number.isInteger(opts.window) && opts.window >= 1)) {
    throw new Error(`--messages and --window must be whole numbers ≥ 1, got ${opts.messages} and ${opts.window}`);
  }
  const accounts = newAccounts();
  const env = childEnv(accounts);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  return inWorkspace('maskgate-bench-masks-', async (dir, children) => {
    const subscribers = { replies: { enabled: true, destinationPrefixes: [SUBSCRIBER_PREFIX] }, dlr: { mode: 'off' as const } };
    const { child: simulator, port: simulatorPort } = await startSimulatorProcess(writeSimulatorConfig(dir, accounts, subscribers), env);
    children.push(simulator);
    const gatewayConfig = writeGatewayConfig(dir, accounts, { simulatorPort, window: opts.window, messages: opts.messages, moPrefixes: [PLAIN_PREFIX] });
    const { child: gateway, port: gatewayPort } = await startGatewayProcess(gatewayConfig, env);
    children.push(gateway);
    const gatewayRssStarted = residentMb(gateway.pid).now;

    const stores = benchStores({ configFile: gatewayConfig, account: accounts.client.systemId, carrier: 'sim', pool: POOL_NUMBERS, leases: LEASE_REQUESTS, masks: MASKS, log });
    const aliases = stores.masks.map((m) => m.alias);

    const trips = (label: string, destination: (i: number) => string, messages: number, show: boolean) =>
      runRoundTrips({ label, port: gatewayPort, credentials: accounts.client, messages, window: opts.window, progress: show && process.stderr.isTTY, destination, source: PLAIN_SOURCE });
    const plainTo = (i: number) => testNumber(i);
    const maskedTo = (i: number) => aliases[i % aliases.length]!;
    await trips('plain warm-up', plainTo, warmupOf(opts.messages), false);
    await trips('masked warm-up', maskedTo, warmupOf(opts.messages), false);
    const plainRounds: Measured[] = [];
    const maskedRounds: Measured[] = [];
    for (let round = 0, done = 0; round < ROUNDS; round++) {
      const messages = Math.round((opts.messages * (round + 1)) / ROUNDS) - done;
      done += messages;
      if (messages === 0) continue;
      const offset = done - messages; // every round its own subscribers and masks in turn
      plainRounds.push(await measured(gateway, simulator, () => trips(`plain ${round + 1}/${ROUNDS}`, (i) => plainTo(offset + i), messages, true)));
      maskedRounds.push(await measured(gateway, simulator, () => trips(`masked ${round + 1}/${ROUNDS}`, (i) => maskedTo(offset + i), messages, true)));
    }
    const plain = together(plainRounds);
    const masked = together(maskedRounds);
    log(`plain: ${plain.result.replies} round trips in ${ms(plain.result.roundTripMs / 1000)} s; masked: ${masked.result.replies} in ${ms(masked.result.roundTripMs / 1000)} s`);
    const gatewayRss = residentMb(gateway.pid).peak;

    const gatewayExit = await gateway.stop();
    if (gatewayExit !== 0) process.stderr.write(`the gateway exited with ${gatewayExit} on SIGTERM:\n${gateway.stderrTail()}\n`);
    await simulator.stop();

    const plainRate = perSecond(plain.result.replies, plain.result.roundTripMs);
    const maskedRate = perSecond(masked.result.replies, masked.result.roundTripMs);
    return {
      scenario: 'masks',
      messages: opts.messages,
      window: opts.window,
      lease_requests_per_s: stores.leaseRequestsPerS,
      mask_creates_per_s: stores.maskCreatesPerS,
      masked_ratio: plainRate > 0 ? Number((maskedRate / plainRate).toFixed(2)) : 0,
      lease_requests: stores.leaseRequests,
      lease_requests_fsync_per_s: stores.leaseRequestsFsyncPerS,
      mask_creates: stores.maskCreates,
      pool_numbers: stores.poolNumbers,
      pool_import_s: stores.importSeconds,
      ...figures('plain', plain),
      ...figures('masked', masked),
      gateway_rss_mb: gatewayRss,
      gateway_rss_started_mb: gatewayRssStarted,
    };
  });
}
