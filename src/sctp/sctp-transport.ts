import { systemClock, type Clock } from '../common/clock.js';
import { DeadlineTimer } from '../common/deadline-timer.js';
import { getLogger } from '../common/log.js';
import { SctpAssociationCore } from './association-core.js';
import { SctpError } from './errors.js';
import type { SctpAssociationOptions, SctpEvent, SctpSendOptions, SctpState, SctpStats } from './types.js';

const log = getLogger('sctp');

/** Where the transport's packets go: one SCTP packet per datagram (a DTLS application-data record). */
export interface SctpDatagramLink {
  send(data: Uint8Array): void;
}

/** Plain callbacks of an {@link SctpTransport}; each is wrapped so a throwing callback cannot break the association. */
export interface SctpTransportCallbacks {
  onConnected?: (info: { outboundStreams: number; inboundStreams: number }) => void;
  onMessage?: (streamId: number, ppid: number, data: Uint8Array) => void;
  /** The peer reset (closed) these incoming streams. */
  onStreamReset?: (streamIds: number[]) => void;
  /** Our outgoing reset of these streams completed. */
  onOutgoingResetDone?: (streamIds: number[]) => void;
  onBufferedAmountLow?: (streamId: number) => void;
  onClosed?: (reason: 'shutdown' | 'abort' | 'timeout' | 'local', error?: Error) => void;
}

export interface SctpTransportOptions extends SctpAssociationOptions, SctpTransportCallbacks {
  /** Clock and timer; default the system clock. */
  clock?: Clock;
  /**
   * Most packets sent in one synchronous turn (default {@link DEFAULT_MAX_PACKETS_PER_TURN}); the
   * rest follow on the next event-loop turn, after pending I/O (the peer's SACKs) is read, so a
   * window's worth of packets never lands in the receiver's socket buffer at once.
   */
  maxPacketsPerTurn?: number;
}

/** Default {@link SctpTransportOptions.maxPacketsPerTurn}: 64 packets of ≤ 1200 bytes (~75 KiB). */
export const DEFAULT_MAX_PACKETS_PER_TURN = 64;

/**
 * The driver of an {@link SctpAssociationCore}: feeds it datagrams the owner passes to
 * {@link receive}, sends what it produces on the injected link, keeps one timer on the injected
 * clock and turns core events into callbacks. Transport-agnostic: the owner plugs in DTLS.
 * Re-entrancy safe: a callback may call send/close; the drain loop picks the work up.
 */
export class SctpTransport {
  readonly core: SctpAssociationCore;
  readonly #link: SctpDatagramLink;
  readonly #clock: Clock;
  readonly #timer: DeadlineTimer;
  readonly #cb: SctpTransportCallbacks;
  #draining = false;
  #drainAgain = false;
  #closed = false;
  readonly #maxPerTurn: number;
  /** Packets sent since the last turn boundary (a timer firing). */
  #sentThisTurn = 0;
  /** The per-turn cap stopped a drain: more may be ready. */
  #capped = false;

  constructor(link: SctpDatagramLink, opts: SctpTransportOptions) {
    this.#link = link;
    this.#clock = opts.clock ?? systemClock;
    this.#cb = opts;
    this.core = new SctpAssociationCore(opts);
    const cap = opts.maxPacketsPerTurn ?? DEFAULT_MAX_PACKETS_PER_TURN;
    if (!(Number.isInteger(cap) && cap >= 1)) throw new SctpError('ERR_SCTP_CONFIG', `maxPacketsPerTurn ${cap} must be a positive integer`);
    this.#maxPerTurn = cap;
    this.#timer = new DeadlineTimer(this.#clock, (now) => {
      if (this.#closed) return;
      this.#sentThisTurn = 0;
      this.#capped = false;
      this.core.handleTimeout(now);
      this.#drain();
    });
  }

  get state(): SctpState {
    return this.core.state;
  }

  get stats(): Readonly<SctpStats> {
    return this.core.stats;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts the association (sends INIT); both sides may call it. */
  connect(): void {
    if (this.#closed) throw new SctpError('ERR_SCTP_CLOSED', 'SCTP transport is closed');
    this.core.connect(this.#clock.now());
    this.#drain();
  }

  /** One inbound datagram (an SCTP packet); never throws. */
  receive(data: Uint8Array): void {
    if (this.#closed) return;
    this.core.handleInput(data, this.#clock.now());
    this.#drain();
  }

  /** Queues a message; throws SctpError (closed, too big, buffer full, bad stream). */
  send(streamId: number, ppid: number, data: Uint8Array, opts?: SctpSendOptions): void {
    if (this.#closed) throw new SctpError('ERR_SCTP_CLOSED', 'SCTP transport is closed');
    this.core.send(streamId, ppid, data, opts, this.#clock.now());
    this.#drain();
  }

  /** RFC 6525 outgoing stream reset (closing data channels), after their queued data is sent. */
  resetStreams(streamIds: number[]): void {
    if (this.#closed) throw new SctpError('ERR_SCTP_CLOSED', 'SCTP transport is closed');
    this.core.resetStreams(streamIds);
    this.#drain();
  }

  bufferedAmount(streamId: number): number {
    return this.core.bufferedAmount(streamId);
  }

  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    this.core.setBufferedAmountLowThreshold(streamId, bytes);
  }

  /** Graceful SHUTDOWN; `onClosed('shutdown')` follows when the peer completes it. */
  shutdown(): void {
    if (this.#closed) return;
    this.core.shutdown(this.#clock.now());
    this.#drain();
  }

  /**
   * Closes now: sends ABORT if the association is up, releases the timer. Idempotent.
   * `onClosed('local')` is called unless the association had already closed.
   */
  close(reason?: string): void {
    if (this.#closed) return;
    this.core.abort(reason);
    this.#drain();
    this.#release();
  }

  #release(): void {
    this.#closed = true;
    this.#timer.clear();
  }

  #drain(): void {
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#drainAgain = false;
        while (this.#sentThisTurn < this.#maxPerTurn) {
          const p = this.core.pollTransmit();
          if (p === undefined) break;
          this.#sentThisTurn++;
          try {
            this.#link.send(p);
          } catch (err) {
            log.debug('link send failed', err);
          }
        }
        if (this.#sentThisTurn >= this.#maxPerTurn) this.#capped = true;
        for (let e = this.core.pollEvent(); e !== undefined; e = this.core.pollEvent()) this.#dispatch(e);
      } while (this.#drainAgain);
    } finally {
      this.#draining = false;
    }
    if (this.core.state === 'closed' && this.#closedSeen) this.#release();
    // Capped: continue on the next turn (a zero-delay timer runs after pending I/O).
    else if (!this.#closed) this.#timer.set(this.#capped ? this.#clock.now() : this.core.pollTimeout());
  }

  #closedSeen = false;

  #dispatch(e: SctpEvent): void {
    const cb = this.#cb;
    try {
      switch (e.type) {
        case 'connected':
          cb.onConnected?.({ outboundStreams: e.outboundStreams, inboundStreams: e.inboundStreams });
          break;
        case 'message':
          cb.onMessage?.(e.streamId, e.ppid, e.data);
          break;
        case 'stream-reset':
          cb.onStreamReset?.(e.streamIds);
          break;
        case 'outgoing-reset-done':
          cb.onOutgoingResetDone?.(e.streamIds);
          break;
        case 'buffered-amount-low':
          cb.onBufferedAmountLow?.(e.streamId);
          break;
        case 'closed':
          this.#closedSeen = true;
          cb.onClosed?.(e.reason, e.error);
          break;
      }
    } catch (err) {
      log.warn(`${e.type} callback threw`, err);
    }
  }
}
