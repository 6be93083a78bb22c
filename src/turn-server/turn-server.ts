import tls from 'node:tls';
import { systemClock, type Clock, type TimerHandle } from '../common/clock.js';
import { InvalidArgumentError } from '../common/errors.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { cryptoRng, randomInt, type Rng } from '../common/rng.js';
import { formatAddress, type Net, type TcpConnection, type TcpServer, type TransportAddress, type UdpSocket } from '../transport/net.js';
import { NodeTcpConnection, nodeNet } from '../transport/node-net.js';
import type { TurnAllocation, TurnClientTuple } from './allocation.js';
import { TurnStreamClient, type TurnStreamHost } from './turn-stream-client.js';
import { TurnServerCore, type TurnServerIo, type TurnUdpListener } from './turn-server-core.js';
import type { TurnServerCoreConfig } from './turn-server-config.js';
import type { TurnServerStats } from './turn-server-stats.js';

/** Relay ports are drawn at random from the range; a bind is tried this many times. */
const RELAY_BIND_ATTEMPTS = 32;
/** Concurrent TCP/TLS client connections (each holds a framer and at most one allocation). */
export const DEFAULT_TURN_MAX_STREAMS = 10_000;
/** A TCP/TLS connection without an allocation is closed after this long (coturn closes idle ones too). */
export const DEFAULT_TURN_STREAM_IDLE_MS = 30_000;

export interface TurnServerOptions extends Omit<TurnServerCoreConfig, 'nonceSecret'> {
  /** UDP listening addresses (e.g. `{ address: '0.0.0.0', port: 3478 }`). */
  udp?: TransportAddress[];
  /** TCP listening addresses. */
  tcp?: TransportAddress[];
  /** TLS listening addresses (`turns:`), needing `tlsCert` and `tlsKey`. */
  tls?: TransportAddress[];
  /** PEM certificate chain and key for TLS. */
  tlsCert?: string | Buffer;
  tlsKey?: string | Buffer;
  /** Address relay sockets bind to, per family (default: 0.0.0.0 / ::). */
  relayAddresses?: { readonly 4?: string; readonly 6?: string };
  /** Relay port range, inclusive (default: system-chosen ports). */
  relayPortMin?: number;
  relayPortMax?: number;
  maxStreams?: number;
  streamIdleMs?: number;
  net?: Net;
  clock?: Clock;
  rng?: Rng;
}

/** The driver's handle on one relay socket. */
interface Relay {
  readonly socket: UdpSocket;
}

/**
 * The TURN server driver: owns the listening sockets (UDP, TCP, TLS), the
 * relay sockets (through the injected {@link Net}) and the core's one timer,
 * and feeds {@link TurnServerCore}. Embeddable: {@link handleUdp} and
 * {@link acceptStream} take traffic from a shared port (see
 * `TurnDispatcher`).
 */
export class TurnServer implements TurnStreamHost {
  readonly core: TurnServerCore<Relay>;
  readonly #net: Net;
  readonly #clock: Clock;
  readonly #log: ScopedLogger;
  readonly #options: TurnServerOptions;
  readonly #rng: Rng;
  readonly #udp: Array<{ socket: UdpSocket; listener: TurnUdpListener }> = [];
  readonly #tcp: TcpServer[] = [];
  readonly #tls: tls.Server[] = [];
  readonly #streams = new Set<TurnStreamClient>();
  readonly #maxStreams: number;
  readonly streamIdleMs: number;
  #timer: TimerHandle | undefined;
  #timerAt: number | undefined;
  #nextListenerId = 1;
  #nextStreamId = 1;
  #closed = false;

  constructor(options: TurnServerOptions) {
    this.#options = options;
    this.#net = options.net ?? nodeNet;
    this.#clock = options.clock ?? systemClock;
    this.#log = getLogger('turn');
    this.#maxStreams = options.maxStreams ?? DEFAULT_TURN_MAX_STREAMS;
    this.streamIdleMs = options.streamIdleMs ?? DEFAULT_TURN_STREAM_IDLE_MS;
    const rng = options.rng ?? cryptoRng;
    this.#rng = rng;
    const io: TurnServerIo<Relay> = {
      sendToClient: (tuple, data) => this.#sendToClient(tuple, data),
      sendToPeer: (relay, data, peer) => relay.socket.send(data, peer),
      openRelay: (alloc, o) => void this.#openRelay(alloc, o.family, o.evenPort),
      closeRelay: (relay) => relay.socket.close(),
    };
    this.core = new TurnServerCore<Relay>({ ...options, nonceSecret: rng.bytes(32) }, io, this.#log);
  }

  /** Creates the server and opens its listeners. */
  static async listen(options: TurnServerOptions): Promise<TurnServer> {
    const server = new TurnServer(options);
    try {
      await server.#openListeners();
    } catch (err) {
      server.close();
      throw err;
    }
    return server;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): TurnServerStats & { streams: number } {
    return { ...this.core.stats, streams: this.#streams.size };
  }

  get udpAddresses(): TransportAddress[] {
    return this.#udp.map((u) => u.socket.localAddress);
  }

  get tcpAddresses(): TransportAddress[] {
    return this.#tcp.map((t) => t.localAddress);
  }

  get tlsAddresses(): TransportAddress[] {
    return this.#tls.map((s) => {
      const a = s.address();
      return typeof a === 'object' && a ? { address: a.address, port: a.port } : { address: '', port: 0 };
    });
  }

  /** Wall-clock now, the core's time base. */
  now(): number {
    return this.#clock.wallMs();
  }

  async #openListeners(): Promise<void> {
    const o = this.#options;
    for (const a of o.udp ?? []) {
      const socket = await this.#net.bindUdp({ address: a.address, port: a.port });
      this.attachUdp(socket);
    }
    for (const a of o.tcp ?? []) {
      const server = await this.#net.listenTcp({ address: a.address, port: a.port, backlog: 4096 });
      server.onConnection((conn) => this.acceptStream(conn, 'tcp'));
      this.#tcp.push(server);
    }
    if ((o.tls ?? []).length > 0) {
      if (o.tlsCert === undefined || o.tlsKey === undefined) throw new InvalidArgumentError('TLS listeners need tlsCert and tlsKey');
      for (const a of o.tls ?? []) this.#tls.push(await this.#listenTls(a));
    }
  }

  #listenTls(a: TransportAddress): Promise<tls.Server> {
    const server = tls.createServer({ cert: this.#options.tlsCert, key: this.#options.tlsKey, handshakeTimeout: 10_000 });
    server.on('secureConnection', (socket) => this.acceptStream(new NodeTcpConnection(socket, 'tls'), 'tls'));
    server.on('tlsClientError', (err) => this.core.drops.drop('tls-handshake', err.message));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: a.address, port: a.port, backlog: 4096 }, () => {
        server.removeListener('error', reject);
        server.on('error', (err) => this.#log.debug(`tls listener: ${err.message}`));
        resolve(server);
      });
    });
  }

  /** TLS options for terminating `turns:` on a shared port (the dispatcher). */
  get secureContext(): tls.SecureContext | undefined {
    const o = this.#options;
    return o.tlsCert !== undefined && o.tlsKey !== undefined ? tls.createSecureContext({ cert: o.tlsCert, key: o.tlsKey }) : undefined;
  }

  /**
   * Serves TURN on a UDP socket owned elsewhere (a shared port): returns the
   * listener handle to pass to {@link handleUdp}. Sockets opened by the
   * server itself call this too.
   */
  attachUdp(socket: UdpSocket, owned = true): TurnUdpListener {
    const listener: TurnUdpListener = { id: this.#nextListenerId++, local: socket.localAddress, link: socket };
    if (owned) {
      this.#udp.push({ socket, listener });
      socket.onMessage((data, from) => this.handleUdp(listener, data, from));
    }
    return listener;
  }

  /** A datagram from a client on `listener`. Never throws. */
  handleUdp(listener: TurnUdpListener, data: Buffer, from: TransportAddress): void {
    try {
      this.core.handleUdp(listener, data, from, this.#clock.wallMs());
      // ChannelData never changes the core's deadline; requests may.
      if ((data[0]! & 0xc0) !== 0x40) this.#arm();
    } catch (err) {
      this.core.drops.drop('udp-inbound-error', err);
    }
  }

  /** Serves TURN on a TCP/TLS connection (RFC 8656 §12.5 framing). `initial` is data already read from it. */
  acceptStream(conn: TcpConnection, protocol: 'tcp' | 'tls', initial?: Buffer): void {
    if (this.#closed) return conn.close();
    if (this.#streams.size >= this.#maxStreams) {
      this.core.drops.drop('streams-full', formatAddress(conn.remoteAddress));
      return conn.close();
    }
    const client = new TurnStreamClient(this, conn, protocol, this.#nextStreamId++, this.#clock);
    this.#streams.add(client);
    client.start(initial);
  }

  // ---- TurnStreamHost (called by stream clients) --------------------------------

  streamFrame(tuple: TurnClientTuple, frame: Buffer): void {
    try {
      this.core.handleStreamFrame(tuple, frame, this.#clock.wallMs());
      if ((frame[0]! & 0xc0) !== 0x40) this.#arm();
    } catch (err) {
      this.core.drops.drop('stream-inbound-error', err);
    }
  }

  streamDrop(reason: string, detail?: unknown): void {
    this.core.drops.drop(reason, detail);
  }

  streamEnded(client: TurnStreamClient): void {
    this.#streams.delete(client);
    this.core.streamClosed(client.tuple);
    this.#arm();
  }

  hasAllocation(tuple: TurnClientTuple): boolean {
    return this.core.allocationOf(tuple.key) !== undefined;
  }

  // ---- io -----------------------------------------------------------------------

  #sendToClient(tuple: TurnClientTuple, data: Uint8Array): void {
    const link = tuple.link;
    if (link instanceof TurnStreamClient) link.write(data);
    else (link as UdpSocket).send(data, tuple.remote);
  }

  async #openRelay(alloc: TurnAllocation<Relay>, family: 4 | 6, evenPort: boolean): Promise<void> {
    const o = this.#options;
    const address = o.relayAddresses?.[family] ?? (family === 4 ? '0.0.0.0' : '::');
    const min = o.relayPortMin ?? 0;
    const max = o.relayPortMax ?? 0;
    let socket: UdpSocket | undefined;
    for (let attempt = 0; attempt < RELAY_BIND_ATTEMPTS && socket === undefined && !alloc.closed; attempt++) {
      let port = min > 0 && max >= min ? randomInt(this.#rng, min, max) : 0;
      if (evenPort && port > 0) port = port & 1 ? (port + 1 <= max ? port + 1 : port - 1) : port;
      try {
        const s = await this.#net.bindUdp({ address, port });
        if (evenPort && s.localAddress.port & 1) {
          s.close();
          continue;
        }
        socket = s;
      } catch (err) {
        if (port === 0 && !evenPort) {
          this.#log.warn(`relay bind on ${address} failed: ${(err as Error).message}`);
          break;
        }
      }
    }
    if (socket === undefined) {
      this.core.relayFailed(alloc);
      return this.#arm();
    }
    if (this.#closed || alloc.closed) return socket.close();
    const relay: Relay = { socket };
    const s = socket;
    s.onMessage((data, from) => {
      try {
        this.core.handleRelay(alloc, data, from, this.#clock.wallMs());
      } catch (err) {
        this.core.drops.drop('relay-inbound-error', err);
      }
    });
    this.core.relayOpened(alloc, relay, s.localAddress, this.#clock.wallMs());
    this.#arm();
  }

  /** Re-arms the core's one timer for its next deadline (wall ms). */
  #arm(): void {
    const at = this.core.pollTimeout();
    if (at === this.#timerAt && (at === undefined || this.#timer !== undefined)) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === undefined || this.#closed) return;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      this.#timerAt = undefined;
      try {
        this.core.handleTimeout(this.#clock.wallMs());
      } catch (err) {
        this.#log.error('timeout handling threw', err);
      }
      this.#arm();
    }, Math.max(0, at - this.#clock.wallMs()));
  }

  /** Ends every allocation and closes every socket, stream and timer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.core.close();
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    for (const c of [...this.#streams]) c.close();
    this.#streams.clear();
    for (const u of this.#udp) u.socket.close();
    for (const t of this.#tcp) t.close();
    for (const s of this.#tls) s.close();
    this.#log.debug('TURN server closed');
  }
}
