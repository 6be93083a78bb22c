import type { Clock, TimerHandle } from '../common/clock.js';
import type { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { familyOf, type AddressFamily, type TransportAddress, type UdpMessageHandler } from '../transport/net.js';
import { TurnError } from './errors.js';
import { normalizePeer } from './peer-address.js';
import { peerKey } from './peer-tables.js';
import type { RelayedSocket } from './relayed-socket.js';
import type { ServerLink } from './server-link.js';
import type { TurnClientCore, TurnClientEvent } from './turn-client-core.js';

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

const log = getLogger('turn');

/**
 * Driver of a {@link TurnClientCore}: owns the link to the server and one
 * timer on the injected clock, drains the core after every input
 * (transmits, then events, then re-arms the timer) and presents the
 * allocation as a {@link RelayedSocket}.
 */
export class TurnRelay implements RelayedSocket {
  readonly #core: TurnClientCore;
  readonly #link: ServerLink;
  readonly #clock: Clock;
  readonly #log: ScopedLogger;
  #handler: UdpMessageHandler | undefined;
  #closeHandlers: Array<(error?: Error) => void> = [];
  #timer: TimerHandle | undefined;
  #timerAt: number | undefined;
  #driving = false;
  #redrive = false;
  #closed = false;
  #released = false;
  #relayed: TransportAddress | undefined;
  #refreshCount = 0;
  #start: Waiter | undefined;
  readonly #permissionWaiters = new Map<string, Waiter[]>();
  readonly #channelWaiters = new Map<string, Waiter[]>();
  readonly #releasedPromise: Promise<void>;
  #resolveReleased!: () => void;

  constructor(core: TurnClientCore, link: ServerLink, clock: Clock, logPrefix?: string) {
    this.#core = core;
    this.#link = link;
    this.#clock = clock;
    this.#log = logPrefix ? log.child(logPrefix) : log;
    this.#releasedPromise = new Promise((resolve) => (this.#resolveReleased = resolve));
    link.onMessage((data) => this.#onServerMessage(data));
    link.onClose((error) => this.#onLinkClosed(error));
  }

  /** Allocates; resolves once the server granted the allocation. On failure everything is released. */
  start(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        this.#release();
        reject(new TurnError('ERR_TURN_CLOSED', 'TURN allocation aborted'));
        return;
      }
      const onAbort = (): void => {
        const start = this.#start;
        this.#start = undefined;
        this.close();
        start?.reject(new TurnError('ERR_TURN_CLOSED', 'TURN allocation aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#start = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.#core.allocate(this.#clock.now());
      this.#drive();
    });
  }

  // ---- UdpSocket -------------------------------------------------------------------------------

  get localAddress(): TransportAddress {
    return this.#relayed ?? { address: '0.0.0.0', port: 0 };
  }

  get family(): AddressFamily {
    return familyOf(this.localAddress.address);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get mappedAddress(): TransportAddress | undefined {
    return this.#core.mappedAddress;
  }

  get serverAddress(): TransportAddress {
    return this.#link.server;
  }

  /** Local address of the socket or connection to the server. */
  get linkAddress(): TransportAddress {
    return this.#link.localAddress;
  }

  /** Lifetime granted by the server's last Allocate/Refresh response, in seconds. */
  get lifetimeSec(): number {
    return this.#core.lifetimeSec;
  }

  /** Successful allocation refreshes so far (RFC 8656 §8). */
  get refreshCount(): number {
    return this.#refreshCount;
  }

  /** Input dropped by the client (malformed, unexpected, unauthenticated, over a bound). */
  get drops(): DropCounter {
    return this.#core.drops;
  }

  /** Channel number bound to the peer, if any. */
  boundChannel(peer: TransportAddress): number | undefined {
    return this.#core.boundChannel(peer);
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.#closed) return;
    const bytes = this.#core.send(this.#clock.now(), data, to);
    if (bytes) this.#link.send(bytes);
    if (this.#core.needsService) this.#drive();
  }

  onMessage(handler: UdpMessageHandler): void {
    this.#handler = handler;
  }

  /** Called once when the allocation ends: with the error when it was lost, without after close(). */
  onClose(handler: (error?: Error) => void): void {
    if (this.#released) {
      handler();
      return;
    }
    this.#closeHandlers.push(handler);
  }

  createPermission(peer: TransportAddress): Promise<void> {
    return this.#operation(this.#permissionWaiters, () => {
      const p = normalizePeer(peer);
      return { key: p.address, done: this.#core.createPermission(this.#clock.now(), p) === 'installed' };
    });
  }

  bindChannel(peer: TransportAddress): Promise<void> {
    return this.#operation(this.#channelWaiters, () => {
      const p = normalizePeer(peer);
      return { key: peerKey(p), done: this.#core.bindChannel(this.#clock.now(), p).state === 'bound' };
    });
  }

  /**
   * Releases the allocation (RFC 8656 §7.3: Refresh with LIFETIME 0, best
   * effort), then the socket or connection and the timer. Idempotent; see
   * {@link whenReleased} to wait for the end.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    this.#rejectWaiters(new TurnError('ERR_TURN_CLOSED', 'TURN relay closed'));
    this.#core.close(this.#clock.now());
    this.#drive();
  }

  /** Resolves once the allocation was released and every socket and timer freed. */
  whenReleased(): Promise<void> {
    return this.#releasedPromise;
  }

  // ---- internals -------------------------------------------------------------------------------

  #operation(waiters: Map<string, Waiter[]>, start: () => { key: string; done: boolean }): Promise<void> {
    if (this.#closed) return Promise.reject(new TurnError('ERR_TURN_CLOSED', 'TURN relay closed'));
    let r: { key: string; done: boolean };
    try {
      r = start();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#core.needsService) this.#drive();
    if (r.done) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = waiters.get(r.key);
      if (list) list.push({ resolve, reject });
      else waiters.set(r.key, [{ resolve, reject }]);
    });
  }

  #onServerMessage(data: Buffer): void {
    try {
      const inbound = this.#core.handleInput(this.#clock.now(), data);
      if (inbound) {
        const h = this.#handler;
        if (h) {
          try {
            h(inbound.data, inbound.peer);
          } catch (err) {
            this.#log.error('message handler threw', err);
          }
        }
      }
      if (this.#core.needsService) this.#drive();
    } catch (err) {
      // The core does not throw on network input; this is the driver's last line of defence.
      this.#core.drops.drop('driver', err);
    }
  }

  #onLinkClosed(error?: Error): void {
    if (this.#released) return;
    this.#log.debug(`connection to the server closed${error ? `: ${error.message}` : ''}`);
    // RFC 8656 §3.1 / §7: over TCP/TLS the allocation lives and dies with its connection.
    const lost = this.#closed
      ? undefined
      : new TurnError('ERR_TURN_ALLOCATION_LOST', 'connection to the TURN server closed', { cause: error });
    this.#closed = true;
    this.#handler = undefined;
    if (lost) this.#failStart(lost);
    this.#rejectWaiters(lost ?? new TurnError('ERR_TURN_CLOSED', 'TURN relay closed'));
    this.#release(lost);
  }

  #drive(): void {
    if (this.#released) return;
    if (this.#driving) {
      this.#redrive = true;
      return;
    }
    this.#driving = true;
    try {
      do {
        this.#redrive = false;
        for (let b = this.#core.pollTransmit(); b; b = this.#core.pollTransmit()) this.#link.send(b);
        for (let e = this.#core.pollEvent(); e; e = this.#core.pollEvent()) this.#onEvent(e);
      } while (this.#redrive && !this.#released);
      if (!this.#released) this.#arm(this.#core.pollTimeout());
    } finally {
      this.#driving = false;
    }
  }

  #arm(deadline: number | undefined): void {
    if (deadline === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = deadline;
    if (deadline === undefined) return;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      this.#timerAt = undefined;
      if (this.#released) return;
      this.#core.handleTimeout(this.#clock.now());
      this.#drive();
    }, Math.max(0, deadline - this.#clock.now()));
  }

  #onEvent(e: TurnClientEvent): void {
    switch (e.type) {
      case 'allocated': {
        this.#relayed = e.relayed;
        const start = this.#start;
        this.#start = undefined;
        start?.resolve();
        return;
      }
      case 'refreshed':
        this.#refreshCount++;
        return;
      case 'permission':
        settle(this.#permissionWaiters, e.address, e.error);
        return;
      case 'channel':
        settle(this.#channelWaiters, peerKey(e.peer), e.error);
        return;
      case 'failed':
        this.#log.debug(`allocation failed: ${e.error.message}`);
        this.#closed = true;
        this.#handler = undefined;
        this.#failStart(e.error);
        this.#rejectWaiters(e.error);
        this.#release(e.error);
        return;
      case 'closed':
        this.#release();
        return;
    }
  }

  #failStart(error: Error): void {
    const start = this.#start;
    this.#start = undefined;
    start?.reject(error);
  }

  #rejectWaiters(error: Error): void {
    for (const map of [this.#permissionWaiters, this.#channelWaiters]) {
      for (const list of map.values()) for (const w of list) w.reject(error);
      map.clear();
    }
  }

  #release(error?: Error): void {
    if (this.#released) return;
    this.#released = true;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = undefined;
    this.#link.close();
    this.#failStart(error ?? new TurnError('ERR_TURN_CLOSED', 'TURN relay closed'));
    const handlers = this.#closeHandlers;
    this.#closeHandlers = [];
    for (const h of handlers) {
      try {
        h(error);
      } catch (err) {
        this.#log.error('close handler threw', err);
      }
    }
    this.#resolveReleased();
  }
}

function settle(waiters: Map<string, Waiter[]>, key: string, error: Error | undefined): void {
  const list = waiters.get(key);
  if (!list) return;
  waiters.delete(key);
  for (const w of list) {
    if (error) w.reject(error);
    else w.resolve();
  }
}
