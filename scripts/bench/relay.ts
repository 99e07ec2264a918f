/**
 * `npm run bench -- --scenario relay [--messages N] [--window W] [--rate R]`: the client
 * side end to end, in three processes. This process is the load-generating ESME; the
 * simulator and the gateway (the real daemon, `maskgate start`) are children, so the
 * gateway's CPU and memory are its own. Two runs against the same simulator:
 *   direct:  ESME → simulator, receipts back;
 *   gateway: ESME → gateway → simulator, receipts back simulator → gateway → ESME.
 * `ratio` is gateway msg/s over direct msg/s (submit → submit_sm_resp throughput). Each run
 * follows a short warm-up (JIT, binds; through the gateway it also proves the carrier
 * binds are up), not counted. Gateway CPU is the measured run's user + system seconds;
 * its RSS the peak over its life (VmHWM), and as it was once started, before any load.
 * `RELAY_GATEWAY_CPU_PROF=DIR` runs the gateway under `node --cpu-prof` into DIR.
 * The processes, the workspace and the loads are shared with the masks benchmark.
 */
import { childEnv, newAccounts, writeGatewayConfig, writeSimulatorConfig } from './relay-config.js';
import { runLoad, type LoadOptions, type LoadResult } from './relay-load.js';
import { cpuSeconds, inWorkspace, residentMb, startGatewayProcess, startSimulatorProcess } from './relay-processes.js';
import { percentile, perSecond } from './stats.js';

export interface RelayOptions {
  messages: number;
  window: number;
  /** Offered msg/s; undefined: window-limited. */
  rate: number | undefined;
}

function warmupOf(messages: number): number {
  return Math.min(2_000, Math.max(100, Math.round(messages / 20)));
}

function latencyFigures(r: LoadResult) {
  return { p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99), max: percentile(r.latenciesMs, 100) };
}

export async function benchRelay(opts: RelayOptions) {
  if (!(Number.isInteger(opts.messages) && opts.messages >= 1) || !(Number.isInteger(opts.window) && opts.window >= 1)) {
    throw new Error(`--messages and --window must be whole numbers ≥ 1, got ${opts.messages} and ${opts.window}`);
  }
  const accounts = newAccounts();
  const env = childEnv(accounts);
  const progress = process.stderr.isTTY;
  const load = (label: string, port: number, credentials: LoadOptions['credentials'], messages: number, show: boolean) =>
    runLoad({ label, port, credentials, messages, window: opts.window, rate: opts.rate, progress: show && progress });
  return inWorkspace('maskgate-bench-relay-', async (dir, children) => {
    const { child: simulator, port: simulatorPort } = await startSimulatorProcess(writeSimulatorConfig(dir, accounts), env);
    children.push(simulator);

    await load('direct warm-up', simulatorPort, accounts.direct, warmupOf(opts.messages), false);
    const simulatorCpuBefore = cpuSeconds(simulator.pid);
    const direct = await load('direct', simulatorPort, accounts.direct, opts.messages, true);
    const simulatorCpuDirect = cpuSeconds(simulator.pid) - simulatorCpuBefore;

    const { child: gateway, port: gatewayPort } = await startGatewayProcess(writeGatewayConfig(dir, accounts, { simulatorPort, window: opts.window, messages: opts.messages }), env);
    children.push(gateway);
    const gatewayRssStarted = residentMb(gateway.pid).now;

    await load('gateway warm-up', gatewayPort, accounts.client, warmupOf(opts.messages), false);
    const gatewayCpuBefore = cpuSeconds(gateway.pid);
    const simulatorCpuBeforeRelay = cpuSeconds(simulator.pid);
    const relayed = await load('gateway', gatewayPort, accounts.client, opts.messages, true);
    const gatewayCpu = cpuSeconds(gateway.pid) - gatewayCpuBefore;
    const simulatorCpuRelay = cpuSeconds(simulator.pid) - simulatorCpuBeforeRelay;
    const gatewayRss = residentMb(gateway.pid).peak;

    const gatewayExit = await gateway.stop();
    if (gatewayExit !== 0) process.stderr.write(`the gateway exited with ${gatewayExit} on SIGTERM:\n${gateway.stderrTail()}\n`);
    await simulator.stop();

    const gatewayRate = perSecond(relayed.accepted, relayed.submitMs);
    const directRate = perSecond(direct.accepted, direct.submitMs);
    const g = latencyFigures(relayed);
    const d = latencyFigures(direct);
    return {
      scenario: 'relay',
      messages: opts.messages,
      window: opts.window,
      rate: opts.rate ?? null,
      gateway_msgs_per_s: gatewayRate,
      direct_msgs_per_s: directRate,
      ratio: directRate > 0 ? Number((gatewayRate / directRate).toFixed(2)) : 0,
      dlrs_per_s: perSecond(relayed.dlrs, relayed.receiptMs),
      dlrs_missing: relayed.dlrsMissing,
      dlrs_duplicate: relayed.dlrsDuplicate,
      rejected: relayed.rejected,
      p50_ms: g.p50,
      p99_ms: g.p99,
      max_ms: g.max,
      direct_dlrs_per_s: perSecond(direct.dlrs, direct.receiptMs),
      direct_dlrs_missing: direct.dlrsMissing,
      direct_rejected: direct.rejected,
      direct_p50_ms: d.p50,
      direct_p99_ms: d.p99,
      direct_max_ms: d.max,
      gateway_rss_mb: gatewayRss,
      gateway_rss_started_mb: gatewayRssStarted,
      gateway_cpu_s: Number(gatewayCpu.toFixed(2)),
      gateway_seconds: Number((relayed.receiptMs / 1000).toFixed(2)),
      simulator_cpu_s: Number(simulatorCpuRelay.toFixed(2)),
      direct_simulator_cpu_s: Number(simulatorCpuDirect.toFixed(2)),
      direct_seconds: Number((direct.receiptMs / 1000).toFixed(2)),
    };
  });
}
