import { Duplex } from 'node:stream';

/**
 * What the stream needs of its channel: the part of `RTCDataChannel` it drives
 * (structural, so the channel and its stream do not import each other).
 */
export interface StreamableChannel {
  readonly label: string;
  readonly readyState: 'connecting' | 'open' | 'closing' | 'closed';
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  sctpMaxMessageSize(): number;
  send(data: Uint8Array): void;
  close(): void;
  addEventListener(type: 'bufferedamountlow' | 'open' | 'close', listener: () => void): void;
  removeEventListener(type: 'bufferedamountlow' | 'open' | 'close', listener: () => void): void;
}

export interface DataChannelStreamOptions {
  /** A write completes at once while `bufferedAmount` is at or below this; above, it waits. Default 1 MiB. */
  highWaterMark?: number;
  /** Waiting writes resume when `bufferedAmount` falls to this (`bufferedAmountLowThreshold`). Default 256 KiB. */
  lowWaterMark?: number;
  /** Largest message one write is cut into (bytes; never above the channel's `maxMessageSize`). Default 64 KiB. */
  chunkSize?: number;
}

export const DEFAULT_STREAM_HIGH_WATER = 1024 * 1024;
export const DEFAULT_STREAM_LOW_WATER = 256 * 1024;
export const DEFAULT_STREAM_CHUNK = 64 * 1024;

export interface ChannelStreamParts {
  stream: Duplex;
  /** Called by the channel with each received message. */
  sink(message: Buffer | string): void;
  /** Called by the channel when it closes. */
  end(): void;
}

/**
 * The Duplex behind `RTCDataChannel.stream()`. Writing side: each chunk is
 * sent as one or more messages; the write callback waits while the
 * channel's `bufferedAmount` is above the high-water mark and resumes at the
 * `bufferedamountlow` event, so `pipeline(fs.createReadStream(f), stream)`
 * holds at most about `highWaterMark` plus one chunk in memory. Reading side:
 * each message is pushed as a Buffer. SCTP has no way to tell a sender to
 * pause per stream except its receive window, so a reader that stops reading
 * lets Node's readable buffer grow; read promptly.
 */
export function createChannelStream(channel: StreamableChannel, options: DataChannelStreamOptions): ChannelStreamParts {
  const high = options.highWaterMark ?? DEFAULT_STREAM_HIGH_WATER;
  const low = Math.min(options.lowWaterMark ?? DEFAULT_STREAM_LOW_WATER, high);
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_STREAM_CHUNK);
  let waiting: (() => void) | undefined;
  let ended = false;

  const wake = (): void => {
    const w = waiting;
    waiting = undefined;
    w?.();
  };
  channel.addEventListener('bufferedamountlow', wake);
  channel.addEventListener('open', wake);
  channel.addEventListener('close', wake);

  const whenWritable = (fn: (err?: Error) => void): void => {
    const check = (): void => {
      const s = channel.readyState;
      if (s === 'closing' || s === 'closed') return fn(new Error(`data channel ${channel.label} is ${s}`));
      if (s === 'connecting' || channel.bufferedAmount > high) {
        waiting = check;
        return;
      }
      fn();
    };
    check();
  };

  const stream = new Duplex({
    // The readable side is fed by the channel, never pulled.
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      whenWritable((err) => {
        if (err) return callback(err);
        try {
          const max = Math.min(chunkSize, channel.sctpMaxMessageSize());
          for (let off = 0; off < chunk.length; off += max) channel.send(chunk.subarray(off, Math.min(chunk.length, off + max)));
        } catch (e) {
          return callback(e as Error);
        }
        whenWritable(callback);
      });
    },
    final(callback) {
      // Close once everything queued has left: wait for a buffer of zero.
      const finish = (): void => {
        if (channel.readyState === 'open' && channel.bufferedAmount > 0) {
          waiting = finish;
          return;
        }
        channel.close();
        callback();
      };
      channel.bufferedAmountLowThreshold = 0;
      finish();
    },
    destroy(err, callback) {
      waiting = undefined;
      channel.removeEventListener('bufferedamountlow', wake);
      channel.removeEventListener('open', wake);
      channel.removeEventListener('close', wake);
      if (channel.readyState === 'open' || channel.readyState === 'connecting') channel.close();
      callback(err);
    },
  });
  channel.bufferedAmountLowThreshold = low;

  return {
    stream,
    sink(message) {
      if (!ended) stream.push(typeof message === 'string' ? Buffer.from(message) : message);
    },
    end() {
      if (ended) return;
      ended = true;
      stream.push(null);
      wake();
    },
  };
}
