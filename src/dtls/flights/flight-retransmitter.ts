import type { ScopedLogger } from '../../common/log.js';
import { handshakeTypeName } from '../constants.js';
import type { RecordLayer } from '../record/record-layer.js';
import { writeFlight } from './flight-writer.js';
import type { FlightItem } from './handshake-host.js';
import { ownedCopy } from '../../common/owned-bytes.js';

interface Flight {
  readonly name: string;
  readonly items: FlightItem[];
  readonly final: boolean;
}

/**
 * RFC 6347 §4.2.4 flight state: the last flight sent, its retransmission
 * timer (initial value, doubling to a cap, §4.2.4.1) and the answer to a
 * retransmitted peer flight. Every (re)transmission is re-encoded with fresh
 * record sequence numbers.
 */
export class FlightRetransmitter {
  #flight: Flight | undefined;
  #rtoMs: number;
  #deadline: number | undefined;
  #peerTriggeredAt = -Infinity;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly mtu: number,
    private readonly layer: RecordLayer,
    private readonly log: ScopedLogger,
  ) {
    this.#rtoMs = initialMs;
  }

  /** Absolute time of the next timer retransmission. */
  get deadline(): number | undefined {
    return this.#deadline;
  }

  get hasFlight(): boolean {
    return this.#flight !== undefined;
  }

  /** Sends a new flight; `final` flights get no timer and are resent only on a peer retransmission. */
  send(now: number, name: string, items: FlightItem[], final: boolean): Buffer[] {
    this.#flight = { name, items, final };
    this.#rtoMs = this.initialMs;
    this.#deadline = final ? undefined : now + this.#rtoMs;
    return this.#emit();
  }

  /** The timer's retransmission when due, else nothing. */
  onTimeout(now: number): Buffer[] {
    if (this.#deadline === undefined || now < this.#deadline || !this.#flight) return [];
    this.log.debug(`retransmitting ${this.#flight.name} (timer ${this.#rtoMs} ms expired)`);
    this.#rtoMs = Math.min(this.#rtoMs * 2, this.maxMs);
    this.#deadline = now + this.#rtoMs;
    return this.#emit();
  }

  /**
   * The peer retransmitted its last flight, so ours was lost: resend it. Network duplicates never
   * get here (the replay window drops them); a retransmission arrives as a burst of datagrams and
   * is answered once, so a flight of N datagrams does not trigger N resends.
   */
  onPeerRetransmit(now: number): Buffer[] {
    if (!this.#flight || now - this.#peerTriggeredAt < this.initialMs / 2) return [];
    this.#peerTriggeredAt = now;
    this.log.debug(`peer retransmitted its flight; retransmitting ${this.#flight.name}`);
    return this.#emit();
  }

  /** Handshake over: stop the timer; keep only a final flight (to answer the peer's retransmissions). */
  complete(): void {
    this.#deadline = undefined;
    const f = this.#flight;
    if (!f?.final) {
      this.#flight = undefined;
      return;
    }
    // Kept for the connection's life: its small bodies must not pin the buffers they were cut from.
    this.#flight = { ...f, items: f.items.map((i) => (i.kind === 'ccs' ? i : { ...i, body: ownedCopy(i.body) })) };
  }

  clear(): void {
    this.#deadline = undefined;
    this.#flight = undefined;
  }

  #emit(): Buffer[] {
    const f = this.#flight!;
    const datagrams = writeFlight(f.items, this.mtu, this.layer);
    if (this.log.debugEnabled) {
      const names = f.items.map((i) => (i.kind === 'ccs' ? 'ChangeCipherSpec' : handshakeTypeName(i.msgType))).join(', ');
      this.log.debug(`sent ${f.name} (${names}) in ${datagrams.length} datagram(s)`);
    }
    return datagrams;
  }
}
