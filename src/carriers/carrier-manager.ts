/**
 * Every carrier of the configuration, behind the CarrierPort that messages/ sends through.
 * Construction reads each carrier's password and CA file, so a missing one stops start-up
 * before any socket opens; `start()` connects; `drain()` is the SIGTERM path.
 */
import type { LoadedConfig } from '../config/loader.js';
import type { CarrierPort, SubmitOutcome } from '../messages/types.js';
import type { Logger } from '../obs/logger.js';
import type { Pdu } from '../smpp/codec.js';
import { STATUS } from '../smpp/status.js';
import type { Respond } from './bind-pool.js';
import { CarrierLink, type CarrierStatus, type CarrierSubmit } from './carrier-link.js';

/** Receives every deliver_sm/data_sm from every carrier; must call `respond` once recorded. */
export type DeliverHandler = (carrier: string, pdu: Pdu, respond: Respond) => void;

export class CarrierManager implements CarrierPort {
  private readonly links = new Map<string, CarrierLink>();
  private handler: DeliverHandler | undefined;

  constructor(
    config: LoadedConfig,
    private readonly logger: Logger,
  ) {
    for (const carrier of config.carriers) {
      const link = new CarrierLink(carrier, {
        configDir: config.configDir,
        maxPduBytes: config.smpp.maxPduBytes,
        logger,
        onDeliver: (pdu, respond) => this.deliver(carrier.name, pdu, respond),
      });
      this.links.set(carrier.name, link);
    }
  }

  /** Registers the one handler for inbound receipts and MO; register it before start(). */
  onDeliver(handler: DeliverHandler): void {
    this.handler = handler;
  }

  start(): void {
    for (const link of this.links.values()) link.start();
  }

  submit(carrier: string, message: CarrierSubmit): Promise<SubmitOutcome> {
    const link = this.links.get(carrier);
    if (!link) {
      const known = [...this.links.keys()];
      const reason = `unknown carrier "${carrier}"; ${known.length > 0 ? `carriers are: ${known.join(', ')}` : 'no carriers are configured'}`;
      return Promise.resolve({ kind: 'unavailable', reason });
    }
    return link.submit(message);
  }

  isAvailable(carrier: string): boolean {
    return this.links.get(carrier)?.available ?? false;
  }

  status(): CarrierStatus[] {
    return [...this.links.values()].map((link) => link.status());
  }

  /** Drains every carrier in parallel, all within the one deadline. */
  async drain(deadlineMs: number): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.drain(deadlineMs)));
  }

  private deliver(carrier: string, pdu: Pdu, respond: Respond): void {
    if (!this.handler) {
      // Nobody can record it yet: a temporary error keeps it at the carrier for a retry.
      this.logger.warn('inbound PDU before a handler was registered; the carrier will resend it', { carrier, command: pdu.command });
      respond(STATUS.ESME_RX_T_APPN);
      return;
    }
    this.handler(carrier, pdu, respond);
  }
}
