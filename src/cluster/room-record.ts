import type { JoinGrantRecord, RoomRecord, SfuRole } from '../sfu-ws/index.js';
import { isValidId, MAX_RECORD_BYTES } from './keys.js';

/**
 * Room and grant records as stored in Redis (JSON). What comes back is
 * checked field by field: a corrupt or foreign value reads as absent.
 */

function parseObject(raw: string): Record<string, unknown> | undefined {
  if (raw.length > MAX_RECORD_BYTES) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isRole = (v: unknown): v is SfuRole => v === 'host' || v === 'participant';

export function encodeRoom(r: RoomRecord): string {
  return JSON.stringify({
    id: r.id,
    maxParticipants: r.maxParticipants,
    secured: r.secured,
    hostInvite: r.hostInvite,
    participantInvite: r.participantInvite,
    node: r.node,
    createdAtMs: r.createdAtMs,
  });
}

export function parseRoom(raw: string): RoomRecord | undefined {
  const o = parseObject(raw);
  if (!o) return undefined;
  const { id, maxParticipants, secured, hostInvite, participantInvite, node, createdAtMs } = o;
  if (typeof id !== 'string' || !isValidId(id) || typeof node !== 'string' || !isValidId(node)) return undefined;
  if (!isNum(maxParticipants) || typeof secured !== 'boolean' || !isStr(hostInvite) || !isStr(participantInvite) || !isNum(createdAtMs)) return undefined;
  return { id, maxParticipants, secured, hostInvite, participantInvite, node, createdAtMs };
}

export function encodeGrant(g: JoinGrantRecord): string {
  return JSON.stringify({ token: g.token, ufrag: g.ufrag, room: g.room, role: g.role, expiresAtMs: g.expiresAtMs });
}

export function parseGrant(raw: string, token: string): JoinGrantRecord | undefined {
  const o = parseObject(raw);
  if (!o) return undefined;
  const { ufrag, room, role, expiresAtMs } = o;
  if (o['token'] !== token || !isStr(ufrag) || typeof room !== 'string' || !isValidId(room) || !isRole(role) || !isNum(expiresAtMs)) return undefined;
  return { token, ufrag, room, role, expiresAtMs };
}
