import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DropCounter } from '../common/drop-counter.js';
import { InvalidArgumentError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { SettingEngine } from '../peerconnection/setting-engine.js';
import { MAX_SIGNAL_BYTES } from './protocol.js';
import { SfuPeer } from './sfu-peer.js';
import { SfuRoom } from './sfu-room.js';

const log = getLogger('sfu');

export const DEFAULT_SFU_ROOM = 'lobby';
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface SfuServerOptions {
  /** Shared by every peer connection (one DTLS certificate, ICE and SRTP settings). */
  settingEngine?: SettingEngine;
  /** HTML served at `/` (the browser page), if any. */
  page?: string | Buffer;
  /** Path of the websocket endpoint; the room is its `room` query parameter. Default `/ws`. */
  path?: string;
  /** Peers one room admits; later ones are refused with an error message. Default 32. */
  maxPeersPerRoom?: number;
  /** Rooms open at once. Default 1000. */
  maxRooms?: number;
}

export interface SfuServerStats {
  rooms: number;
  peers: number;
  forwardedTracks: number;
  /** Signalling dropped, by reason (malformed JSON, unexpected answers, full rooms, …). */
  dropped: Record<string, number>;
}

/**
 * A websocket SFU (Pion's sfu-ws): browsers connect to `ws://host/ws?room=name`,
 * publish their camera and microphone, and receive every other peer's tracks
 * in the same room. Serves the page at `/` when given one. Use
 * {@link listen} for its own HTTP server, or {@link handleUpgrade} from yours.
 */
export class SfuServer {
  readonly drops = new DropCounter(log);
  readonly #o: Required<Pick<SfuServerOptions, 'path' | 'maxPeersPerRoom' | 'maxRooms'>> & SfuServerOptions;
  readonly #wss: WebSocketServer;
  readonly #rooms = new Map<string, SfuRoom>();
  #http: Server | undefined;
  #nextPeer = 1;
  #closed = false;

  constructor(options: SfuServerOptions = {}) {
    const maxPeersPerRoom = options.maxPeersPerRoom ?? 32;
    const maxRooms = options.maxRooms ?? 1000;
    if (!Number.isInteger(maxPeersPerRoom) || maxPeersPerRoom < 2) throw new InvalidArgumentError('maxPeersPerRoom must be an integer ≥ 2');
    if (!Number.isInteger(maxRooms) || maxRooms < 1) throw new InvalidArgumentError('maxRooms must be a positive integer');
    this.#o = { ...options, path: options.path ?? '/ws', maxPeersPerRoom, maxRooms };
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SIGNAL_BYTES });
  }

  get rooms(): ReadonlyMap<string, SfuRoom> {
    return this.#rooms;
  }

  stats(): SfuServerStats {
    let peers = 0;
    let forwardedTracks = 0;
    for (const r of this.#rooms.values()) {
      peers += r.peers.size;
      forwardedTracks += r.tracks.length;
    }
    return { rooms: this.#rooms.size, peers, forwardedTracks, dropped: this.drops.toJSON() };
  }

  /** Starts an HTTP server for the page and the websocket endpoint. */
  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.#closed) throw new InvalidArgumentError('the SFU server is closed');
    if (this.#http) throw new InvalidArgumentError('the SFU server is already listening');
    const http = (this.#http = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://sfu').pathname;
      if (this.#o.page !== undefined && req.method === 'GET' && (path === '/' || path === '/index.html')) {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(this.#o.page);
        return;
      }
      res.statusCode = 404;
      res.end('not found');
    }));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    return http.address() as AddressInfo;
  }

  /** Takes a websocket upgrade for the SFU's path (others are refused with 404). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sfu');
    const room = url.searchParams.get('room') ?? DEFAULT_SFU_ROOM;
    if (this.#closed || url.pathname !== this.#o.path || !ROOM_NAME.test(room)) {
      this.drops.drop(this.#closed ? 'closed' : 'bad-upgrade');
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, room));
  }

  /** Closes every peer and the HTTP server. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of [...this.#rooms.values()]) r.close();
    this.#rooms.clear();
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    const http = this.#http;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  #accept(ws: WebSocket, roomName: string): void {
    let room = this.#rooms.get(roomName);
    if (!room) {
      if (this.#rooms.size >= this.#o.maxRooms) return this.#refuse(ws, 'too-many-rooms', 'too many rooms');
      room = new SfuRoom(roomName);
      this.#rooms.set(roomName, room);
    }
    if (room.peers.size >= this.#o.maxPeersPerRoom) return this.#refuse(ws, 'room-full', `room ${roomName} is full`);
    const joined = room;
    const peer = new SfuPeer(`p${this.#nextPeer++}`, ws, this.#o.settingEngine, {
      published: (p, track) => joined.publish(p, track),
      keyFrameWanted: (track) => joined.requestKeyFrame(track),
      left: (p) => {
        joined.leave(p);
        if (joined.empty && this.#rooms.get(roomName) === joined) this.#rooms.delete(roomName);
      },
      dropped: (reason) => this.drops.drop(reason),
    });
    joined.join(peer);
  }

  #refuse(ws: WebSocket, reason: string, message: string): void {
    this.drops.drop(reason);
    ws.send(JSON.stringify({ type: 'error', message }));
    ws.close();
  }
}
