import type { DropCounter } from '../common/drop-counter.js';
import type { ForwardTsnEntry } from './chunks.js';
import { DataTracker } from './data-tracker.js';
import { SctpDecodeError } from './errors.js';
import { Reassembler, type DeliverFn } from './reassembly.js';
import { tsnAdd } from './tsn.js';
import { u16, u32 } from './wire.js';

/**
 * The receiving half of an association: TSN tracking, reassembly and ordered delivery, the
 * receive window and when to SACK (RFC 9260 §6.2: at once on gaps, duplicates, the I bit or every
 * second DATA packet; otherwise within `delayedAckMs`).
 *
 * Memory bound: fragments, ordered messages waiting for earlier ones and delivered messages not
 * yet polled together stay within `maxReceiveWindow` (the next expected TSN may overshoot it, up to
 * twice, so the window can always advance).
 */
export class DataReceiver {
  readonly tracker = new DataTracker();
  #reasm: Reassembler | undefined;
  #inStreams = 0;
  #iData = false;
  sackNeeded = false;
  ackAt: number | undefined;
  /** Bytes of delivered messages still in the event queue (the core keeps this current). */
  eventBytes = 0;
  /** Duplicate DATA chunks received. */
  duplicates = 0;
  #packetsSinceSack = 0;
  #hadGaps = false;
  #cumBefore = 0;
  #data = false;
  #immediate = false;
  readonly #o: { maxReceiveWindow: number; maxMessageSize: number; delayedAckMs: number };
  readonly #drops: DropCounter;

  constructor(o: { maxReceiveWindow: number; maxMessageSize: number; delayedAckMs: number }, drops: DropCounter) {
    this.#o = o;
    this.#drops = drops;
  }

  get started(): boolean {
    return this.#reasm !== undefined;
  }

  start(peerInitialTsn: number, iData: boolean, inStreams: number, deliver: DeliverFn): void {
    this.tracker.init(peerInitialTsn);
    this.#iData = iData;
    this.#inStreams = inStreams;
    this.#reasm = new Reassembler(iData, this.#o.maxMessageSize, (streamId, ppid, data) => {
      this.eventBytes += data.length;
      deliver(streamId, ppid, data);
    });
  }

  /** Receive window to advertise now. */
  localRwnd(): number {
    const held = (this.#reasm?.bufferedBytes ?? 0) + this.eventBytes;
    return Math.max(0, this.#o.maxReceiveWindow - held);
  }

  /** Before the chunks of one packet. */
  beginPacket(): void {
    this.#hadGaps = this.tracker.hasGaps;
    this.#cumBefore = this.tracker.cumTsn;
    this.#data = false;
    this.#immediate = false;
  }

  /**
   * A DATA / I-DATA chunk value `[start, end)`. Returns 'bad-stream' (the caller reports it) when
   * the stream is beyond the negotiated count; throws SctpDecodeError when malformed.
   */
  onData(b: Uint8Array, start: number, end: number, flags: number, iData: boolean): 'ok' | 'bad-stream' | 'dropped' {
    const reasm = this.#reasm;
    if (!reasm) return this.#drop('data-not-established');
    if (iData !== this.#iData) return this.#drop('wrong-data-type');
    const hdr = iData ? 16 : 12;
    if (end - start < hdr) throw new SctpDecodeError('DATA chunk too short');
    const size = end - start - hdr;
    if (size === 0) return this.#drop('empty-data');
    this.#data = true;
    if (flags & 8) this.#immediate = true;
    const tsn = u32(b, start);
    const streamId = u16(b, start + 4);
    const held = reasm.bufferedBytes + this.eventBytes + size;
    const max = this.#o.maxReceiveWindow;
    if (held > max && (tsn !== tsnAdd(this.tracker.cumTsn, 1) || held > 2 * max)) return this.#drop('receive-window-full');
    const verdict = this.tracker.observe(tsn);
    if (verdict === 'duplicate') {
      this.duplicates++;
      return 'dropped';
    }
    if (verdict !== 'new') return this.#drop(verdict === 'out-of-window' ? 'tsn-out-of-window' : 'too-many-gaps');
    if (streamId >= this.#inStreams) {
      this.#drops.drop('bad-stream', streamId);
      return 'bad-stream';
    }
    const payload = b.subarray(start + hdr, end);
    if (iData) reasm.addIData(streamId, u32(b, start + 8), u32(b, start + 12), flags, payload);
    else reasm.addData(tsn, streamId, u16(b, start + 6), u32(b, start + 8), flags, payload);
    return 'ok';
  }

  #drop(reason: string): 'dropped' {
    this.#drops.drop(reason);
    return 'dropped';
  }

  /** FORWARD-TSN / I-FORWARD-TSN (RFC 3758 §3.6, RFC 8260 §2.3). */
  onForwardTsn(newCumTsn: number, entries: ForwardTsnEntry[]): void {
    if (!this.#reasm) return;
    this.#data = true;
    if (!this.tracker.forwardTo(newCumTsn) && entries.length === 0) return;
    this.#reasm.forward(newCumTsn, entries);
  }

  /** After the packet's chunks: schedules the SACK; returns whether the cumulative TSN moved. */
  endPacket(now: number, ackNow: boolean): boolean {
    if (!this.#data) return false;
    this.#packetsSinceSack++;
    const gapChange = this.#hadGaps || this.tracker.hasGaps;
    if (gapChange || this.#immediate || this.tracker.dupCount > 0 || this.#packetsSinceSack >= 2 || ackNow) {
      this.sackNeeded = true;
      this.ackAt = undefined;
    } else if (this.ackAt === undefined) this.ackAt = now + this.#o.delayedAckMs;
    return this.tracker.cumTsn !== this.#cumBefore;
  }

  /** Bytes of the SACK to put in a packet with `room` bytes left, or 0; clears the pending SACK. */
  takeSack(room: number): number {
    if (!this.sackNeeded || !this.#reasm || room < 16) return 0;
    this.sackNeeded = false;
    this.ackAt = undefined;
    this.#packetsSinceSack = 0;
    return this.tracker.sackSize(room);
  }

  /** Messages discarded in reassembly: over the maximum message size or inconsistent fragments. */
  get droppedMessages(): number {
    return this.#reasm?.droppedMessages ?? 0;
  }

  resetStreams(ids: number[]): void {
    this.#reasm?.resetStreams(ids);
  }
}
