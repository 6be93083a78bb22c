import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DropCounter, type Clock, type TimerHandle } from '../index.js';
import type { ResolvedSfuOptions } from './config.js';
import { AddressCounter, TokenBucket } from './limits.js';
import { sfuLog } from './log.js';
import type { Participant, SignalChannel } from './participant.js';
import { MAX_SIGNAL_BYTES, parseClientMessage, SfuErrorCode, type SfuServerMessage } from './protocol.js';

/** Frames larger than this close the websocket outright (1009); up to it, an oversized message gets an error reply. */
export const MAX_FRAME_BYTES = 4 * MAX_SIGNAL_BYTES;

/** What the signalling edge needs from the server: admitting a joined client. */
export interface SignallingHost {
  /** Redeems `token` and joins its room; resolves the participant, or the error code to send. */
  join(token: string, channel: SignalChannel, address: string): Promise<Participant | JoinRedirect | { code: SfuErrorCode; message: string }>;
}

/** The room runs on another node: the client reconnects to `url` with the fresh `token`. */
export interface JoinRedirect {
  redirect: string;
  token: string;
}

interface Client {
  readonly ws: WebSocket;
  readonly address: string;
  readonly bucket: TokenBucket;
  alive: boolean;
  joining: boolean;
  participant: Participant | undefined;
  joinTimer: TimerHandle | undefined;
}

/**
 * The websocket edge: Origin allow-list, per-address connection limit,
 * per-client message rate limit, typed validation with size caps,
 * ping/pong, and the join handshake. Every refusal is an `error` message to
 * that client only; drops are counted by reason.
 */
export class WsSignalling {
  readonly drops = new DropCounter(sfuLog);
  readonly #o: ResolvedSfuOptions;
  readonly #host: SignallingHost;
  readonly #clock: Clock;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  readonly #clients = new Set<Client>();
  readonly #perAddress: AddressCounter;
  #pingTimer: TimerHandle | undefined;
  #closed = false;

  constructor(o: ResolvedSfuOptions, host: SignallingHost, clock: Clock) {
    this.#o = o;
    this.#host = host;
    this.#clock = clock;
    this.#perAddress = new AddressCounter(o.maxConnectionsPerAddress);
    this.#armPing();
  }

  get connections(): number {
    return this.#clients.size;
  }

  /** Takes a websocket upgrade; refuses a bad path (404), a foreign Origin (403) or a closing server (503). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://sfu').pathname;
    if (this.#closed || path !== this.#o.path) return this.#refuseUpgrade(socket, this.#closed ? 503 : 404, this.#closed ? 'closed' : 'bad-path');
    if (!this.originAllowed(req)) return this.#refuseUpgrade(socket, 403, 'origin');
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req.socket.remoteAddress ?? '?'));
  }

  /** No Origin (a non-browser client), the page's own origin, or a listed one; anything when no list is set. */
  originAllowed(req: IncomingMessage): boolean {
    const allowed = this.#o.allowedOrigins;
    const origin = req.headers.origin;
    if (allowed === undefined || origin === undefined) return true;
    if (allowed.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  /** Tells every client `notice` and closes every websocket. */
  async close(notice?: SfuServerMessage): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pingTimer !== undefined) this.#clock.clearTimer(this.#pingTimer);
    for (const c of [...this.#clients]) {
      if (notice && !c.participant) this.#send(c, notice);
      c.ws.close(1001, 'server shutting down');
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 50).unref());
    for (const c of this.#wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(ws: WebSocket, address: string): void {
    if (this.#closed) return ws.terminate();
    if (!this.#perAddress.acquire(address)) {
      this.drops.drop('too-many-connections');
      ws.send(JSON.stringify({ type: 'error', code: SfuErrorCode.tooManyConnections, message: `at most ${this.#o.maxConnectionsPerAddress} connections per address` }));
      ws.close(1008, 'too many connections');
      return;
    }
    const c: Client = {
      ws,
      address,
      bucket: new TokenBucket(this.#o.messageRatePerSec, this.#o.messageBurst, this.#clock.now()),
      alive: true,
      joining: false,
      participant: undefined,
      joinTimer: undefined,
    };
    this.#clients.add(c);
    c.joinTimer = this.#clock.setTimer(() => {
      c.joinTimer = undefined;
      if (c.participant || c.joining) return;
      this.#error(c, SfuErrorCode.joinTimeout, 'no join in time');
      ws.close(1008, 'join timeout');
    }, this.#o.joinTimeoutMs);
    ws.on('pong', () => (c.alive = true));
    ws.on('message', (data, isBinary) => {
      try {
        this.#onMessage(c, data as Buffer, isBinary);
      } catch (err) {
        this.drops.drop('handler-error', err);
      }
    });
    ws.on('close', () => this.#gone(c, 'websocket closed'));
    ws.on('error', (err) => {
      sfuLog.debug(`websocket from ${address}: ${err.message}`);
      this.#gone(c, 'websocket error');
    });
  }

  #onMessage(c: Client, data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (!c.bucket.take(this.#clock.now())) {
      this.drops.drop('rate-limited');
      return this.#error(c, SfuErrorCode.rateLimited, `more than ${this.#o.messageRatePerSec} messages per second`);
    }
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (isBinary || size > MAX_SIGNAL_BYTES) {
      this.drops.drop(isBinary ? 'binary' : 'oversized');
      return this.#error(c, SfuErrorCode.badMessage, isBinary ? 'binary messages are not accepted' : `messages are limited to ${MAX_SIGNAL_BYTES} bytes`);
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as ArrayBuffer).toString();
    const msg = parseClientMessage(text);
    if (msg === undefined) {
      this.drops.drop('malformed');
      return this.#error(c, SfuErrorCode.badMessage, 'malformed message');
    }
    if (c.participant) return c.participant.onMessage(msg);
    if (msg.type !== 'join' || c.joining) {
      this.drops.drop('not-joined');
      return this.#error(c, SfuErrorCode.badMessage, 'send join first');
    }
    c.joining = true;
    const channel: SignalChannel = { send: (m) => this.#send(c, m), close: () => c.ws.close(1000) };
    this.#host.join(msg.token, channel, c.address).then(
      (r) => {
        c.joining = false;
        if ('redirect' in r) {
          this.#send(c, { type: 'redirect', url: r.redirect, token: r.token });
          c.ws.close(1000, 'redirect');
          return;
        }
        if ('code' in r) {
          this.drops.drop(r.code);
          this.#error(c, r.code, r.message);
          c.ws.close(1008, r.code);
          return;
        }
        if (!this.#clients.has(c)) return r.close('websocket closed');
        c.participant = r;
      },
      (err: Error) => {
        c.joining = false;
        this.drops.drop('join-failed', err);
        this.#error(c, SfuErrorCode.badToken, 'join failed');
        c.ws.close(1011);
      },
    );
  }

  #gone(c: Client, reason: string): void {
    if (!this.#clients.delete(c)) return;
    this.#perAddress.release(c.address);
    if (c.joinTimer !== undefined) this.#clock.clearTimer(c.joinTimer);
    c.participant?.close(reason);
  }

  #armPing(): void {
    this.#pingTimer = this.#clock.setTimer(() => {
      for (const c of this.#clients) {
        if (!c.alive) {
          this.drops.drop('ping-timeout');
          c.ws.terminate();
          this.#gone(c, 'ping timeout');
          continue;
        }
        c.alive = false;
        c.ws.ping();
      }
      if (!this.#closed) this.#armPing();
    }, this.#o.pingIntervalMs);
  }

  #error(c: Client, code: SfuErrorCode, message: string): void {
    this.#send(c, { type: 'error', code, message });
  }

  #send(c: Client, msg: SfuServerMessage): void {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(msg));
  }

  #refuseUpgrade(socket: Duplex, status: number, reason: string): void {
    this.drops.drop(`upgrade-${reason}`);
    const text = status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Service Unavailable';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  }
}
