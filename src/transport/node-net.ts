import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { getLogger } from '../common/log.js';
import {
  NetError,
  familyOf,
  formatAddress,
  type AddressFamily,
  type MulticastUdpBindOptions,
  type Net,
  type NetErrorCode,
  type NetInterfaceAddress,
  type TcpConnection,
  type TcpDialOptions,
  type TcpListenOptions,
  type TcpServer,
  type TransportAddress,
  type UdpBindOptions,
  type UdpMessageHandler,
  type UdpSocket,
  UDP_CLOSE_FLUSH_MS,
} from './net.js';
import { NativeUdpSocket, nativeUdpEligible } from './native/native-udp-socket.js';
import { nativeUdp, nativeUdpStatus, type NativeUdp } from './native/udp-binding.js';
import { InvalidArgumentError } from '../common/errors.js';
import { bindNodeMulticastUdp } from './node-multicast.js';

const log = getLogger('net');

function mapErrno(err: NodeJS.ErrnoException): NetErrorCode {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'ERR_NET_ADDRESS_IN_USE';
    case 'EADDRNOTAVAIL':
      return 'ERR_NET_ADDRESS_NOT_AVAILABLE';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'ERR_NET_UNREACHABLE';
    case 'ECONNREFUSED':
      return 'ERR_NET_REFUSED';
    case 'ETIMEDOUT':
      return 'ERR_NET_TIMEOUT';
    default:
      return 'ERR_NET';
  }
}

function wrap(err: unknown, what: string): NetError {
  const e = err as NodeJS.ErrnoException;
  return new NetError(mapErrno(e), `${what}: ${e.message}`, { cause: err });
}


/**
 * Socket buffers requested for every UDP socket (bytes), as the native sockets do: a WebRTC flow
 * (SCTP bursts, video frames) can arrive faster than one event-loop turn reads it, and the
 * default ~208 KiB holds fewer than a hundred datagrams. The kernel caps the request at
 * net.core.rmem_max / wmem_max; failure keeps the default.
 */
const UDP_SOCKET_BUFFER = 2 * 1024 * 1024;

function requestSocketBuffers(socket: dgram.Socket): void {
  for (const set of [(n: number) => socket.setRecvBufferSize(n), (n: number) => socket.setSendBufferSize(n)]) {
    try {
      set(UDP_SOCKET_BUFFER);
    } catch {
      // keep the default
    }
  }
}

class NodeUdpSocket implements UdpSocket {
  readonly localAddress: TransportAddress;
  readonly family: AddressFamily;
  #handler: UdpMessageHandler | undefined;
  #closed = false;
  #released = false;
  sendErrors = 0;

  constructor(private readonly socket: dgram.Socket) {
    const a = socket.address();
    this.localAddress = { address: a.address, port: a.port };
    this.family = familyOf(a.address);
    socket.on('message', (msg, rinfo) => {
      const h = this.#handler;
      if (!h) return;
      try {
        // Node's RemoteInfo is a TransportAddress already (address, port): no copy per datagram.
        h(msg, rinfo);
      } catch (err) {
        // A handler must never throw; if one does, keep the socket alive.
        log.error(`udp ${formatAddress(this.localAddress)}: handler threw`, err);
      }
    });
    socket.on('error', (err) => {
      this.sendErrors++;
      if (log.debugEnabled) log.debug(`udp ${formatAddress(this.localAddress)}: ${err.message}`);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * No completion callback: with one, Node schedules a tick per datagram even
   * when the send finished synchronously (the usual case), a measurable share
   * of the media hot path. Without one Node reports no per-datagram failure
   * (only a failed address lookup, on 'error'); ICE notices a path that
   * stopped carrying datagrams by its missing responses, as it must anyway.
   */
  send(data: Uint8Array, to: TransportAddress): void {
    if (this.#closed) return;
    this.socket.send(data, to.port, to.address);
  }

  onMessage(handler: UdpMessageHandler): void {
    this.#handler = handler;
  }

  /**
   * Stops receiving at once; the socket itself closes once datagrams already
   * handed to `send` have left (a DTLS close_notify sent just before close
   * must not be lost): Node hands a datagram to the kernel on a later tick
   * (after its address lookup), and keeps it queued while the kernel buffer
   * is full. Bounded: after UDP_CLOSE_FLUSH_MS the socket closes regardless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    setImmediate(() => this.#releaseWhenFlushed(Date.now() + UDP_CLOSE_FLUSH_MS));
  }

  #releaseWhenFlushed(deadline: number): void {
    let queued = 0;
    try {
      queued = this.socket.getSendQueueCount();
    } catch {
      // already closed by the system
    }
    if (queued > 0 && Date.now() < deadline) {
      setTimeout(() => this.#releaseWhenFlushed(deadline), 1);
      return;
    }
    this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      this.socket.close();
    } catch {
      // already closed by the system
    }
  }
}

/**
 * Bytes a TCP or TLS connection may have queued in the kernel-side write
 * buffer before further messages are dropped (and counted): a stalled peer
 * must not grow our memory without limit.
 */
export const MAX_TCP_WRITE_BUFFER_BYTES = 1 << 20;

/**
 * A {@link TcpConnection} over a connected `net.Socket` (a `tls.TLSSocket`
 * works too): handler errors are contained, writes are bounded.
 */
export class NodeTcpConnection implements TcpConnection {
  readonly localAddress: TransportAddress;
  readonly remoteAddress: TransportAddress;
  #closed = false;
  #onClose: ((error?: Error) => void) | undefined;
  #error: Error | undefined;
  /** Messages dropped because the write buffer was full. */
  droppedWrites = 0;

  constructor(
    private readonly socket: net.Socket,
    private readonly label: 'tcp' | 'tls' = 'tcp',
  ) {
    socket.setNoDelay(true);
    this.localAddress = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    this.remoteAddress = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.on('error', (err) => {
      this.#error = err;
      log.debug(`${this.label} ${formatAddress(this.remoteAddress)}: ${err.message}`);
    });
    socket.on('close', () => {
      this.#closed = true;
      const cb = this.#onClose;
      this.#onClose = undefined;
      cb?.(this.#error);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: Uint8Array): void {
    if (this.#closed || this.socket.destroyed) return;
    if (this.socket.writableLength > MAX_TCP_WRITE_BUFFER_BYTES) {
      this.droppedWrites++;
      if (log.traceEnabled) log.trace(`${this.label} ${formatAddress(this.remoteAddress)}: write buffer full, message dropped`);
      return;
    }
    this.socket.write(data);
  }

  onData(handler: (chunk: Buffer) => void): void {
    this.socket.removeAllListeners('data');
    this.socket.on('data', (chunk: Buffer) => {
      try {
        handler(chunk);
      } catch (err) {
        log.error(`${this.label} ${formatAddress(this.remoteAddress)}: handler threw`, err);
      }
    });
  }

  onClose(handler: (error?: Error) => void): void {
    if (this.#closed) {
      handler(this.#error);
      return;
    }
    this.#onClose = handler;
  }

  close(): void {
    if (this.socket.destroyed) return;
    this.socket.destroy();
  }
}

class NodeTcpServer implements TcpServer {
  readonly localAddress: TransportAddress;
  #handler: ((conn: TcpConnection) => void) | undefined;

  constructor(private readonly server: net.Server) {
    const a = server.address() as net.AddressInfo;
    this.localAddress = { address: a.address, port: a.port };
    server.on('connection', (socket) => {
      const h = this.#handler;
      if (!h) {
        socket.destroy();
        return;
      }
      h(new NodeTcpConnection(socket));
    });
    server.on('error', (err) => log.debug(`tcp server ${formatAddress(this.localAddress)}: ${err.message}`));
  }

  onConnection(handler: (conn: TcpConnection) => void): void {
    this.#handler = handler;
  }

  close(): void {
    this.#handler = undefined;
    this.server.close();
  }
}

/** Default TCP listen backlog: large enough for thousands of clients arriving at once. */
export const DEFAULT_TCP_BACKLOG = 4096;

/**
 * How long an interface listing is reused. `os.networkInterfaces()` costs
 * about half a millisecond, a visible share of an ICE connect; a second is
 * short enough to notice interface changes on the next gather.
 */
export const INTERFACES_CACHE_MS = 1000;

/**
 * Which UDP sockets a {@link NodeNet} opens:
 * - `auto` (default): the native batched sockets when they are built and fit
 *   the address (see {@link nativeUdpStatus}), else `node:dgram`;
 * - `native`: the native sockets, or a clear error at bind;
 * - `node`: always `node:dgram`.
 */
export type UdpBackend = 'auto' | 'native' | 'node';

export interface NodeNetOptions {
  udpBackend?: UdpBackend;
}

/** The real network: `node:dgram` (or the native batched UDP sockets), `node:net`, `os.networkInterfaces()`. */
export class NodeNet implements Net {
  #interfaces: NetInterfaceAddress[] | undefined;
  #interfacesAt = 0;
  readonly udpBackend: UdpBackend;

  constructor(options: NodeNetOptions = {}) {
    const backend = options.udpBackend ?? 'auto';
    if (backend !== 'auto' && backend !== 'native' && backend !== 'node') {
      throw new InvalidArgumentError(`udpBackend must be 'auto', 'native' or 'node', not ${String(backend)}`);
    }
    this.udpBackend = backend;
  }

  bindMulticastUdp(options: MulticastUdpBindOptions): Promise<UdpSocket> {
    return bindNodeMulticastUdp(options);
  }

  interfaces(): NetInterfaceAddress[] {
    const now = performance.now();
    if (this.#interfaces && now - this.#interfacesAt < INTERFACES_CACHE_MS) return [...this.#interfaces];
    this.#interfaces = this.#listInterfaces();
    this.#interfacesAt = now;
    return [...this.#interfaces];
  }

  #listInterfaces(): NetInterfaceAddress[] {
    const out: NetInterfaceAddress[] = [];
    for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
      for (const a of addrs ?? []) {
        const prefixLength = Number(a.cidr?.split('/')[1] ?? (a.family === 'IPv4' ? 32 : 128));
        out.push({
          name,
          address: a.address,
          family: a.family === 'IPv4' ? 4 : 6,
          internal: a.internal,
          prefixLength,
        });
      }
    }
    return out;
  }

  bindUdp(options: UdpBindOptions): Promise<UdpSocket> {
    let native: NativeUdp | undefined;
    try {
      native = this.#nativeUdpFor(options.address);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (native) {
      try {
        return Promise.resolve(NativeUdpSocket.open(native, options.address, options.port));
      } catch (err) {
        return Promise.reject(wrap(err, `bind udp ${options.address}:${options.port}`));
      }
    }
    const family = familyOf(options.address);
    const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(wrap(err, `bind udp ${options.address}:${options.port}`));
      };
      socket.once('error', onError);
      socket.bind({ address: options.address, port: options.port, exclusive: true }, () => {
        socket.removeListener('error', onError);
        requestSocketBuffers(socket);
        resolve(new NodeUdpSocket(socket));
      });
    });
  }

  #nativeUdpFor(address: string): NativeUdp | undefined {
    if (this.udpBackend === 'node') return undefined;
    const binding = nativeUdp();
    const eligible = nativeUdpEligible(address);
    if (this.udpBackend === 'native') {
      if (!binding) throw new NetError('ERR_NET_NATIVE_UNAVAILABLE', `native UDP sockets unavailable: ${nativeUdpStatus().reason ?? 'unknown'}`);
      if (!eligible) throw new NetError('ERR_NET_NATIVE_UNAVAILABLE', `native UDP sockets do not bind ${address} (IPv6 wildcard and link-local binds use node:dgram)`);
    }
    return eligible ? binding : undefined;
  }

  listenTcp(options: TcpListenOptions): Promise<TcpServer> {
    const server = net.createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        server.close();
        reject(wrap(err, `listen tcp ${options.address}:${options.port}`));
      };
      server.once('error', onError);
      server.listen(
        { host: options.address, port: options.port, backlog: options.backlog ?? DEFAULT_TCP_BACKLOG, exclusive: true },
        () => {
          server.removeListener('error', onError);
          resolve(new NodeTcpServer(server));
        },
      );
    });
  }

  dialTcp(options: TcpDialOptions): Promise<TcpConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({
        host: options.address,
        port: options.port,
        ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
        ...(options.localPort !== undefined ? { localPort: options.localPort } : {}),
        noDelay: true,
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          socket.destroy();
          reject(new NetError('ERR_NET_TIMEOUT', `dial tcp ${options.address}:${options.port}: timed out`));
        }, options.timeoutMs);
      }
      const onError = (err: Error): void => {
        if (timer) clearTimeout(timer);
        reject(wrap(err, `dial tcp ${options.address}:${options.port}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        if (timer) clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(new NodeTcpConnection(socket));
      });
    });
  }
}

/** Shared default instance; stateless. */
export const nodeNet: Net = new NodeNet();
