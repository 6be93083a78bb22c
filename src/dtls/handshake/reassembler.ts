import type { HandshakeFragment, HandshakeMessage } from './header.js';

/** Messages buffered ahead of the next expected message_seq (peer input is bounded). */
export const MAX_MESSAGES_AHEAD = 16;
/** Largest handshake message accepted (a certificate chain fits easily). */
export const MAX_MESSAGE_LENGTH = 65536;
/** Total bytes buffered for incomplete or future messages. */
export const MAX_BUFFERED_BYTES = 262144;

interface Pending {
  readonly msgType: number;
  readonly body: Buffer;
  /** Sorted, merged received byte ranges [start, end). */
  ranges: Array<[number, number]>;
}

export type PushResult = 'buffered' | 'old' | 'ignored';

/**
 * RFC 6347 §4.2.2 / §4.2.3: buffers handshake fragments by message_seq and
 * releases complete messages strictly in order. Duplicates and overlapping
 * fragments are merged; anything too far ahead, too large or inconsistent is
 * ignored.
 */
export class HandshakeReassembler {
  #nextSeq = 0;
  readonly #pending = new Map<number, Pending>();
  #bufferedBytes = 0;

  /** The message_seq the next released message will have. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Skips to `seq` (after a stateless cookie exchange), dropping anything buffered. */
  reset(seq: number): void {
    this.#nextSeq = seq;
    this.#pending.clear();
    this.#bufferedBytes = 0;
  }

  push(f: HandshakeFragment): PushResult {
    if (f.messageSeq < this.#nextSeq) return 'old';
    if (f.messageSeq >= this.#nextSeq + MAX_MESSAGES_AHEAD || f.length > MAX_MESSAGE_LENGTH) return 'ignored';
    let p = this.#pending.get(f.messageSeq);
    if (!p) {
      if (this.#bufferedBytes + f.length > MAX_BUFFERED_BYTES) return 'ignored';
      p = { msgType: f.msgType, body: Buffer.alloc(f.length), ranges: [] };
      this.#pending.set(f.messageSeq, p);
      this.#bufferedBytes += f.length;
    } else if (p.msgType !== f.msgType || p.body.length !== f.length) {
      return 'ignored';
    }
    const start = f.fragmentOffset;
    const end = start + f.fragment.length;
    if (end > start) {
      f.fragment.copy(p.body, start);
      p.ranges = mergeRange(p.ranges, start, end);
    }
    return 'buffered';
  }

  /**
   * Forgets a message just released by {@link pop} without consuming its
   * message_seq, so the genuine message with that sequence number can still
   * arrive (the released one was not expected in the current state).
   */
  unpop(messageSeq: number): void {
    if (messageSeq === this.#nextSeq - 1) this.#nextSeq = messageSeq;
  }

  /** The next in-order complete message, if any. */
  pop(): HandshakeMessage | undefined {
    const p = this.#pending.get(this.#nextSeq);
    if (!p) return undefined;
    const complete = p.body.length === 0 || (p.ranges.length === 1 && p.ranges[0]![0] === 0 && p.ranges[0]![1] === p.body.length);
    if (!complete) return undefined;
    this.#pending.delete(this.#nextSeq);
    this.#bufferedBytes -= p.body.length;
    return { msgType: p.msgType, messageSeq: this.#nextSeq++, body: p.body };
  }
}

function mergeRange(ranges: Array<[number, number]>, start: number, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = start;
  let e = end;
  let placed = false;
  for (const r of ranges) {
    if (r[1] < s) {
      out.push(r);
    } else if (r[0] > e) {
      if (!placed) {
        out.push([s, e]);
        placed = true;
      }
      out.push(r);
    } else {
      s = Math.min(s, r[0]);
      e = Math.max(e, r[1]);
    }
  }
  if (!placed) out.push([s, e]);
  return out;
}
