import { isIP } from 'node:net';
import { systemClock, type Clock } from '../common/clock.js';
import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { cryptoRng, type Rng } from '../common/rng.js';
import { MdnsDecodeError, MdnsError } from './errors.js';
import { MdnsCore, type MdnsCoreEvent, type MdnsFamily } from './mdns-core.js';
import { nodeMdnsSocketFactory, type MdnsSocket, type MdnsSocketFactory } from './mdns-socket.js';
import { DeadlineTimer } from '../common/deadline-timer.js';

/**
 * Default query timeout. RFC 8445 does not wait for mDNS: checks proceed
 * meanwhile, so this only bounds how long a `.local` candidate can still be
 * added (libwebrtc and Pion give up after a few seconds as well).
 */
export const DEFAULT_MDNS_QUERY_TIMEOUT_MS = 5000;

export interface MdnsResolveOptions {
  timeoutMs?: number;
  /** 4 → A, 6 → AAAA, default either. */
  family?: MdnsFamily;
  signal?: AbortSignal;
}

/** What the ICE agent needs from mDNS; {@link MulticastDns} is the implementation. */
export interface MdnsResolver {
  /** Resolves a `.local` name; rejects with MdnsError `ERR_MDNS_TIMEOUT` when nobody answers in time. */
  resolve(name: string, options?: MdnsResolveOptions): Promise<string>;
  /** Publishes `address` under a generated `<uuid>.local` name (the same one while published) and returns it. */
  publish(address: string): string;
  unpublish(name: string): void;
  close(): void;
}

export interface MulticastDnsOptions {
  clock?: Clock;
  rng?: Rng;
  /** Opens the multicast sockets; default node:dgram on port 5353. */
  socketFactory?: MdnsSocketFactory;
  /** Use IPv4 (224.0.0.251); default true. */
  ipv4?: boolean;
  /** Use IPv6 (ff02::fb); default false. */
  ipv6?: boolean;
  /** IPv4 address of the interface to use for multicast (default: the system's choice). */
  interfaceAddress?: string;
  /** IPv6 interface scope for multicast, e.g. `::%eth0`. */
  interfaceAddress6?: string;
  /** Port to bind and send to; default 5353 (RFC 6762 §5). */
  port?: number;
  queryTimeoutMs?: number;
  maxPendingQueries?: number;
  maxCacheEntries?: number;
  maxPublishedNames?: number;
}

interface Waiter {
  resolve(address: string): void;
  reject(err: Error): void;
}

/**
 * Multicast DNS driver: owns the multicast sockets (opened on first use)
 * and one timer, feeds {@link MdnsCore} and drains it after every input.
 */
export class MulticastDns implements MdnsResolver {
  readonly #clock: Clock;
  readonly #timer: DeadlineTimer;
  readonly #log: ScopedLogger;
  readonly #core: MdnsCore;
  readonly #drops: DropCounter;
  readonly #options: MulticastDnsOptions;
  readonly #waiters = new Map<number, Waiter>();
  #sockets: MdnsSocket[] = [];
  #opening: Promise<void> | undefined;
  #ready = false;
  #openError: Error | undefined;
  #closed = false;

  constructor(options: MulticastDnsOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#timer = new DeadlineTimer(this.#clock, (now) => {
      if (this.#closed) return;
      this.#core.handleTimeout(now);
      this.#drain();
    });
    this.#log = getLogger('mdns');
    this.#drops = new DropCounter(this.#log);
    this.#core = new MdnsCore({
      rng: options.rng ?? cryptoRng,
      log: this.#log,
      ...(options.maxPendingQueries !== undefined ? { maxPendingQueries: options.maxPendingQueries } : {}),
      ...(options.maxCacheEntries !== undefined ? { maxCacheEntries: options.maxCacheEntries } : {}),
      ...(options.maxPublishedNames !== undefined ? { maxPublishedNames: options.maxPublishedNames } : {}),
    });
  }

  /** Dropped inbound datagrams by reason. */
  get drops(): DropCounter {
    return this.#drops;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the sockets now instead of on first use; rejects with `ERR_MDNS_SOCKET` when none could be opened. */
  open(): Promise<void> {
    if (this.#closed) return Promise.reject(new MdnsError('ERR_MDNS_CLOSED', 'mDNS is closed'));
    this.#opening ??= this.#openSockets();
    return this.#opening;
  }

  resolve(name: string, options: MdnsResolveOptions = {}): Promise<string> {
    if (this.#closed) return Promise.reject(new MdnsError('ERR_MDNS_CLOSED', 'mDNS is closed'));
    if (this.#openError) return Promise.reject(this.#openError);
    if (options.signal?.aborted) return Promise.reject(new MdnsError('ERR_MDNS_ABORTED', 'resolve aborted'));
    let id: number;
    try {
      id = this.#core.query(this.#clock.now(), name, options.timeoutMs ?? this.#options.queryTimeoutMs ?? DEFAULT_MDNS_QUERY_TIMEOUT_MS, options.family);
    } catch (err) {
      return Promise.reject(err);
    }
    const p = new Promise<string>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = (): void => {
        this.#core.cancel(id);
        this.#waiters.delete(id);
        reject(new MdnsError('ERR_MDNS_ABORTED', 'resolve aborted'));
        this.#arm();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.set(id, {
        resolve: (a) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(a);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
    });
    void this.open().catch(() => undefined);
    this.#drain();
    return p;
  }

  publish(address: string): string {
    if (this.#closed) throw new MdnsError('ERR_MDNS_CLOSED', 'mDNS is closed');
    const name = this.#core.publish(this.#clock.now(), address);
    void this.open().catch(() => undefined);
    this.#drain();
    return name;
  }

  unpublish(name: string): void {
    if (this.#closed) return;
    this.#core.unpublish(name);
    this.#drain();
  }

  close(): void {
    if (this.#closed) return;
    this.#core.close(); // queues goodbyes for published names (RFC 6762 §10.1)
    this.#flushTransmits();
    this.#closed = true;
    this.#timer.clear();
    for (const s of this.#sockets) s.close();
    this.#sockets = [];
    const waiting = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const w of waiting) w.reject(new MdnsError('ERR_MDNS_CLOSED', 'mDNS closed'));
  }

  async #openSockets(): Promise<void> {
    const factory = this.#options.socketFactory ?? nodeMdnsSocketFactory;
    const families: MdnsFamily[] = [];
    if (this.#options.ipv4 !== false) families.push(4);
    if (this.#options.ipv6 === true) families.push(6);
    const errors: string[] = [];
    for (const family of families) {
      try {
        const socket = await factory({
          family,
          interfaceAddress: family === 4 ? this.#options.interfaceAddress : this.#options.interfaceAddress6,
          port: this.#options.port,
          onError: (err) => this.#log.debug(`socket error: ${err.message}`),
        });
        if (this.#closed) {
          socket.close();
          continue;
        }
        socket.onMessage((data, from) => this.#onInbound(data, from));
        this.#sockets.push(socket);
      } catch (err) {
        errors.push(`IPv${family}: ${(err as Error).message}`);
        this.#log.warn(`cannot open the IPv${family} mDNS socket: ${(err as Error).message}`);
      }
    }
    if (this.#closed) return;
    if (this.#sockets.length === 0) {
      this.#openError = new MdnsError('ERR_MDNS_SOCKET', `no mDNS socket could be opened (${errors.join('; ')})`);
      const waiting = [...this.#waiters.entries()];
      this.#waiters.clear();
      for (const [id, w] of waiting) {
        this.#core.cancel(id);
        w.reject(this.#openError);
      }
      while (this.#core.pollTransmit()) {
        // nothing can be sent
      }
      this.#arm();
      throw this.#openError;
    }
    this.#ready = true;
    this.#drain();
  }

  #onInbound(data: Buffer, from: { address: string; port: number }): void {
    if (this.#closed) return;
    try {
      this.#core.handleMessage(this.#clock.now(), data, from);
    } catch (err) {
      // The single inbound catch: nothing from the network throws past here.
      this.#drops.drop(err instanceof MdnsDecodeError ? 'mdns-decode' : 'mdns-inbound-error', err);
    }
    this.#drain();
  }

  #flushTransmits(): void {
    if (!this.#ready) return;
    for (let t = this.#core.pollTransmit(); t; t = this.#core.pollTransmit()) {
      if (t.to === undefined) {
        for (const s of this.#sockets) s.send(t.data, undefined);
      } else {
        const family = isIP(t.to.address) === 6 ? 6 : 4;
        this.#sockets.find((s) => s.family === family)?.send(t.data, t.to);
      }
    }
  }

  #drain(): void {
    if (this.#closed) return;
    this.#flushTransmits();
    for (let e = this.#core.pollEvent(); e; e = this.#core.pollEvent()) this.#onEvent(e);
    this.#arm();
  }

  #onEvent(e: MdnsCoreEvent): void {
    const w = this.#waiters.get(e.queryId);
    if (!w) return;
    this.#waiters.delete(e.queryId);
    if (e.type === 'resolved') w.resolve(e.address);
    else w.reject(new MdnsError('ERR_MDNS_TIMEOUT', `no mDNS answer for ${e.name}`));
  }

  #arm(): void {
    this.#timer.set(this.#closed ? undefined : this.#core.pollTimeout());
  }
}
