import type http from 'node:http';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { DropCounter } from '../common/drop-counter.js';
import { InvalidArgumentError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { IceMuxServer } from '../icemux/ice-mux-server.js';
import type { IceMuxServerOptions } from '../icemux/ice-mux-types.js';
import { StunMethod } from '../stun/constants.js';
import { formatAddress, type Net, type TransportAddress, type UdpSocket } from '../transport/net.js';
import { NodeTcpConnection, nodeNet } from '../transport/node-net.js';
import { SharedTcpView, SharedUdpView } from './shared-port-views.js';
import { classifyStreamStart, STREAM_START_MAX_BYTES } from './stream-start.js';
import { TurnServerCore, type TurnUdpListener } from './turn-server-core.js';
import type { TurnServer } from './turn-server.js';

const log = getLogger('turn').child('shared-port');

/** A TCP connection must say what it is within this time (coturn and nginx use similar first-byte timeouts). */
export const DEFAULT_PENDING_TIMEOUT_MS = 10_000;
/** Connections that have not said what they are, at most; more are closed at once. */
export const DEFAULT_MAX_PENDING = 1024;

export interface SharedPortOptions {
  /** The one UDP port (ICE and TURN). */
  udp?: TransportAddress;
  /** The one TCP port (HTTP/websocket signalling, TLS, ICE-TCP, TURN over TCP/TLS). */
  tcp?: TransportAddress;
  /** TURN server fed from the shared port (it needs no listeners of its own). */
  turn?: TurnServer;
  /** Single-port ICE server options; when given, the port serves ICE (see {@link SharedPort.iceMux}). */
  iceMux?: Omit<IceMuxServerOptions, 'udp' | 'tcp' | 'net'>;
  /** HTTP server (not listening) that gets HTTP connections, plain or inside TLS. */
  http?: http.Server;
  /** Certificate and key to terminate TLS on the TCP port (`turns:` and `https:`/`wss:`). */
  tlsCert?: string | Buffer;
  tlsKey?: string | Buffer;
  pendingTimeoutMs?: number;
  maxPending?: number;
  net?: Net;
}

export interface SharedPortStats {
  readonly udpToIce: number;
  readonly udpToTurn: number;
  readonly tcp: Readonly<Record<'http' | 'turn' | 'ice-tcp' | 'tls', number>>;
  readonly pending: number;
  readonly drops: Record<string, number>;
}

/**
 * First-message dispatch on one UDP port and one TCP port, shared by the
 * single-port ICE server, the TURN server and HTTP/websocket signalling.
 *
 * UDP: ChannelData and TURN methods, and any datagram on a 5-tuple with an
 * allocation, go to TURN; a STUN Binding request without USERNAME is answered
 * by TURN as a STUN server; everything else (Binding requests with an ICE
 * USERNAME, and DTLS/SRTP on routed tuples) goes to the ICE server, which
 * routes by ufrag and 5-tuple and drops the rest.
 *
 * TCP: the first bytes decide (stream-start.ts) between HTTP, TLS (the same
 * decision again inside), TURN over TCP and RFC 4571 ICE-TCP. Connections
 * that stay silent are closed after `pendingTimeoutMs`; at most `maxPending`
 * wait at once.
 */
export class SharedPort {
  /** The single-port ICE server (give it to agents as `IceAgentConfig.mux`), when `iceMux` was configured. */
  readonly iceMux: IceMuxServer | undefined;
  readonly drops = new DropCounter(log);
  readonly #udp: UdpSocket | undefined;
  readonly #tcp: net.Server | undefined;
  readonly #udpView: SharedUdpView | undefined;
  readonly #tcpView: SharedTcpView | undefined;
  readonly #turn: TurnServer | undefined;
  readonly #turnListener: TurnUdpListener | undefined;
  readonly #http: http.Server | undefined;
  readonly #secure: tls.SecureContext | undefined;
  readonly #pendingMs: number;
  readonly #maxPending: number;
  readonly #pending = new Set<net.Socket>();
  /** The TCP socket under each TLS socket (for its addresses); entries go with their sockets. */
  readonly #outer = new WeakMap<net.Socket, net.Socket>();
  #closed = false;
  udpToIce = 0;
  udpToTurn = 0;
  readonly #tcpCounts = { http: 0, turn: 0, 'ice-tcp': 0, tls: 0 };

  static async listen(options: SharedPortOptions): Promise<SharedPort> {
    if (!options.udp && !options.tcp) throw new InvalidArgumentError('SharedPort needs a udp and/or tcp address');
    if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new InvalidArgumentError('tlsCert and tlsKey go together');
    const n = options.net ?? nodeNet;
    const udp = options.udp ? await n.bindUdp({ address: options.udp.address, port: options.udp.port }) : undefined;
    let tcp: net.Server | undefined;
    if (options.tcp) {
      const server = net.createServer({ pauseOnConnect: true });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: options.tcp!.address, port: options.tcp!.port, backlog: 4096 }, () => {
            server.removeListener('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp?.close();
        throw err;
      }
      tcp = server;
    }
    return new SharedPort(options, udp, tcp);
  }

  private constructor(options: SharedPortOptions, udp: UdpSocket | undefined, tcp: net.Server | undefined) {
    this.#udp = udp;
    this.#tcp = tcp;
    this.#turn = options.turn;
    this.#http = options.http;
    this.#pendingMs = options.pendingTimeoutMs ?? DEFAULT_PENDING_TIMEOUT_MS;
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.#secure = options.tlsCert !== undefined && options.tlsKey !== undefined ? tls.createSecureContext({ cert: options.tlsCert, key: options.tlsKey }) : undefined;
    if (udp) {
      this.#turnListener = options.turn?.attachUdp(udp, false);
      if (options.iceMux) this.#udpView = new SharedUdpView(udp);
      udp.onMessage((data, from) => this.#onUdp(data, from));
    }
    if (tcp) {
      const a = tcp.address() as net.AddressInfo;
      if (options.iceMux) this.#tcpView = new SharedTcpView({ address: a.address, port: a.port });
      tcp.on('connection', (socket) => this.#onTcp(socket));
      tcp.on('error', (err) => log.debug(`listener: ${err.message}`));
    }
    this.iceMux = options.iceMux
      ? IceMuxServer.attach({ ...options.iceMux, ...(options.net ? { net: options.net } : {}) }, {
          ...(this.#udpView ? { udp: this.#udpView } : {}),
          ...(this.#tcpView ? { tcp: this.#tcpView } : {}),
        })
      : undefined;
  }

  get udpAddress(): TransportAddress | undefined {
    return this.#udp?.localAddress;
  }

  get tcpAddress(): TransportAddress | undefined {
    const a = this.#tcp?.address();
    return a && typeof a === 'object' ? { address: a.address, port: a.port } : undefined;
  }

  get stats(): SharedPortStats {
    return { udpToIce: this.udpToIce, udpToTurn: this.udpToTurn, tcp: { ...this.#tcpCounts }, pending: this.#pending.size, drops: this.drops.toJSON() };
  }

  // ---- UDP ----------------------------------------------------------------------

  #onUdp(data: Buffer, from: TransportAddress): void {
    try {
      const b0 = data[0];
      if (b0 === undefined) return this.drops.drop('udp-empty');
      // RFC 7983: DTLS (20..63) and RTP/RTCP (128..191) are ICE traffic; TURN never starts so.
      if (b0 < 4 ? this.#stunIsTurn(data, from) : b0 >= 64 && b0 < 128) {
        const turn = this.#turn;
        if (turn === undefined) return this.drops.drop('udp-turn-not-served');
        this.udpToTurn++;
        return turn.handleUdp(this.#turnListener!, data, from);
      }
      if (this.#udpView === undefined || !this.#udpView.deliver(data, from)) return this.drops.drop('udp-ice-not-served');
      this.udpToIce++;
    } catch (err) {
      this.drops.drop('udp-inbound-error', err);
    }
  }

  /** A STUN message for TURN: a TURN method, a Binding request without USERNAME, or anything on an allocated 5-tuple. */
  #stunIsTurn(data: Buffer, from: TransportAddress): boolean {
    if (data.length < 20 || this.#turn === undefined) return false;
    const type = (data[0]! << 8) | data[1]!;
    const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
    if (method >= StunMethod.Allocate && method <= StunMethod.ConnectionAttempt) return true;
    if (this.#turn.core.allocationOf(TurnServerCore.udpKey(this.#turnListener!, from)) !== undefined) return true;
    return type === 0x0001 && !hasUsername(data);
  }

  // ---- TCP ----------------------------------------------------------------------

  #onTcp(socket: net.Socket): void {
    if (this.#closed) return void socket.destroy();
    if (this.#pending.size >= this.#maxPending) {
      this.drops.drop('tcp-pending-full', socket.remoteAddress);
      return void socket.destroy();
    }
    this.#classify(socket, false);
  }

  /** Reads the first bytes of `socket` (plain or decrypted TLS) and hands it on. */
  #classify(socket: net.Socket, insideTls: boolean): void {
    this.#pending.add(socket);
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      this.drops.drop('tcp-pending-timeout', socket.remoteAddress);
      done();
      socket.destroy();
    }, this.#pendingMs);
    const done = (): void => {
      clearTimeout(timer);
      this.#pending.delete(socket);
      socket.removeListener('data', onData);
      socket.removeListener('close', done);
      socket.removeListener('error', onError);
    };
    const onError = (): void => {
      done();
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const kind = classifyStreamStart(head.subarray(0, STREAM_START_MAX_BYTES));
      if (kind === 'need-more') return;
      done();
      socket.pause();
      socket.unshift(head);
      try {
        this.#route(socket, kind, insideTls);
      } catch (err) {
        this.drops.drop('tcp-route-error', err);
        socket.destroy();
      }
    };
    socket.on('data', onData);
    socket.once('close', done);
    socket.on('error', onError);
    socket.resume();
  }

  #route(socket: net.Socket, kind: ReturnType<typeof classifyStreamStart>, insideTls: boolean): void {
    switch (kind) {
      case 'http':
        if (!this.#http) return this.#refuse(socket, 'tcp-http-not-served');
        this.#tcpCounts.http++;
        this.#http.emit('connection', socket);
        socket.resume();
        return;
      case 'tls': {
        if (insideTls || !this.#secure) return this.#refuse(socket, insideTls ? 'tcp-tls-in-tls' : 'tcp-tls-not-served');
        this.#tcpCounts.tls++;
        // The ClientHello was already read: TLS runs over a stream that replays it, then the socket's data.
        const secure = new tls.TLSSocket(replayingStream(socket), { isServer: true, secureContext: this.#secure });
        const failed = (): void => {
          this.drops.drop('tls-handshake', socket.remoteAddress);
          secure.destroy();
        };
        secure.once('error', failed);
        const timer = setTimeout(failed, this.#pendingMs);
        secure.once('secure', () => {
          clearTimeout(timer);
          secure.removeListener('error', failed);
          if (this.#closed) return void secure.destroy();
          this.#outer.set(secure, socket);
          this.#classify(secure, true);
        });
        secure.once('close', () => clearTimeout(timer));
        return;
      }
      case 'turn': {
        if (!this.#turn) return this.#refuse(socket, 'tcp-turn-not-served');
        this.#tcpCounts.turn++;
        this.#turn.acceptStream(this.#connection(socket, insideTls), insideTls ? 'tls' : 'tcp');
        socket.resume();
        return;
      }
      case 'ice-tcp':
        if (!this.#tcpView) return this.#refuse(socket, 'tcp-ice-not-served');
        this.#tcpCounts['ice-tcp']++;
        this.#tcpView.deliver(this.#connection(socket, insideTls));
        socket.resume();
        return;
      default:
        return this.#refuse(socket, 'tcp-unknown-protocol');
    }
  }

  #connection(socket: net.Socket, insideTls: boolean): NodeTcpConnection {
    const conn = new NodeTcpConnection(socket, insideTls ? 'tls' : 'tcp');
    const outer = this.#outer.get(socket);
    if (outer) {
      // A TLSSocket over a stream does not know the addresses: take the TCP socket's.
      Object.assign(conn, {
        remoteAddress: { address: outer.remoteAddress ?? '', port: outer.remotePort ?? 0 },
        localAddress: { address: outer.localAddress ?? '', port: outer.localPort ?? 0 },
      });
    }
    return conn;
  }

  #refuse(socket: net.Socket, reason: string): void {
    this.drops.drop(reason, `${socket.remoteAddress}:${socket.remotePort}`);
    socket.destroy();
  }

  /** Closes the socket, the listener, pending connections and the ICE server (not the TURN or HTTP server). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.iceMux?.close();
    for (const s of this.#pending) s.destroy();
    this.#pending.clear();
    this.#udp?.close();
    this.#tcp?.close();
    if (this.#udp) log.debug(`closed ${formatAddress(this.#udp.localAddress)}`);
  }
}

/**
 * A duplex over `socket` whose readable side first yields what was unshifted
 * into it (the bytes the classifier read), for a TLSSocket that would
 * otherwise read from the socket's handle and miss them.
 */
function replayingStream(socket: net.Socket): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (socket.destroyed) return callback(new Error('socket closed'));
      socket.write(chunk, (err) => callback(err ?? null));
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.once('end', () => duplex.push(null));
  socket.once('close', () => duplex.destroy());
  socket.on('error', () => duplex.destroy());
  return duplex;
}

/** True when a STUN message carries USERNAME (attribute walk bounded by the message). */
function hasUsername(data: Buffer): boolean {
  const end = Math.min(data.length, 20 + ((data[2]! << 8) | data[3]!));
  for (let off = 20; off + 4 <= end; ) {
    if (data[off] === 0x00 && data[off + 1] === 0x06) return true;
    off += 4 + ((((data[off + 2]! << 8) | data[off + 3]!) + 3) & ~3);
  }
  return false;
}
