/**
 * `npm run bench -- --scenario api [--messages N] [--concurrency C]`: the HTTP API as
 * automation uses it, against the real daemon (`maskgate start`, a child process with the
 * simulator as its carrier), over keep-alive connections from this process:
 *
 * 1. requestNumber: N lease requests (POST /v1/leases), C outstanding, each answered only
 *    once its commit is on disk;
 * 2. createMask: N/5 masks of new real numbers (each also an fsynced contact-store insert);
 * 3. getDeliveryStatus: N reads of messages submitted over HTTP (POST /v1/messages).
 *
 * Per phase: requests/s, p50/p99/max latency, refusals; and the gateway's CPU and peak RSS.
 * A pool of 2N numbers, so no lease request finds the pool empty.
 */
import { ApiTokens } from '../../src/accounts/api-tokens.js';
import { loadConfig } from '../../src/config/loader.js';
import { NumberPool } from '../../src/numbers/number-pool.js';
import { openRoutingStore } from '../../src/store/routing-store.js';
import { testNumber } from '../../test/helpers/esme.js';
import { childEnv, newAccounts, writeGatewayConfig, writeSimulatorConfig } from './relay-config.js';
import { cpuSeconds, inWorkspace, residentMb, startGatewayProcess, startSimulatorProcess } from './relay-processes.js';
import { poolCsv } from './masks-store.js';
import { percentile, perSecond } from './stats.js';

export interface ApiOptions {
  messages: number;
  concurrency: number;
}

interface Phase {
  requests: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  refused: number;
}

const ms = (v: number) => Number(v.toFixed(2));

/** Runs `count` requests, `concurrency` at a time; each resolves to whether it succeeded. */
async function phase(count: number, concurrency: number, request: (i: number) => Promise<boolean>): Promise<Phase> {
  const latencies: number[] = [];
  let refused = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        if (!(await request(i))) refused++;
        latencies.push(performance.now() - started);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { requests: count, per_s: perSecond(count, elapsed), p50_ms: ms(percentile(latencies, 50)), p99_ms: ms(percentile(latencies, 99)), max_ms: ms(latencies.at(-1) ?? 0), refused };
}

export async function benchApi(opts: ApiOptions): Promise<object> {
  const leases = opts.messages;
  const masks = Math.max(1, Math.round(leases / 5));
  const concurrency = Math.max(1, Math.min(opts.concurrency, 256));
  return inWorkspace('maskgate-bench-api-', async (dir, children) => {
    const accounts = newAccounts();
    const env = childEnv(accounts);
    const simulator = await startSimulatorProcess(writeSimulatorConfig(dir, accounts), env);
    children.push(simulator.child);
    const configFile = writeGatewayConfig(dir, accounts, { simulatorPort: simulator.port, window: 100, messages: leases, http: true });

    // Before the daemon: the pool and an operator token, on the store the daemon will open.
    const config = loadConfig(configFile);
    const { db, keyRing } = openRoutingStore(config);
    new NumberPool(db).import(poolCsv(2 * leases, 'sim'), { source: 'bench pool', knownCarriers: ['sim'] });
    const token = new ApiTokens(db, keyRing.keysFor('routing-bodies')).create({ name: 'bench', role: 'operator' }).secret;
    db.close();

    const gateway = await startGatewayProcess(configFile, env);
    children.push(gateway.child);
    const httpPort = Number(/HTTP API on http:\/\/127\.0\.0\.1:(\d+)/.exec(gateway.child.banner)?.[1]);
    if (!(httpPort > 0)) throw new Error(`the daemon printed no HTTP port:\n${gateway.child.banner}`);
    const base = `http://127.0.0.1:${httpPort}`;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const post = async (path: string, body: object, expect: number) => {
      const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await res.text();
      return res.status === expect ? (JSON.parse(text) as { id: string }) : undefined;
    };
    const account = accounts.client.systemId;
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const cpuBefore = cpuSeconds(gateway.child.pid);

    log(`api: ${leases} lease requests, ${concurrency} outstanding`);
    const leasePhase = await phase(leases, concurrency, async (i) => (await post('/v1/leases', { account, ttlSeconds: 3600, reference: `bench-${i}`, ...(i % 2 ? { country: 'UZ' } : {}) }, 201)) !== undefined);
    log(`api: ${masks} mask creations`);
    const maskPhase = await phase(masks, concurrency, async () => (await post('/v1/masks', { account, number: `+${testNumber()}`, ttlSeconds: 3600 }, 201)) !== undefined);
    log(`api: ${leases} messages submitted, then their status read`);
    const ids: string[] = [];
    const submitPhase = await phase(leases, concurrency, async () => {
      const sent = await post('/v1/messages', { account, from: 'Bench', to: testNumber(), text: 'api bench' }, 202);
      if (sent) ids.push(sent.id);
      return sent !== undefined;
    });
    const statusPhase = await phase(ids.length, concurrency, async (i) => (await fetch(`${base}/v1/messages/${ids[i]}`, { headers })).status === 200);
    const gatewayCpuS = cpuSeconds(gateway.child.pid) - cpuBefore;
    const rss = residentMb(gateway.child.pid);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const provisioned = /maskgate_provisioning_latency_seconds_count\{kind="lease"\} (\d+)/.exec(metrics)?.[1];
    return {
      scenario: 'api',
      concurrency,
      lease_requests_per_s: leasePhase.per_s,
      lease_p50_ms: leasePhase.p50_ms,
      lease_p99_ms: leasePhase.p99_ms,
      lease_max_ms: leasePhase.max_ms,
      leases_refused: leasePhase.refused,
      leases_in_metrics: Number(provisioned),
      mask_creates_per_s: maskPhase.per_s,
      mask_p99_ms: maskPhase.p99_ms,
      masks_refused: maskPhase.refused,
      submits_per_s: submitPhase.per_s,
      submit_p99_ms: submitPhase.p99_ms,
      submits_refused: submitPhase.refused,
      status_reads_per_s: statusPhase.per_s,
      status_p99_ms: statusPhase.p99_ms,
      gateway_cpu_s: Number(gatewayCpuS.toFixed(2)),
      gateway_rss_mb: rss.peak,
      node: process.version,
      pool_numbers: 2 * leases,
    };
  });
}
