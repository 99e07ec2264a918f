/**
 * `npm run bench -- --scenario simulator`: how fast the simulator takes submits and returns
 * receipts over one bind with a window of 100, so we know it never limits other benchmarks.
 * The simulator runs in a worker thread; this thread is the ESME.
 */
import { startSimulatorWorker } from './worker.js';
import { connectAndBind } from '../../src/smpp/client.js';
import { createLogger } from '../../src/obs/logger.js';

export interface SimulatorBenchResult {
  scenario: 'simulator';
  messages: number;
  window: number;
  msgs_per_s: number;
  dlrs_per_s: number;
  seconds: number;
  rss_mb: number;
}

export async function benchSimulator(opts: { messages: number; window: number }): Promise<SimulatorBenchResult> {
  const sim = await startSimulatorWorker({ dlr: { mode: 'text+tlv' } });
  const port = sim.port;
  const session = await connectAndBind({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 5_000,
    mode: 'transceiver',
    credentials: { system_id: 'test', password: 'secret' },
    session: { windowSize: opts.window, responseTimeoutMs: 30_000, maxPduBytes: 65_536, logger: createLogger({ level: 'error' }) },
  });

  const fields = { source_addr: 'BENCH', destination_addr: '998901234567', registered_delivery: 1, short_message: Buffer.from('benchmark message body') };
  let resps = 0;
  let failed = 0;
  let dlrs = 0;
  let respDoneAt = 0;
  const started = performance.now();
  const allDlrs = new Promise<number>((resolve) => {
    session.on('request', (pdu) => {
      if (pdu.command !== 'deliver_sm') return;
      session.respond(pdu, { message_id: '' });
      if (++dlrs === opts.messages) resolve(performance.now());
    });
  });
  const onResp = (resp: { command_status: number }) => {
    if (resp.command_status !== 0) failed++;
    if (++resps === opts.messages) respDoneAt = performance.now();
  };
  for (let sent = 0; sent < opts.messages; sent++) {
    if (!session.windowHasRoom) await session.whenWindowHasRoom();
    session.request('submit_sm', fields).then(onResp, () => failed++);
  }
  const dlrDoneAt = await allDlrs;
  if (failed > 0) throw new Error(`${failed} submits failed; the benchmark is void`);
  await session.unbind();
  await sim.close();
  const submitSeconds = (respDoneAt - started) / 1000;
  const dlrSeconds = (dlrDoneAt - started) / 1000;
  return {
    scenario: 'simulator',
    messages: opts.messages,
    window: opts.window,
    msgs_per_s: Math.round(opts.messages / submitSeconds),
    dlrs_per_s: Math.round(opts.messages / dlrSeconds),
    seconds: Number(dlrSeconds.toFixed(2)),
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}
