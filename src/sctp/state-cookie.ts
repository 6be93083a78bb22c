import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The state cookie (RFC 9260 §5.1.3): everything needed to create the association when the
 * COOKIE-ECHO comes back, so an INIT costs the responder no state. Signed with HMAC-SHA256
 * (truncated to 16 bytes) under a per-association secret and valid for a bounded time.
 */
export interface CookieContents {
  /** The peer's verification tag (its INIT's initiate tag). */
  peerTag: number;
  /** Our verification tag (the INIT-ACK's initiate tag). */
  localTag: number;
  peerInitialTsn: number;
  localInitialTsn: number;
  peerRwnd: number;
  /** Negotiated stream counts: ours outbound, ours inbound. */
  outboundStreams: number;
  inboundStreams: number;
  forwardTsn: boolean;
  reconfig: boolean;
  iData: boolean;
  zeroChecksum: boolean;
  /** Creation time (core ms). */
  createdMs: number;
}

const BODY = 36;
const MAC = 16;
export const COOKIE_SIZE = BODY + MAC;

export function encodeCookie(c: CookieContents, secret: Uint8Array): Uint8Array {
  const b = Buffer.alloc(COOKIE_SIZE);
  b.writeUInt32BE(c.peerTag, 0);
  b.writeUInt32BE(c.localTag, 4);
  b.writeUInt32BE(c.peerInitialTsn, 8);
  b.writeUInt32BE(c.localInitialTsn, 12);
  b.writeUInt32BE(c.peerRwnd, 16);
  b.writeUInt16BE(c.outboundStreams, 20);
  b.writeUInt16BE(c.inboundStreams, 22);
  b[24] = (c.forwardTsn ? 1 : 0) | (c.reconfig ? 2 : 0) | (c.iData ? 4 : 0) | (c.zeroChecksum ? 8 : 0);
  b.writeDoubleBE(c.createdMs, 28);
  mac(b, secret).copy(b, BODY);
  return b;
}

export type CookieCheck = { ok: true; cookie: CookieContents } | { ok: false; reason: 'bad-cookie' | 'stale-cookie' };

/** Verifies the signature and age of a COOKIE-ECHO's cookie. */
export function decodeCookie(bytes: Uint8Array, secret: Uint8Array, nowMs: number, lifetimeMs: number): CookieCheck {
  if (bytes.length !== COOKIE_SIZE) return { ok: false, reason: 'bad-cookie' };
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (!timingSafeEqual(mac(b, secret), b.subarray(BODY))) return { ok: false, reason: 'bad-cookie' };
  const createdMs = b.readDoubleBE(28);
  if (!(nowMs - createdMs <= lifetimeMs && createdMs - nowMs <= 1)) return { ok: false, reason: 'stale-cookie' };
  const flags = b[24]!;
  return {
    ok: true,
    cookie: {
      peerTag: b.readUInt32BE(0),
      localTag: b.readUInt32BE(4),
      peerInitialTsn: b.readUInt32BE(8),
      localInitialTsn: b.readUInt32BE(12),
      peerRwnd: b.readUInt32BE(16),
      outboundStreams: b.readUInt16BE(20),
      inboundStreams: b.readUInt16BE(22),
      forwardTsn: (flags & 1) !== 0,
      reconfig: (flags & 2) !== 0,
      iData: (flags & 4) !== 0,
      zeroChecksum: (flags & 8) !== 0,
      createdMs,
    },
  };
}

function mac(b: Buffer, secret: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(b.subarray(0, BODY)).digest().subarray(0, MAC);
}
