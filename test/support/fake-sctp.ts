import { DataChannelRegistry, type DataChannelSctp } from '../../src/datachannel/data-channel-registry.js';
import type { RTCDataChannel } from '../../src/datachannel/rtc-data-channel.js';

/**
 * Two data-channel registries joined by an in-memory stand-in for an SCTP
 * association: messages, resets and buffered amounts, delivered on a
 * microtask (so ordering matches an asynchronous network).
 */
export class FakeSctp implements DataChannelSctp {
  peer!: FakeSctp;
  readonly sent: { streamId: number; ppid: number; data: Uint8Array; options: unknown }[] = [];
  readonly buffered = new Map<number, number>();
  readonly thresholds = new Map<number, number>();
  /** While true, sent messages stay buffered (a peer that does not read). */
  stalled = false;
  #held: (() => void)[] = [];

  constructor(readonly registry: DataChannelRegistry) {}

  send(streamId: number, ppid: number, data: Uint8Array, options?: unknown): void {
    const copy = Uint8Array.from(data);
    this.sent.push({ streamId, ppid, data: copy, options });
    this.buffered.set(streamId, (this.buffered.get(streamId) ?? 0) + copy.length);
    const deliver = (): void => {
      const b = (this.buffered.get(streamId) ?? 0) - copy.length;
      this.buffered.set(streamId, b);
      this.peer.registry.handleMessage(streamId, ppid, copy);
      const t = this.thresholds.get(streamId) ?? 0;
      if (b <= t && b + copy.length > t) this.registry.handleBufferedAmountLow(streamId);
    };
    if (this.stalled) this.#held.push(deliver);
    else queueMicrotask(deliver);
  }

  release(): void {
    this.stalled = false;
    for (const d of this.#held.splice(0)) queueMicrotask(d);
  }

  resetStreams(streamIds: number[]): void {
    queueMicrotask(() => {
      this.peer.registry.handleStreamReset(streamIds);
      this.registry.handleOutgoingResetDone(streamIds);
    });
  }

  bufferedAmount(streamId: number): number {
    return this.buffered.get(streamId) ?? 0;
  }

  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    this.thresholds.set(streamId, bytes);
  }
}

export function fakePair(opts: { maxMessageSize?: number; highWaterMark?: number } = {}) {
  const incoming: { a: RTCDataChannel[]; b: RTCDataChannel[] } = { a: [], b: [] };
  const mk = (list: RTCDataChannel[]) =>
    new DataChannelRegistry({
      maxMessageSize: () => opts.maxMessageSize ?? 262144,
      onDataChannel: (c) => list.push(c),
      ...(opts.highWaterMark !== undefined ? { highWaterMark: opts.highWaterMark } : {}),
    });
  const a = mk(incoming.a);
  const b = mk(incoming.b);
  a.setRole('client');
  b.setRole('server');
  const sa = new FakeSctp(a);
  const sb = new FakeSctp(b);
  sa.peer = sb;
  sb.peer = sa;
  const connect = (): void => {
    a.handleConnected(sa, 1024, 1024);
    b.handleConnected(sb, 1024, 1024);
  };
  return { a, b, sa, sb, incoming, connect };
}

export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
