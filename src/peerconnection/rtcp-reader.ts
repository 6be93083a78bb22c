import { ClosedError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { parseRtcp, type RtcpPacket } from '../rtcp/index.js';

const log = getLogger('rtcp');

/** Compound RTCP packets kept for `readRTCP()` before the oldest are dropped. */
export const RTCP_READ_QUEUE = 64;

/**
 * RTCP delivery for a sender or receiver: synchronous handlers (raw
 * compound packets) and Pion-style `readRTCP()` (parsed, queued, bounded).
 */
export class RtcpReader {
  readonly #handlers = new Set<(packet: Buffer) => void>();
  #queue: Buffer[] = [];
  #waiters: { resolve: (p: RtcpPacket[]) => void; reject: (e: Error) => void }[] = [];
  #closed = false;
  #reading = false;

  constructor(private readonly what: string) {}

  onRtcp(handler: (packet: Buffer) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** The next compound RTCP packet, parsed. Rejects with ClosedError once stopped. */
  readRTCP(): Promise<RtcpPacket[]> {
    this.#reading = true;
    const next = this.#queue.shift();
    if (next) return Promise.resolve(parseRtcp(next));
    if (this.#closed) return Promise.reject(new ClosedError(this.what));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  deliver(packet: Buffer): void {
    if (this.#closed) return;
    for (const h of this.#handlers) {
      try {
        h(packet);
      } catch (err) {
        log.error(`${this.what}: onRtcp handler threw`, err);
      }
    }
    const w = this.#waiters.shift();
    if (w) {
      w.resolve(parseRtcp(packet));
      return;
    }
    // Queue only for callers that use readRTCP, so unread feedback does not pile up.
    if (!this.#reading) return;
    if (this.#queue.length >= RTCP_READ_QUEUE) this.#queue.shift();
    this.#queue.push(packet);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    const waiters = this.#waiters.splice(0);
    // An error (with its stack) only when someone is waiting to receive it.
    if (waiters.length > 0) {
      const err = new ClosedError(this.what);
      for (const w of waiters) w.reject(err);
    }
    this.#handlers.clear();
  }
}
