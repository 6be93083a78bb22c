import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { IceMuxServer, InvalidArgumentError, SettingEngine, systemClock, type Clock, type TimerHandle } from '../index.js';
import { resolveSfuOptions, type ResolvedSfuOptions, type SfuServerOptions } from './config.js';
import { HttpRefusal, routeHttp } from './http-routes.js';
import { sfuLog } from './log.js';
import { prometheusText } from './metrics.js';
import { Participant, type SignalChannel } from './participant.js';
import { SfuErrorCode, type SfuJoinGrant, type SfuRoomCreated } from './protocol.js';
import { SfuRoom } from './room.js';
import { LocalRoomDirectory, RoomDirectoryError, type RoomDirectory, type RoomRecord } from './room-directory.js';
import { collectSfuStats, type SfuStats } from './stats.js';
import { WsSignalling, type JoinRedirect } from './ws-signalling.js';

const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** A room created with POST /rooms is forgotten after staying empty this long. */
export const EMPTY_ROOM_TTL_MS = 10 * 60_000;

/**
 * A websocket SFU with rooms. A room is created with `POST /rooms` (host
 * secret) or, for open rooms, by joining it; `POST /rooms/:room/join` with an
 * invite returns a single-use, expiring token; the client sends it in its
 * first websocket message, and the server makes it the ICE password of that
 * client's peer connection, so only an admitted client can complete ICE.
 * Media uses one UDP and one TCP port for every peer by default.
 */
export class SfuServer {
  readonly #o: ResolvedSfuOptions;
  readonly #clock: Clock;
  readonly #directory: RoomDirectory;
  readonly #rooms = new Map<string, SfuRoom>();
  readonly #signalling: WsSignalling;
  #engine: SettingEngine;
  #mux: IceMuxServer | undefined;
  #http: Server | undefined;
  #nextPeer = 1;
  #closed = false;
  /** Created rooms with nobody in them, and when they are forgotten. */
  readonly #emptyTimers = new Map<string, TimerHandle>();
  /** Open rooms (named by their first joiner), deleted as soon as they empty. */
  readonly #openNames = new Set<string>();

  constructor(options: SfuServerOptions = {}) {
    this.#o = resolveSfuOptions(options);
    this.#clock = options.clock ?? systemClock;
    this.#directory = options.directory ?? new LocalRoomDirectory({ maxRooms: this.#o.maxRooms, ...(options.rng ? { rng: options.rng } : {}) });
    this.#engine = options.settingEngine ?? new SettingEngine();
    this.#signalling = new WsSignalling(this.#o, { join: (token, channel) => this.#join(token, channel) }, this.#clock);
  }

  get rooms(): ReadonlyMap<string, SfuRoom> {
    return this.#rooms;
  }

  get directory(): RoomDirectory {
    return this.#directory;
  }

  /** The single-port media server, once listening in that mode. */
  get mux(): IceMuxServer | undefined {
    return this.#mux;
  }

  get signallingDrops(): Record<string, number> {
    return this.#signalling.drops.toJSON();
  }

  /** The `GET /stats` document. */
  stats(): Promise<SfuStats> {
    return collectSfuStats(this.#rooms.values(), { node: this.#o.nodeId ?? 'local', connections: this.#signalling.connections, mux: this.#mux?.stats ?? null, dropped: this.#signalling.drops.toJSON() });
  }

  /** The directory's rooms (every node's, in a cluster) without their invites: the `GET /rooms` document. */
  async listRooms(): Promise<{ node: string; rooms: { id: string; node: string; maxParticipants: number; peersHere: number; createdAtMs: number }[] }> {
    const records = await this.#directory.listRooms().catch((err: unknown) => {
      throw err instanceof RoomDirectoryError ? new HttpRefusal(503, 'unavailable', err.message) : err;
    });
    return {
      node: this.#o.nodeId ?? 'local',
      rooms: records.map((r) => ({ id: r.id, node: r.node, maxParticipants: r.maxParticipants, peersHere: this.#rooms.get(r.id)?.peers.size ?? 0, createdAtMs: r.createdAtMs })),
    };
  }

  /**
   * Closes room `id` here and tells its clients `{type:'reconnect', room}`:
   * for a room that now runs elsewhere (a cluster moved it). They ask for a
   * new join token and land on the room's node. False when it is not open here.
   */
  evictRoom(id: string): boolean {
    const room = this.#rooms.get(id);
    const timer = this.#emptyTimers.get(id);
    if (timer !== undefined) this.#clock.clearTimer(timer);
    this.#emptyTimers.delete(id);
    this.#openNames.delete(id);
    if (!room) return false;
    this.#rooms.delete(id);
    sfuLog.info(`room ${id} evicted: clients reconnect to its new node`);
    room.close({ type: 'reconnect', room: id });
    return true;
  }

  /**
   * Takes on the lifetime of room `id`, placed on this server by a shared
   * directory (possibly through another node): forgotten if nobody joins it
   * within {@link EMPTY_ROOM_TTL_MS}, like a room created here. No-op when it
   * is already running or waiting here.
   */
  adoptRoom(id: string): void {
    if (this.#closed || this.#rooms.has(id) || this.#emptyTimers.has(id)) return;
    this.#forgetWhenEmpty(id);
  }

  /** Binds the media port(s) (single-port mode) and starts an HTTP server for the page, the routes and the websocket. */
  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.#closed) throw new InvalidArgumentError('the SFU server is closed');
    if (this.#http) throw new InvalidArgumentError('the SFU server is already listening');
    await this.startMedia();
    const http = (this.#http = createServer((req, res) => void routeHttp(req, res, this.#handlers())));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const address = http.address() as AddressInfo;
    sfuLog.info(`listening on http://${host}:${address.port}${this.#mux ? `, media on udp ${this.#mux.udpAddress?.port ?? '-'} / tcp ${this.#mux.tcpAddress?.port ?? '-'}` : ''}`);
    return address;
  }

  /** Binds the single-port media server (also done by {@link listen}); for use with your own HTTP server. */
  async startMedia(): Promise<void> {
    const m = this.#o.media;
    if (m.mode !== 'single-port' || this.#mux) return;
    this.#mux = await IceMuxServer.listen({
      udp: { address: m.address, port: m.udpPort },
      ...(m.tcpPort !== undefined ? { tcp: { address: m.address, port: m.tcpPort } } : {}),
    });
    const engine = this.#engine.clone();
    engine.setICEMux(this.#mux);
    const types = engine.values.networkTypes;
    if (m.tcpPort !== undefined && types && !types.includes('tcp4')) engine.setNetworkTypes([...types, 'tcp4']);
    this.#engine = engine;
  }

  /** HTTP routes, for use from your own HTTP server. */
  handleRequest(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    void routeHttp(req, res, this.#handlers());
  }

  /** Takes a websocket upgrade for the SFU's path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#signalling.handleUpgrade(req, socket, head);
  }

  /** Graceful shutdown: tells every client, closes every peer connection, the websocket and HTTP servers and the media ports. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of [...this.#rooms.values()]) r.close({ type: 'shutdown' });
    this.#rooms.clear();
    for (const t of this.#emptyTimers.values()) this.#clock.clearTimer(t);
    this.#emptyTimers.clear();
    await this.#signalling.close({ type: 'shutdown' });
    this.#directory.close();
    this.#mux?.close();
    const http = this.#http;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  /** Forgets room `id` when nobody has joined it within `afterMs` (created rooms: `emptyRoomTtlMs`, default {@link EMPTY_ROOM_TTL_MS}). */
  #forgetWhenEmpty(id: string, afterMs = this.#o.emptyRoomTtlMs ?? EMPTY_ROOM_TTL_MS): void {
    const old = this.#emptyTimers.get(id);
    if (old !== undefined) this.#clock.clearTimer(old);
    this.#emptyTimers.set(
      id,
      this.#clock.setTimer(() => {
        this.#emptyTimers.delete(id);
        if (this.#closed || (this.#rooms.get(id)?.peers.size ?? 0) > 0) return;
        this.#openNames.delete(id);
        this.#forget(id);
      }, afterMs),
    );
  }

  /** Deletes room `id` from the directory; a directory that is away (a cluster's Redis) is logged, and its record then expires there by itself. */
  #forget(id: string): void {
    this.#directory.deleteRoom(id).catch((err: unknown) => sfuLog.debug(`room ${id}: not deleted from the directory: ${(err as Error).message}`));
  }

  #handlers(): Parameters<typeof routeHttp>[2] {
    return {
      page: this.#o.page,
      hostSecret: this.#o.hostSecret,
      createRoom: (body, base) => this.#createRoom(body, base),
      join: (room, body) => this.#grant(room, body),
      stats: () => this.stats(),
      listRooms: () => this.listRooms(),
      metrics: async () => prometheusText(await this.stats()),
    };
  }

  async #createRoom(body: Record<string, unknown>, base: string): Promise<SfuRoomCreated> {
    const asked = body['maxParticipants'];
    if (asked !== undefined && (typeof asked !== 'number' || !Number.isInteger(asked) || asked < 2)) throw new HttpRefusal(400, 'bad-request', 'maxParticipants must be an integer ≥ 2');
    const maxParticipants = Math.min(asked ?? this.#o.maxParticipants, this.#o.maxParticipants);
    const room = await this.#directory.createRoom({ maxParticipants, secured: this.#o.hostSecret !== undefined }).catch((err: unknown) => {
      throw err instanceof RoomDirectoryError ? new HttpRefusal(503, 'too-many-rooms', err.message) : err;
    });
    const root = this.#o.publicUrl ?? base;
    sfuLog.info(`room ${room.id} created on ${room.node}`);
    // The node that runs a room forgets it; a room placed elsewhere is that node's to forget.
    if (await this.#runsHere(room)) this.#forgetWhenEmpty(room.id);
    return {
      room: room.id,
      hostLink: `${root}/?room=${room.id}&invite=${room.hostInvite}`,
      participantLink: `${root}/?room=${room.id}&invite=${room.participantInvite}`,
      maxParticipants,
    };
  }

  async #grant(roomId: string, body: Record<string, unknown>): Promise<SfuJoinGrant> {
    if (this.#closed) throw new HttpRefusal(503, SfuErrorCode.shuttingDown, 'shutting down');
    const invite = body['invite'];
    if (invite !== undefined && typeof invite !== 'string') throw new HttpRefusal(400, 'bad-request', 'invite must be a string');
    let record = await this.#directory.getRoom(roomId).catch((err: unknown) => {
      throw err instanceof RoomDirectoryError ? new HttpRefusal(503, 'unavailable', err.message) : err;
    });
    if (!record) {
      if (!this.#o.openRooms || invite !== undefined || !ROOM_NAME.test(roomId)) throw new HttpRefusal(404, 'no-room', `no room ${roomId}`);
      record = await this.#directory.createRoom({ id: roomId, maxParticipants: this.#o.maxParticipants, secured: false }).catch((err: unknown) => {
        throw err instanceof RoomDirectoryError ? new HttpRefusal(503, 'too-many-rooms', err.message) : err;
      });
      if (await this.#runsHere(record)) {
        this.#openNames.add(roomId);
        // A grant that is never redeemed must not keep the open room forever.
        this.#forgetWhenEmpty(roomId, this.#o.joinTokenTtlMs + 1000);
      }
    }
    let role: 'host' | 'participant';
    if (invite !== undefined && invite === record.hostInvite) role = 'host';
    else if (invite !== undefined && invite === record.participantInvite) role = 'participant';
    else if (invite === undefined && this.#o.openRooms && !record.secured) role = 'participant';
    else throw new HttpRefusal(403, 'bad-invite', 'this invite does not admit to the room');
    if (this.#rooms.get(roomId)?.full) throw new HttpRefusal(409, SfuErrorCode.roomFull, `room ${roomId} is full`);
    const grant = await this.#directory.issueGrant(roomId, role, this.#clock.wallMs(), this.#o.joinTokenTtlMs).catch((err: unknown) => {
      throw err instanceof RoomDirectoryError ? new HttpRefusal(503, 'busy', err.message) : err;
    });
    return { room: roomId, token: grant.token, expiresInMs: this.#o.joinTokenTtlMs, iceServers: this.#o.iceServers };
  }

  /** True when `record` runs on this server (always, without `locateRoom`); false when elsewhere or unknown. */
  async #runsHere(record: RoomRecord): Promise<boolean> {
    if (!this.#o.locateRoom) return true;
    return (await this.#o.locateRoom(record).catch(() => 'unreachable')) === undefined;
  }

  async #join(token: string, channel: SignalChannel): Promise<Participant | JoinRedirect | { code: SfuErrorCode; message: string }> {
    if (this.#closed) return { code: SfuErrorCode.shuttingDown, message: 'shutting down' };
    const grant = await this.#directory.redeemGrant(token, this.#clock.wallMs());
    if (!grant) return { code: SfuErrorCode.badToken, message: 'unknown, used or expired join token' };
    const record = await this.#directory.getRoom(grant.room);
    if (!record || this.#closed) return { code: SfuErrorCode.roomGone, message: `room ${grant.room} is gone` };
    if (this.#o.locateRoom) {
      let elsewhere: string | undefined;
      try {
        elsewhere = await this.#o.locateRoom(record);
      } catch (err) {
        sfuLog.debug(`room ${record.id}: its node is unreachable: ${(err as Error).message}`);
        return { code: SfuErrorCode.roomMoving, message: `room ${record.id} is moving to another node; join again shortly` };
      }
      if (elsewhere !== undefined) {
        // The token this connection used is spent: hand over a fresh one for the room's node.
        const fresh = await this.#directory.issueGrant(record.id, grant.role, this.#clock.wallMs(), this.#o.joinTokenTtlMs);
        return { redirect: elsewhere, token: fresh.token };
      }
      if (this.#closed) return { code: SfuErrorCode.shuttingDown, message: 'shutting down' };
    }
    const timer = this.#emptyTimers.get(record.id);
    if (timer !== undefined) this.#clock.clearTimer(timer);
    this.#emptyTimers.delete(record.id);
    let room = this.#rooms.get(record.id);
    if (!room) {
      room = new SfuRoom(record, this.#clock);
      this.#rooms.set(record.id, room);
    }
    if (room.full) return { code: SfuErrorCode.roomFull, message: `room ${record.id} is full` };
    const joined = room;
    // Per-peer ICE credentials: the single-use token is this connection's ICE password.
    const engine = this.#engine.clone();
    engine.setICECredentials(grant.ufrag, grant.token);
    const p = new Participant({
      id: `p${this.#nextPeer++}`,
      role: room.roleFor(grant.role),
      channel,
      settingEngine: engine,
      iceServers: this.#o.iceServers,
      clock: this.#clock,
      answerTimeoutMs: this.#o.answerTimeoutMs,
      events: {
        published: (peer, e) => joined.publish(peer, e),
        removeRequested: (peer, id) => {
          if (!joined.remove(peer, id)) peer.send({ type: 'error', code: SfuErrorCode.forbidden, message: peer.role === 'host' ? `no participant ${id}` : 'only the host removes participants' });
        },
        left: (peer, reason) => {
          sfuLog.debug(`${peer.id} left room ${joined.id}: ${reason}`);
          joined.leave(peer);
          if (joined.empty && this.#rooms.get(joined.id) === joined) {
            this.#rooms.delete(joined.id);
            // Open rooms exist while someone is in them; created rooms are forgotten after staying empty a while.
            if (this.#closed) return;
            if (this.#openNames.has(joined.id)) {
              this.#openNames.delete(joined.id);
              this.#forget(joined.id);
            } else this.#forgetWhenEmpty(joined.id);
          }
        },
      },
    });
    room.join(p);
    return p;
  }
}
