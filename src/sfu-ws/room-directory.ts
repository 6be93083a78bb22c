import { cryptoRng, TernError, type Rng } from '../index.js';
import type { SfuRole } from './protocol.js';

/**
 * Where rooms and join grants live. The SFU asks only this interface, so a
 * cluster (issue 17: a Redis directory placing rooms on nodes and workers)
 * can replace the in-process {@link LocalRoomDirectory} without touching the
 * rest. Every method is async for that reason; the local one resolves at once.
 */
export interface RoomDirectory {
  createRoom(init: RoomInit): Promise<RoomRecord>;
  getRoom(id: string): Promise<RoomRecord | undefined>;
  listRooms(): Promise<RoomRecord[]>;
  deleteRoom(id: string): Promise<void>;
  /** Issues a single-use grant to join `room` in `role`, expiring `ttlMs` after `nowMs`. */
  issueGrant(room: string, role: SfuRole, nowMs: number, ttlMs: number): Promise<JoinGrantRecord>;
  /** Redeems a grant once: undefined when unknown, already used or expired. */
  redeemGrant(token: string, nowMs: number): Promise<JoinGrantRecord | undefined>;
  close(): void;
}

export interface RoomInit {
  /** A fixed name (open rooms of the demo); otherwise a random id. */
  id?: string;
  maxParticipants: number;
  /** Created with the host secret: only the host link admits a host. Otherwise the first joiner is host. */
  secured: boolean;
}

export interface RoomRecord {
  readonly id: string;
  readonly maxParticipants: number;
  readonly secured: boolean;
  /** Invite keys carried by the links; exchanged for single-use grants. */
  readonly hostInvite: string;
  readonly participantInvite: string;
  /** The node (and worker) the room is placed on; 'local' in one process. */
  readonly node: string;
  readonly createdAtMs: number;
}

export interface JoinGrantRecord {
  /** Single-use, and the ICE password of the peer connection that redeems it. */
  readonly token: string;
  /** The ICE ufrag of that peer connection. */
  readonly ufrag: string;
  readonly room: string;
  readonly role: SfuRole;
  readonly expiresAtMs: number;
}

/** RFC 8445 §5.3 ice-chars without '+' and '/' (so tokens sit in URLs and JSON untouched). */
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random alphanumeric string; `length` × 5.95 bits (24 chars ≈ 142 bits, above the 128 an ICE password needs). */
export function randomAlnum(rng: Rng, length: number): string {
  const out: string[] = [];
  while (out.length < length) {
    for (const b of rng.bytes(length * 2)) {
      if (b >= 248) continue; // 248 = 4 × 62: keeps the choice uniform
      out.push(ALNUM[b % 62]!);
      if (out.length === length) break;
    }
  }
  return out.join('');
}

export const TOKEN_LENGTH = 24;
export const UFRAG_LENGTH = 8;
export const ROOM_ID_LENGTH = 10;

export interface LocalRoomDirectoryOptions {
  rng?: Rng;
  /** Rooms held at once; `createRoom` throws a RoomDirectoryError beyond it. */
  maxRooms?: number;
  /** Unredeemed grants held at once (expired ones are pruned first). */
  maxGrants?: number;
}

export type RoomDirectoryErrorCode = 'ERR_SFU_TOO_MANY_ROOMS' | 'ERR_SFU_TOO_MANY_GRANTS' | 'ERR_SFU_NO_ROOM' | 'ERR_SFU_DIRECTORY_UNAVAILABLE';

export class RoomDirectoryError extends TernError {
  constructor(code: RoomDirectoryErrorCode, message: string) {
    super(code, message);
  }
}

/** The in-process directory: two bounded maps. */
export class LocalRoomDirectory implements RoomDirectory {
  readonly #rng: Rng;
  readonly #maxRooms: number;
  readonly #maxGrants: number;
  readonly #rooms = new Map<string, RoomRecord>();
  readonly #grants = new Map<string, JoinGrantRecord>();

  constructor(options: LocalRoomDirectoryOptions = {}) {
    this.#rng = options.rng ?? cryptoRng;
    this.#maxRooms = options.maxRooms ?? 1000;
    this.#maxGrants = options.maxGrants ?? 10_000;
  }

  get grantCount(): number {
    return this.#grants.size;
  }

  createRoom(init: RoomInit): Promise<RoomRecord> {
    const existing = init.id !== undefined ? this.#rooms.get(init.id) : undefined;
    if (existing) return Promise.resolve(existing);
    if (this.#rooms.size >= this.#maxRooms) return Promise.reject(new RoomDirectoryError('ERR_SFU_TOO_MANY_ROOMS', 'too many rooms'));
    const room: RoomRecord = {
      id: init.id ?? randomAlnum(this.#rng, ROOM_ID_LENGTH),
      maxParticipants: init.maxParticipants,
      secured: init.secured,
      hostInvite: randomAlnum(this.#rng, TOKEN_LENGTH),
      participantInvite: randomAlnum(this.#rng, TOKEN_LENGTH),
      node: 'local',
      createdAtMs: Date.now(),
    };
    this.#rooms.set(room.id, room);
    return Promise.resolve(room);
  }

  getRoom(id: string): Promise<RoomRecord | undefined> {
    return Promise.resolve(this.#rooms.get(id));
  }

  listRooms(): Promise<RoomRecord[]> {
    return Promise.resolve([...this.#rooms.values()]);
  }

  deleteRoom(id: string): Promise<void> {
    this.#rooms.delete(id);
    for (const [token, g] of this.#grants) if (g.room === id) this.#grants.delete(token);
    return Promise.resolve();
  }

  issueGrant(room: string, role: SfuRole, nowMs: number, ttlMs: number): Promise<JoinGrantRecord> {
    if (!this.#rooms.has(room)) return Promise.reject(new RoomDirectoryError('ERR_SFU_NO_ROOM', `no room ${room}`));
    if (this.#grants.size >= this.#maxGrants) this.#prune(nowMs);
    if (this.#grants.size >= this.#maxGrants) return Promise.reject(new RoomDirectoryError('ERR_SFU_TOO_MANY_GRANTS', 'too many pending joins'));
    const grant: JoinGrantRecord = { token: randomAlnum(this.#rng, TOKEN_LENGTH), ufrag: randomAlnum(this.#rng, UFRAG_LENGTH), room, role, expiresAtMs: nowMs + ttlMs };
    this.#grants.set(grant.token, grant);
    return Promise.resolve(grant);
  }

  redeemGrant(token: string, nowMs: number): Promise<JoinGrantRecord | undefined> {
    const g = this.#grants.get(token);
    if (!g) return Promise.resolve(undefined);
    this.#grants.delete(token);
    return Promise.resolve(g.expiresAtMs > nowMs && this.#rooms.has(g.room) ? g : undefined);
  }

  close(): void {
    this.#rooms.clear();
    this.#grants.clear();
  }

  #prune(nowMs: number): void {
    for (const [token, g] of this.#grants) if (g.expiresAtMs <= nowMs) this.#grants.delete(token);
  }
}
