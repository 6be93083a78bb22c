import type { Clock, TimerHandle } from '../common/clock.js';
import type { TcpConnection } from '../transport/net.js';
import { StreamFramer } from '../turn/stream-framer.js';
import type { TurnClientTuple } from './allocation.js';

/** What a stream client needs from its server. */
export interface TurnStreamHost {
  readonly streamIdleMs: number;
  streamFrame(tuple: TurnClientTuple, frame: Buffer): void;
  streamDrop(reason: string, detail?: unknown): void;
  streamEnded(client: TurnStreamClient): void;
  hasAllocation(tuple: TurnClientTuple): boolean;
}

/**
 * One TCP or TLS client connection of the TURN server: splits the stream
 * into STUN and ChannelData messages (RFC 8656 §12.5, bounded by the
 * framer), and closes the connection when it carries no allocation for
 * `streamIdleMs` (a silent or finished client does not hold a socket).
 */
export class TurnStreamClient {
  readonly tuple: TurnClientTuple;
  readonly #host: TurnStreamHost;
  readonly #conn: TcpConnection;
  readonly #clock: Clock;
  readonly #framer = new StreamFramer();
  #timer: TimerHandle | undefined;
  #ended = false;

  constructor(host: TurnStreamHost, conn: TcpConnection, protocol: 'tcp' | 'tls', id: number, clock: Clock) {
    this.#host = host;
    this.#conn = conn;
    this.#clock = clock;
    this.tuple = { key: `s${id}`, protocol, remote: conn.remoteAddress, local: conn.localAddress, link: this };
  }

  start(initial?: Buffer): void {
    this.#conn.onClose(() => this.#end());
    this.#conn.onData((chunk) => this.#onData(chunk));
    this.#armIdle();
    if (initial && initial.length > 0) this.#onData(initial);
  }

  write(data: Uint8Array): void {
    if (!this.#ended) this.#conn.write(data);
  }

  #onData(chunk: Buffer): void {
    if (this.#ended) return;
    const frames = this.#framer.push(chunk);
    for (const f of frames) {
      if (this.#ended) return;
      this.#host.streamFrame(this.tuple, f);
    }
    if (this.#framer.failed) {
      this.#host.streamDrop('stream-out-of-sync', this.tuple.key);
      this.close();
    }
  }

  #armIdle(): void {
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = undefined;
      if (this.#ended) return;
      if (this.#host.hasAllocation(this.tuple)) return this.#armIdle();
      this.#host.streamDrop('stream-idle', this.tuple.key);
      this.close();
    }, this.#host.streamIdleMs);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#host.streamEnded(this);
  }

  close(): void {
    this.#conn.close();
    this.#end();
  }
}
