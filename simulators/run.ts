/**
 * Runs the instances of a configuration's `simulator` section: one simulated SMSC per
 * carrier, plus the control endpoint when the section asks for one. Used by
 * `maskgate simulator` and by `maskgate start` when the simulator is embedded.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SimulatorSection } from '../src/config/simulator-schema.js';
import { readSecret } from '../src/config/secret.js';
import { resolveConfigPath } from '../src/config/loader.js';
import { GatewayError } from '../src/errors.js';
import type { Logger } from '../src/obs/logger.js';
import { Simulator } from './smsc.js';
import { startControlServer, type ControlServer } from './control-http.js';

export interface RunningSimulators {
  instances: Simulator[];
  control: (ControlServer & { token: string; tokenSource: 'generated' | 'configured' }) | undefined;
  close(): Promise<void>;
}

function controlToken(section: SimulatorSection, configDir: string): { token: string; tokenSource: 'generated' | 'configured' } {
  const c = section.control;
  if (c?.tokenEnv) {
    const token = process.env[c.tokenEnv];
    if (!token) throw new GatewayError('SECRET_MISSING', `simulator.control.tokenEnv names ${c.tokenEnv}, which is not set; export it or remove tokenEnv to get a generated token`);
    return { token, tokenSource: 'configured' };
  }
  if (c?.tokenFile) return { token: readSecret({ passwordFile: c.tokenFile }, 'simulator control token', configDir), tokenSource: 'configured' };
  return { token: randomBytes(18).toString('base64url'), tokenSource: 'generated' };
}

export async function runSimulators(section: SimulatorSection, configDir: string, logger: Logger): Promise<RunningSimulators> {
  const instances: Simulator[] = [];
  const closeAll = async () => {
    await Promise.all(instances.map((s) => s.close()));
  };
  try {
    for (const inst of section.instances) {
      const sim = new Simulator({
        name: inst.name,
        host: inst.host,
        port: inst.port,
        tls: inst.tls && {
          port: inst.tls.port,
          cert: readFileSync(resolveConfigPath({ configDir }, inst.tls.certFile)),
          key: readFileSync(resolveConfigPath({ configDir }, inst.tls.keyFile)),
        },
        accounts: inst.accounts.map((a) => ({
          systemId: a.systemId,
          password: readSecret(a, `simulator ${inst.name} account ${a.systemId} password`, configDir),
          bindModes: a.bindModes,
          maxBinds: a.maxBinds,
        })),
        behaviour: inst.behaviour,
        logger,
      });
      instances.push(sim);
      await sim.start();
      if (inst.moLoad) sim.startMoLoad(inst.moLoad);
      logger.info('simulated SMSC listening', { simulator: inst.name, port: sim.port, tlsPort: sim.tlsPort });
    }
    let control: RunningSimulators['control'];
    if (section.control) {
      const { token, tokenSource } = controlToken(section, configDir);
      const server = await startControlServer({ host: section.control.host, port: section.control.port, token, instances });
      control = { ...server, token, tokenSource };
    }
    return {
      instances,
      control,
      close: async () => {
        await control?.close();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
