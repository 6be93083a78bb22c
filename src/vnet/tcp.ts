import { getLogger } from '../common/log.js';
import { NetError, formatAddress, type TcpConnection, type TcpServer, type TransportAddress } from '../transport/net.js';
import type { TcpSegment } from './packet.js';

const log = getLogger('net');

/** Out-of-order segments a connection buffers before it gives up (bounds memory). */
export const MAX_TCP_REASSEMBLY_SEGMENTS = 4096;
/** Bytes buffered for a connection whose onData handler is not set yet. */
export const MAX_TCP_UNREAD_BYTES = 4 * 1024 * 1024;

/** What a virtual TCP connection needs from its host (internal). */
export interface TcpOwner {
  sendSegment(conn: VirtualTcpConnection, kind: TcpSegment['kind'], seq: number, data: Buffer): void;
  releaseConnection(conn: VirtualTcpConnection): void;
}

type TcpState = 'syn-sent' | 'established' | 'closed';

/**
 * A TCP connection on a {@link VirtualHost}. The byte stream is reliable and
 * ordered: the network turns loss into retransmission delay and this end
 * reassembles segments by sequence number. Chunk boundaries are kept per
 * write (callers frame their own messages, e.g. RFC 4571, as over real TCP).
 */
export class VirtualTcpConnection implements TcpConnection {
  readonly localAddress: TransportAddress;
  readonly remoteAddress: TransportAddress;
  /** @internal True for the active (dialing) side, which holds a local port. */
  readonly dialed: boolean;
  readonly #owner: TcpOwner;
  #state: TcpState;
  #sendSeq = 0;
  #recvNext: number;
  readonly #reassembly = new Map<number, { kind: TcpSegment['kind']; data: Buffer }>();
  #onData: ((chunk: Buffer) => void) | undefined;
  #unread: Buffer[] = [];
  #unreadBytes = 0;
  #onClose: ((error?: Error) => void) | undefined;
  #closeError: Error | undefined;
  #onEstablished: ((error?: Error) => void) | undefined;

  /** @internal */
  constructor(owner: TcpOwner, local: TransportAddress, remote: TransportAddress, state: 'syn-sent' | 'established') {
    this.#owner = owner;
    this.localAddress = local;
    this.remoteAddress = remote;
    this.#state = state;
    this.dialed = state === 'syn-sent';
    // The active side expects the SYN-ACK (seq 0); the passive side already consumed the SYN.
    this.#recvNext = state === 'syn-sent' ? 0 : 1;
  }

  /** @internal Connection table key on the owning host. */
  get key(): string {
    return connectionKey(this.localAddress, this.remoteAddress);
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** @internal Called once the SYN-ACK arrives (or the attempt fails). */
  whenEstablished(cb: (error?: Error) => void): void {
    this.#onEstablished = cb;
  }

  /** @internal Sends the opening segment (SYN or SYN-ACK). */
  open(): void {
    this.#owner.sendSegment(this, this.#state === 'syn-sent' ? 'syn' : 'syn-ack', 0, Buffer.alloc(0));
  }

  write(data: Uint8Array): void {
    if (this.#state !== 'established' || data.length === 0) return;
    this.#owner.sendSegment(this, 'data', ++this.#sendSeq, Buffer.from(data));
  }

  onData(handler: (chunk: Buffer) => void): void {
    this.#onData = handler;
    const pending = this.#unread;
    this.#unread = [];
    this.#unreadBytes = 0;
    for (const chunk of pending) this.#emitData(chunk);
  }

  onClose(handler: (error?: Error) => void): void {
    if (this.#state === 'closed') {
      handler(this.#closeError);
      return;
    }
    this.#onClose = handler;
  }

  /** Sends FIN after the data already written, and closes this end. */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'established') this.#owner.sendSegment(this, 'fin', ++this.#sendSeq, Buffer.alloc(0));
    else this.#owner.sendSegment(this, 'rst', 0, Buffer.alloc(0));
    this.#finish(undefined);
  }

  /** @internal Aborts without telling the peer (network gave up, host closed). */
  abort(reason: string, code: 'ERR_NET_TIMEOUT' | 'ERR_NET_CLOSED' | 'ERR_NET_REFUSED' | 'ERR_NET' = 'ERR_NET_TIMEOUT'): void {
    if (this.#state === 'closed') return;
    this.#finish(new NetError(code, `tcp ${formatAddress(this.localAddress)} -> ${formatAddress(this.remoteAddress)}: ${reason}`));
  }

  /** @internal A segment addressed to this connection. */
  receive(kind: TcpSegment['kind'], seq: number, data: Buffer): void {
    if (this.#state === 'closed') return;
    if (kind === 'rst') {
      // A reset takes effect at once, whatever is still in flight.
      const refused = this.#state === 'syn-sent';
      this.abort(refused ? 'connection refused' : 'connection reset by peer', refused ? 'ERR_NET_REFUSED' : 'ERR_NET');
      return;
    }
    if (seq < this.#recvNext || this.#reassembly.has(seq)) return; // duplicate
    if (seq > this.#recvNext) {
      if (this.#reassembly.size >= MAX_TCP_REASSEMBLY_SEGMENTS) {
        this.abort('reassembly buffer full', 'ERR_NET');
        return;
      }
      this.#reassembly.set(seq, { kind, data });
      return;
    }
    this.#process(kind, data);
    for (let next = this.#reassembly.get(this.#recvNext); next; next = this.#reassembly.get(this.#recvNext)) {
      this.#reassembly.delete(this.#recvNext);
      this.#process(next.kind, next.data);
      if (this.closed) return;
    }
  }

  #process(kind: TcpSegment['kind'], data: Buffer): void {
    this.#recvNext++;
    switch (kind) {
      case 'syn-ack':
        if (this.#state === 'syn-sent') {
          this.#state = 'established';
          const cb = this.#onEstablished;
          this.#onEstablished = undefined;
          cb?.();
        }
        break;
      case 'data':
        this.#emitData(data);
        break;
      case 'fin':
        this.#finish(undefined);
        break;
      default:
        break;
    }
  }

  #emitData(chunk: Buffer): void {
    const h = this.#onData;
    if (!h) {
      if (this.#unreadBytes + chunk.length > MAX_TCP_UNREAD_BYTES) {
        this.abort('unread data limit reached', 'ERR_NET');
        return;
      }
      this.#unread.push(chunk);
      this.#unreadBytes += chunk.length;
      return;
    }
    try {
      h(chunk);
    } catch (err) {
      log.error(`vnet tcp ${formatAddress(this.remoteAddress)}: handler threw`, err);
    }
  }

  #finish(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    const establishing = this.#onEstablished;
    this.#onEstablished = undefined;
    this.#state = 'closed';
    this.#closeError = error;
    this.#reassembly.clear();
    this.#unread = [];
    this.#owner.releaseConnection(this);
    if (establishing) {
      establishing(error ?? new NetError('ERR_NET_CLOSED', 'connection closed before it was established'));
      return;
    }
    const cb = this.#onClose;
    this.#onClose = undefined;
    if (!cb) return;
    try {
      cb(error);
    } catch (err) {
      log.error(`vnet tcp ${formatAddress(this.remoteAddress)}: close handler threw`, err);
    }
  }
}

export function connectionKey(local: TransportAddress, remote: TransportAddress): string {
  return `${local.address}|${local.port}|${remote.address}|${remote.port}`;
}

/** What a virtual TCP listener needs from its host (internal). */
export interface TcpServerOwner {
  releaseServer(server: VirtualTcpServer): void;
}

/** A listening TCP socket on a {@link VirtualHost}. */
export class VirtualTcpServer implements TcpServer {
  readonly localAddress: TransportAddress;
  readonly #owner: TcpServerOwner;
  #handler: ((conn: TcpConnection) => void) | undefined;
  #closed = false;

  /** @internal */
  constructor(owner: TcpServerOwner, localAddress: TransportAddress) {
    this.#owner = owner;
    this.localAddress = localAddress;
  }

  get closed(): boolean {
    return this.#closed;
  }

  onConnection(handler: (conn: TcpConnection) => void): void {
    this.#handler = handler;
  }

  /** Stops accepting; connections already accepted stay open (as with node:net). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    this.#owner.releaseServer(this);
  }

  /** @internal Returns false when nobody accepts (the connection is then reset). */
  accept(conn: VirtualTcpConnection): boolean {
    const h = this.#handler;
    if (this.#closed || !h) return false;
    try {
      h(conn);
    } catch (err) {
      log.error(`vnet tcp server ${formatAddress(this.localAddress)}: handler threw`, err);
    }
    return true;
  }
}
