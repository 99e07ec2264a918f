/**
 * `npm run interop`: our gateway and our simulator are both built on the `smpp` package's
 * protocol tables, so a misreading of SMPP 3.4 they share would pass every test of ours.
 * This run drives them with Net::SMPP (Perl, Debian's libnet-smpp-perl), an implementation
 * we did not write, in three scenarios:
 *   1. Net::SMPP as a client of `maskgate start` (with `maskgate simulator` as carriers);
 *   2. Net::SMPP as a client of `maskgate simulator` directly;
 *   3. `maskgate start` with a Net::SMPP server as its carrier SMSC.
 * Progress goes to stderr, one summary line to stdout; the exit code is 0 only when every
 * check passed. Every process is started and stopped here, also on failure or Ctrl-C, and
 * the temporary directory is removed; everything listens on 127.0.0.1, on free ports.
 */
import { carrierChecks } from './carrier-scenario.js';
import { Children } from './children.js';
import { Environment } from './environment.js';
import { gatewayChecks } from './gateway-scenario.js';
import { Workspace } from './maskgate-processes.js';
import { ensureNetSmpp } from './perl-setup.js';
import { Report } from './report.js';
import { simulatorChecks } from './simulator-scenario.js';

/** Well under the 2 minutes the run may take, leaving time to stop everything. */
const RUN_DEADLINE_MS = 105_000;
const STOP_GRACE_MS = 5_000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();
const children = new Children();
const workspace = new Workspace();
const report = new Report(log, () => children.tails());

let cleaned: Promise<void> | undefined;
const cleanup = () =>
  (cleaned ??= children.stopAll(STOP_GRACE_MS).finally(() => workspace.remove()));

function finish(): void {
  const summary = report.finish();
  log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  console.log(summary);
  process.exitCode = report.ok ? 0 : 1;
}

/** Ends the run early (deadline, Ctrl-C): the failure is reported, everything stopped. */
function abort(name: string, detail: string): void {
  report.fail(name, detail);
  void cleanup().finally(() => {
    finish();
    process.exit(1);
  });
}

// Whatever happens, no child outlives the run.
process.once('exit', () => children.killAllNow());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort('interrupted', `received ${signal}`));

let deadline: NodeJS.Timeout | undefined;
try {
  // Installing Net::SMPP (first run on a fresh machine) is not counted against the deadline.
  log(`interop: ${ensureNetSmpp(log)}; workspace ${workspace.dir}`);
  deadline = setTimeout(() => abort('run deadline', `the run did not finish within ${RUN_DEADLINE_MS / 1000} s; stopping every process`), RUN_DEADLINE_MS);
  const env = new Environment(children, workspace);
  await report.scenario('1. Net::SMPP ESME → maskgate gateway (maskgate start)', gatewayChecks(env));
  await report.scenario('2. Net::SMPP ESME → maskgate simulator (maskgate simulator)', simulatorChecks(env));
  await report.scenario('3. maskgate gateway carrier side → Net::SMPP SMSC (smsc.pl)', carrierChecks(env));
  for (const warning of env.perlWarnings()) report.note(`Net::SMPP warned: ${warning}`);
} catch (err) {
  report.fail('set-up', err instanceof Error ? err.message : String(err));
} finally {
  clearTimeout(deadline);
  await cleanup();
}
finish();
