/**
 * What the scenarios share: the process list, the temporary workspace, the simulated
 * carriers (one `maskgate simulator` process serving both the gateway scenario, as its
 * carriers, and the simulator scenario, as the SMSC the Perl ESME binds to directly), and
 * the Perl processes whose Net::SMPP warnings end up in the report.
 */
import { randomBytes } from 'node:crypto';
import { testNumber } from '../../test/helpers/esme.js';
import type { Children } from './children.js';
import { newPassword, startSimulatorProcess, type RunningSimulator, type Workspace } from './maskgate-processes.js';
import { PerlEsme } from './perl-esme.js';
import type { PerlSmsc } from './perl-smsc.js';

/** The account our gateway binds to carriers with (the simulated ones and the Perl SMSC). */
export const CARRIER_SYSTEM_ID = 'gw';
/** The account the Perl ESME uses, on the gateway and on the simulator alike. */
export const ESME_SYSTEM_ID = 'perlesme';
/** An alphanumeric sender (TON 5): what application traffic usually carries. */
export const SENDER = { source_addr: 'ACME', source_addr_ton: 5, source_addr_npi: 0 } as const;

/** The two simulated carriers, one per message id format a real carrier may use. */
export const SIM_HEX = 'sim-hex';
export const SIM_DEC = 'sim-dec';

export interface SimulatedCarriers extends RunningSimulator {
  /** The gateway's carrier password file (relative to the workspace, as configs name it). */
  carrierPasswordFile: string;
  esmePassword: string;
}

export class Environment {
  private simulatorStart: Promise<SimulatedCarriers> | undefined;
  private readonly esmes: PerlEsme[] = [];
  private readonly smscs: PerlSmsc[] = [];

  constructor(
    readonly children: Children,
    readonly ws: Workspace,
  ) {}

  /** The simulated carriers, started on first use; later callers share the same process. */
  simulator(): Promise<SimulatedCarriers> {
    this.simulatorStart ??= this.startSimulator();
    return this.simulatorStart;
  }

  esme(name: string): PerlEsme {
    const esme = PerlEsme.start(this.children, name);
    this.esmes.push(esme);
    return esme;
  }

  track(smsc: PerlSmsc): PerlSmsc {
    this.smscs.push(smsc);
    return smsc;
  }

  /** Everything Net::SMPP warned about during the run. */
  perlWarnings(): string[] {
    return [...this.esmes.flatMap((e) => e.warnings), ...this.smscs.flatMap((s) => s.warnings)];
  }

  private async startSimulator(): Promise<SimulatedCarriers> {
    const carrierPasswordFile = 'carrier.password';
    this.ws.write(carrierPasswordFile, newPassword());
    const esmePassword = newPassword();
    this.ws.write('sim-esme.password', esmePassword);
    const accounts = [
      { systemId: CARRIER_SYSTEM_ID, passwordFile: carrierPasswordFile },
      { systemId: ESME_SYSTEM_ID, passwordFile: 'sim-esme.password' },
    ];
    const instance = (name: string, messageIdFormat: 'hex' | 'decimal') => ({
      name,
      host: '127.0.0.1',
      port: 0,
      accounts,
      behaviour: { messageIdFormat, dlr: { mode: 'text+tlv' } },
    });
    const running = await startSimulatorProcess(this.children, this.ws, {
      logging: { level: 'warn', format: 'json' },
      simulator: { instances: [instance(SIM_HEX, 'hex'), instance(SIM_DEC, 'decimal')] },
    });
    return { ...running, carrierPasswordFile, esmePassword };
  }
}

/** A generated destination on the prefix a route sends to the wanted carrier. */
export function destination(prefix: '99890' | '99893'): string {
  return testNumber().replace(/^99890/, prefix);
}

/** A generated body: GSM 03.38 characters that read the same in ASCII. */
export function body(): string {
  return `interop ${randomBytes(5).toString('hex')}`;
}
