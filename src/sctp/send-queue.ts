/** A message queued by `send`, fragmented lazily as packets are built. */
export interface OutMessage {
  streamId: number;
  ppid: number;
  data: Uint8Array;
  unordered: boolean;
  /** -1 = reliable. */
  maxRetransmits: number;
  /** Absolute ms after which it is abandoned; Infinity = no lifetime. */
  expiresAt: number;
  /** SSN (DATA) or MID (I-DATA), assigned with the first fragment. */
  seq: number;
  /** Bytes handed to fragments so far, and the next fragment's FSN (I-DATA). */
  offset: number;
  nextFsn: number;
  /** TSNs of the first and latest fragment sent (valid once `sent`). */
  firstTsn: number;
  lastTsn: number;
  sent: boolean;
  abandoned: boolean;
}

export interface OutStream {
  id: number;
  queue: OutMessage[];
  head: number;
  /** Bytes not yet sent once (W3C bufferedAmount). */
  buffered: number;
  lowThreshold: number;
  nextSsn: number;
  nextMid: number;
  /** I-DATA MID of unordered messages (a sequence of its own, RFC 8260 §2.1). */
  nextUMid: number;
  /** Set while an outgoing reset is requested: `send` refuses new messages until it completes. */
  resetting: boolean;
  /** In the scheduler's ring. */
  scheduled: boolean;
}

/**
 * Outbound streams and their queued messages, with a round-robin scheduler over streams that
 * have data. With DATA a started message is finished before another begins (its fragments need
 * consecutive TSNs); with I-DATA (RFC 8260) the scheduler may switch stream between fragments.
 */
export class SendQueue {
  readonly #streams = new Map<number, OutStream>();
  readonly #ring: OutStream[] = [];
  #ringPos = 0;
  /** The message whose fragments are being sent (DATA mode). */
  current: OutMessage | undefined;
  totalBuffered = 0;
  /** Streams whose buffered amount fell to or below their threshold; drained by the core. */
  readonly lowEvents: number[] = [];

  stream(id: number): OutStream {
    let s = this.#streams.get(id);
    if (!s) {
      s = { id, queue: [], head: 0, buffered: 0, lowThreshold: 0, nextSsn: 0, nextMid: 0, nextUMid: 0, resetting: false, scheduled: false };
      this.#streams.set(id, s);
    }
    return s;
  }

  peekStream(id: number): OutStream | undefined {
    return this.#streams.get(id);
  }

  enqueue(m: OutMessage): void {
    const s = this.stream(m.streamId);
    s.queue.push(m);
    s.buffered += m.data.length;
    this.totalBuffered += m.data.length;
    this.#schedule(s);
  }

  #schedule(s: OutStream): void {
    if (s.scheduled || s.head >= s.queue.length) return;
    s.scheduled = true;
    this.#ring.push(s);
  }

  /** Re-admits a stream to scheduling (after its reset completed). */
  reschedule(s: OutStream): void {
    this.#schedule(s);
  }

  get hasData(): boolean {
    return this.current !== undefined || this.#ring.length > 0;
  }

  /** Accounts `n` bytes of `m` as handed to the network (or dropped unsent). */
  consumed(m: OutMessage, n: number): void {
    const s = this.#streams.get(m.streamId);
    if (!s) return;
    const before = s.buffered;
    s.buffered -= n;
    this.totalBuffered -= n;
    if (before > s.lowThreshold && s.buffered <= s.lowThreshold) this.lowEvents.push(s.id);
  }

  /**
   * The message the next fragment comes from, or undefined. `iData` lets the scheduler rotate
   * streams between fragments; expired messages are skipped by the caller via {@link dropHead}.
   */
  nextMessage(iData: boolean): OutMessage | undefined {
    if (this.current && !iData) return this.current;
    const ring = this.#ring;
    while (ring.length > 0) {
      if (this.#ringPos >= ring.length) this.#ringPos = 0;
      const s = ring[this.#ringPos]!;
      const m = s.queue[s.head];
      if (!m) {
        this.#unschedule(s);
        continue;
      }
      return m;
    }
    return undefined;
  }

  #unschedule(s: OutStream): void {
    s.scheduled = false;
    const i = this.#ring.indexOf(s);
    if (i >= 0) this.#ring.splice(i, 1);
    if (this.#ringPos > i) this.#ringPos--;
  }

  /** After a fragment of `m` was taken: finishes the message if it was the last, rotates the ring. */
  advance(m: OutMessage, iData: boolean): void {
    const done = m.offset >= m.data.length;
    const s = this.#streams.get(m.streamId)!;
    if (done) {
      this.#popHead(s);
      this.current = undefined;
    } else if (!iData) this.current = m;
    if (done || iData) this.#ringPos++;
  }

  #popHead(s: OutStream): void {
    s.queue[s.head] = undefined as unknown as OutMessage;
    s.head++;
    if (s.head >= s.queue.length) {
      s.queue.length = 0;
      s.head = 0;
    } else if (s.head > 64 && s.head * 2 > s.queue.length) {
      s.queue.splice(0, s.head);
      s.head = 0;
    }
  }

  /** Drops the rest of `m` unsent (abandoned by partial reliability). */
  dropUnsent(m: OutMessage): void {
    const rest = m.data.length - m.offset;
    if (rest > 0) this.consumed(m, rest);
    m.offset = m.data.length;
    const s = this.#streams.get(m.streamId);
    if (this.current === m) this.current = undefined;
    if (s && s.queue[s.head] === m) this.#popHead(s);
    else if (s) {
      const i = s.queue.indexOf(m, s.head);
      if (i >= 0) s.queue.splice(i, 1);
    }
  }

  /** Whether any message of stream `id` is still waiting to be (fully) sent. */
  hasPending(id: number): boolean {
    const s = this.#streams.get(id);
    return s !== undefined && s.head < s.queue.length;
  }

  /** No message waits to be (fully) sent, for the SHUTDOWN check. */
  get empty(): boolean {
    return this.#ring.length === 0 && this.current === undefined;
  }
}
