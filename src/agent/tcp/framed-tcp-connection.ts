import type { TcpConnection, TransportAddress } from '../../transport/net.js';
import type { DropCounter } from '../../common/drop-counter.js';
import { frameRfc4571, Rfc4571Framer, RFC4571_MAX_FRAME_BYTES } from './rfc4571-framer.js';

/** Default bound on frames queued while an outgoing connection is being established. */
export const DEFAULT_MAX_PENDING_WRITE_BYTES = 64 * 1024;

/**
 * One TCP connection carrying RFC 4571 frames (RFC 6544 §3): inbound chunks
 * are reassembled into frames, outbound datagrams are length-prefixed.
 * Until {@link attach} is called (an outgoing connection still dialing),
 * outbound frames wait in a bounded queue.
 */
export class FramedTcpConnection {
  readonly remote: TransportAddress;
  readonly key: string;
  #conn: TcpConnection | undefined;
  readonly #framer: Rfc4571Framer;
  readonly #drops: DropCounter;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #closed = false;
  #onClose: (() => void) | undefined;
  /** True once the local agent sent on it (a check or data): the connection is in use. */
  used = false;
  readonly createdMs: number;

  constructor(
    remote: TransportAddress,
    onFrame: (frame: Buffer, from: TransportAddress) => void,
    drops: DropCounter,
    nowMs: number,
    maxFrameBytes: number = RFC4571_MAX_FRAME_BYTES,
  ) {
    this.remote = { address: remote.address, port: remote.port };
    this.key = tcpKey(remote);
    this.#drops = drops;
    this.createdMs = nowMs;
    const from = this.remote;
    this.#framer = new Rfc4571Framer((f) => onFrame(f, from), { maxFrameBytes });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get oversizedFrames(): number {
    return this.#framer.oversizedFrames;
  }

  /** Binds the live connection; flushes queued frames. */
  attach(conn: TcpConnection): void {
    if (this.#closed) {
      conn.close();
      return;
    }
    this.#conn = conn;
    conn.onData((chunk) => {
      const before = this.#framer.oversizedFrames;
      this.#framer.push(chunk);
      if (this.#framer.oversizedFrames !== before) this.#drops.drop('tcp-frame-oversized', this.key);
    });
    conn.onClose(() => this.close());
    const queued = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const f of queued) conn.write(f);
  }

  onClose(cb: () => void): void {
    this.#onClose = cb;
  }

  write(data: Uint8Array): void {
    if (this.#closed) return;
    if (data.length > RFC4571_MAX_FRAME_BYTES) {
      this.#drops.drop('tcp-send-oversized', data.length);
      return;
    }
    this.used = true;
    const frame = frameRfc4571(data);
    if (this.#conn) {
      this.#conn.write(frame);
      return;
    }
    if (this.#pendingBytes + frame.length > DEFAULT_MAX_PENDING_WRITE_BYTES) {
      this.#drops.drop('tcp-pending-full', this.key);
      return;
    }
    this.#pending.push(frame);
    this.#pendingBytes += frame.length;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = [];
    this.#framer.reset();
    this.#conn?.close();
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.();
  }
}

export function tcpKey(a: TransportAddress): string {
  return `${a.address}|${a.port}`;
}
