import { getLogger } from '../../common/log.js';
import { formatIp, parseIp, parseIpv4 } from '../ip-address.js';
import { familyOf, formatAddress, UDP_CLOSE_FLUSH_MS, type AddressFamily, type TransportAddress, type UdpMessageHandler, type UdpSocket } from '../net.js';
import type { NativeUdp, NativeUdpHandle } from './udp-binding.js';

const log = getLogger('net');

/** Datagrams a socket may hold while the system's send buffer is full; beyond it sends are dropped and counted. */
export const NATIVE_UDP_MAX_PENDING = 4096;
/** Bytes copied per native send call (every UDP payload fits). */
const ARENA_BYTES = 256 * 1024;
/** Datagrams per native send call. */
const ROWS = 256;
/** Queued datagrams that make `send` flush at once instead of at the end of the task (a long synchronous burst). */
const FLUSH_AT = 64;
/** Destination addresses remembered as bytes; the table starts over when full. */
const ADDRESS_CACHE_MAX = 4096;

/** A destination as the metadata table carries it: family, and 16 address bytes (IPv4 in the first four). */
interface AddressBytes {
  readonly family: AddressFamily;
  readonly bytes: Uint8Array;
}
const addressBytes = new Map<string, AddressBytes | null>();

function toBytes(address: string): AddressBytes | null {
  let b = addressBytes.get(address);
  if (b !== undefined) return b;
  b = null;
  const v4 = parseIpv4(address);
  if (v4 !== undefined) {
    b = { family: 4, bytes: Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255, ...new Uint8Array(12)) };
  } else {
    const ip = parseIp(address);
    if (ip && ip.family === 6) {
      const bytes = new Uint8Array(16);
      for (let i = 0; i < 16; i++) bytes[i] = Number((ip.value >> BigInt((15 - i) * 8)) & 0xffn);
      b = { family: 6, bytes };
    }
  }
  if (addressBytes.size >= ADDRESS_CACHE_MAX) addressBytes.clear();
  addressBytes.set(address, b);
  return b;
}

/** Whether a socket bound to `address` can use the native sockets: IPv6 link-local and wildcard binds carry zone ids they do not model. */
export function nativeUdpEligible(address: string): boolean {
  if (familyOf(address) === 4) return parseIpv4(address) !== undefined;
  const ip = parseIp(address);
  if (!ip || ip.family !== 6 || ip.value === 0n) return false;
  return ip.value >> 118n !== 0x3fan; // fe80::/10
}

/** Shared by every native socket of this thread: filled and sent within one synchronous flush. */
let arena: Buffer | undefined;
let arenaMeta: Buffer | undefined;
let arenaRows: Uint32Array | undefined;

/**
 * A {@link UdpSocket} on tern-rtc's batched native sockets: one readable
 * event drains the socket in batches, one JS call per batch; datagrams sent
 * during one turn of the event loop leave together once the current task
 * ends (a microtask), or at once when 64 are waiting, in one system call per
 * 64. While the system's buffer is full they wait in order (bounded by
 * {@link NATIVE_UDP_MAX_PENDING}). Received datagrams are views into one
 * buffer per batch: keeping one keeps that batch's memory.
 */
export class NativeUdpSocket implements UdpSocket {
  readonly localAddress: TransportAddress;
  readonly family: AddressFamily;
  #handler: UdpMessageHandler | undefined;
  #closed = false;
  #released = false;
  #closeDeadline = 0;
  #pending: Uint8Array[] = [];
  #pendingAddress: AddressBytes[] = [];
  #pendingPort: number[] = [];
  #head = 0;
  #flushQueued = false;
  /** The system's send buffer was full: nothing is tried again until the socket says it is writable. */
  #blocked = false;
  /** Datagrams dropped before reaching the system (bad address, queue full). */
  #dropped = 0;
  /** The system's refusals, read when the socket is released. */
  #systemSendErrors = 0;
  #lastV4 = -1;
  #lastV6: Uint32Array | undefined;
  #lastPort = -1;
  #lastFrom: TransportAddress | undefined;
  readonly #handle: NativeUdpHandle;
  readonly #meta: Buffer;
  readonly #rows: Uint32Array;
  readonly #metaSize: number;

  private constructor(
    private readonly binding: NativeUdp,
    address: string,
    port: number,
  ) {
    this.family = familyOf(address);
    const [handle, bound] = binding.open(this.family, address, port, this.#onRecv, this.#onWritable);
    this.#handle = handle;
    this.localAddress = { address, port: bound };
    this.#meta = binding.meta();
    this.#rows = new Uint32Array(this.#meta.buffer, this.#meta.byteOffset, this.#meta.length >>> 2);
    this.#metaSize = binding.metaSize;
  }

  /** Binds synchronously; throws the system's error (with its `code`) when it cannot. */
  static open(binding: NativeUdp, address: string, port: number): NativeUdpSocket {
    return new NativeUdpSocket(binding, address, port);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Datagrams that could not be sent: refused by the system, bad destination or queue overflow. */
  get sendErrors(): number {
    return this.#dropped + (this.#released ? this.#systemSendErrors : this.binding.stats(this.#handle)[2]);
  }

  /** Datagrams waiting for room in the system's send buffer. */
  get pendingCount(): number {
    return this.#pending.length - this.#head;
  }

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.#closed) return;
    const bytes = toBytes(to.address);
    if (bytes === null || bytes.family !== this.family || this.#pending.length - this.#head >= NATIVE_UDP_MAX_PENDING) {
      this.#dropped++;
      if (log.traceEnabled) log.trace(`udp ${formatAddress(this.localAddress)}: dropped a datagram to ${formatAddress(to)}`);
      return;
    }
    this.#pending.push(data);
    this.#pendingAddress.push(bytes);
    this.#pendingPort.push(to.port);
    if (this.#pending.length - this.#head >= FLUSH_AT && !this.#blocked) {
      this.#flush();
      return;
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushTask);
    }
  }

  onMessage(handler: UdpMessageHandler): void {
    this.#handler = handler;
  }

  /**
   * Stops receiving at once; datagrams already handed to `send` still leave
   * (a DTLS close_notify sent just before close must not be lost), waiting
   * at most UDP_CLOSE_FLUSH_MS for room in a full send buffer.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handler = undefined;
    this.#closeDeadline = Date.now() + UDP_CLOSE_FLUSH_MS;
    this.#flush();
    if (this.pendingCount === 0) this.#release();
    else setTimeout(() => this.#release(), UDP_CLOSE_FLUSH_MS).unref();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#pending = [];
    this.#pendingAddress = [];
    this.#pendingPort = [];
    this.#head = 0;
    this.#systemSendErrors = this.binding.stats(this.#handle)[2];
    this.binding.close(this.#handle);
  }

  readonly #flushTask = (): void => {
    this.#flushQueued = false;
    this.#flush();
  };

  readonly #onWritable = (): void => {
    this.#blocked = false;
    this.#flush();
    if (this.#closed && (this.pendingCount === 0 || Date.now() >= this.#closeDeadline)) this.#release();
  };

  #flush(): void {
    if (this.#released || this.#blocked) return;
    if (arena === undefined) {
      arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
      arenaMeta = Buffer.alloc(ROWS * this.#metaSize);
      arenaRows = new Uint32Array(arenaMeta.buffer, arenaMeta.byteOffset, arenaMeta.length >>> 2);
    }
    const meta = arenaMeta!;
    const rows = arenaRows!;
    const size = this.#metaSize;
    const pending = this.#pending;
    while (this.#head < pending.length) {
      let off = 0;
      let n = 0;
      for (let i = this.#head; i < pending.length && n < ROWS; i++) {
        const d = pending[i]!;
        if (off + d.length > ARENA_BYTES) break;
        arena.set(d, off);
        off += d.length;
        const row = n * size;
        const a = this.#pendingAddress[i]!;
        const port = this.#pendingPort[i]!;
        rows[row >>> 2] = d.length;
        meta[row + 4] = a.family;
        meta[row + 6] = port & 255;
        meta[row + 7] = port >>> 8;
        meta.set(a.bytes, row + 8);
        n++;
      }
      const consumed = this.binding.send(this.#handle, arena, meta, n);
      this.#head += consumed;
      // Fewer consumed: the send buffer is full; the socket calls #onWritable when it drains.
      if (consumed < n) {
        this.#blocked = true;
        break;
      }
    }
    if (this.#head === pending.length) {
      pending.length = 0;
      this.#pendingAddress.length = 0;
      this.#pendingPort.length = 0;
      this.#head = 0;
    }
  }

  readonly #onRecv = (data: Buffer, count: number): void => {
    const size = this.#metaSize;
    const rows = this.#rows;
    let off = 0;
    for (let i = 0; i < count; i++) {
      const h = this.#handler;
      if (h === undefined) return;
      const row = i * size;
      const len = rows[row >>> 2]!;
      const datagram = data.subarray(off, off + len);
      off += len;
      try {
        h(datagram, this.#from(row));
      } catch (err) {
        // A handler must never throw; if one does, keep the socket alive.
        log.error(`udp ${formatAddress(this.localAddress)}: handler threw`, err);
      }
    }
  };

  /** The sender of one batch row; the same sender as the last row reuses its (immutable) address object. */
  #from(row: number): TransportAddress {
    const meta = this.#meta;
    const port = meta[row + 6]! | (meta[row + 7]! << 8);
    const a = (row + 8) >>> 2;
    if (meta[row + 4] === 4) {
      const v4 = this.#rows[a]!;
      if (v4 === this.#lastV4 && port === this.#lastPort && this.#lastFrom) return this.#lastFrom;
      const from = Object.freeze({ address: `${meta[row + 8]}.${meta[row + 9]}.${meta[row + 10]}.${meta[row + 11]}`, port });
      this.#lastV4 = v4;
      this.#lastV6 = undefined;
      this.#lastPort = port;
      this.#lastFrom = from;
      return from;
    }
    const last = this.#lastV6;
    const r = this.#rows;
    if (last && port === this.#lastPort && last[0] === r[a] && last[1] === r[a + 1] && last[2] === r[a + 2] && last[3] === r[a + 3] && this.#lastFrom) {
      return this.#lastFrom;
    }
    let value = 0n;
    for (let i = 0; i < 16; i++) value = (value << 8n) | BigInt(meta[row + 8 + i]!);
    const from = Object.freeze({ address: formatIp({ family: 6, value }), port });
    this.#lastV6 = Uint32Array.of(r[a]!, r[a + 1]!, r[a + 2]!, r[a + 3]!);
    this.#lastV4 = -1;
    this.#lastPort = port;
    this.#lastFrom = from;
    return from;
  }
}
