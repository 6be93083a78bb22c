import type { RTCDataChannel } from '../../src/datachannel/rtc-data-channel.js';

/**
 * 1,000 message sizes from 1 B to 256 KiB: mostly small, every tenth 16 KiB,
 * every hundredth the largest (capped to what the channel may send).
 */
export function mixedSizes(count = 1000, max = 256 * 1024): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 100 === 99) out.push(max);
    else if (i % 10 === 5) out.push(Math.min(max, 16 * 1024));
    else out.push(1 + ((i * 7919) % 1200));
  }
  out[0] = 1;
  return out;
}

export function pattern(i: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let j = 0; j < size; j++) b[j] = (i * 31 + j) & 0xff;
  return b;
}

function toBuffer(data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new Error(`unexpected message type ${typeof data}`);
}

/**
 * Sends `sizes.length` binary messages on `channel` (an echoing peer on the
 * other side), pacing on bufferedAmount, and checks every echo arrives in
 * order with the right bytes. Resolves with the elapsed milliseconds.
 */
export function echoMessages(channel: RTCDataChannel, sizes: number[], timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    let next = 0;
    let got = 0;
    const timer = setTimeout(() => reject(new Error(`echo timed out: sent ${next}, received ${got} of ${sizes.length}`)), timeoutMs);
    channel.binaryType = 'arraybuffer';
    const pump = (): void => {
      while (next < sizes.length && channel.bufferedAmount < 1024 * 1024) {
        channel.send(pattern(next, sizes[next]!));
        next++;
      }
    };
    channel.bufferedAmountLowThreshold = 256 * 1024;
    channel.onbufferedamountlow = pump;
    channel.onmessage = (e) => {
      const b = toBuffer(e.data);
      const want = pattern(got, sizes[got]!);
      if (!b.equals(want)) {
        clearTimeout(timer);
        reject(new Error(`echo ${got}: got ${b.length} bytes, want ${want.length}`));
        return;
      }
      got++;
      if (got === sizes.length) {
        clearTimeout(timer);
        resolve(Date.now() - start);
      }
    };
    pump();
  });
}

/** Resolves when the channel is open (at once if it is). */
export function whenOpen(channel: { readyState: string; addEventListener(t: string, l: () => void): void }, ms = 15_000): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('channel did not open')), ms);
    channel.addEventListener('open', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Resolves when the channel is closed. */
export function whenClosed(channel: { readyState: string; addEventListener(t: string, l: () => void): void }, ms = 15_000): Promise<void> {
  if (channel.readyState === 'closed') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`channel did not close (state ${channel.readyState})`)), ms);
    channel.addEventListener('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
