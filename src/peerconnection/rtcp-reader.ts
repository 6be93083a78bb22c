import { ClosedError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { parseRtcp, type RtcpPacket } from '../rtcp/index.js';
import { PendingReads } from './pending-reads.js';

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
  readonly #pending = new PendingReads<RtcpPacket[]>();
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
    return this.#pending.wait();
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
    if (this.#pending.waiting) {
      this.#pending.resolveNext(parseRtcp(packet));
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
    this.#pending.rejectAll(this.what);
    this.#handlers.clear();
  }
}
