import { ChunkType, COMMON_HEADER_SIZE } from './constants.js';
import { sctpChecksum } from './crc32c.js';
import type { DataTracker } from './data-tracker.js';
import type { OutChunk } from './outstanding.js';
import { w16, w32 } from './wire.js';

/** A control chunk waiting to be sent; one with its own verification tag travels alone. */
export type Ctrl = { bytes: Uint8Array; vtag?: number; crc?: boolean };

export interface PacketLayout {
  size: number;
  srcPort: number;
  dstPort: number;
  vtag: number;
  /** Compute the CRC32c (else the checksum stays zero, RFC 9653). */
  checksum: boolean;
  ctrl: readonly Ctrl[];
  /** SACK written from the tracker, with this many bytes at most. */
  sack: { tracker: DataTracker; aRwnd: number; len: number } | undefined;
  data: readonly OutChunk[];
  iData: boolean;
}

/**
 * Writes one SCTP packet into a fresh buffer of exactly `size` bytes: common header, control
 * chunks, SACK, DATA / I-DATA chunks (payload copied from the message), checksum.
 */
export function writePacket(l: PacketLayout): Uint8Array {
  const b = new Uint8Array(l.size);
  w16(b, 0, l.srcPort);
  w16(b, 2, l.dstPort);
  w32(b, 4, l.vtag);
  let o = COMMON_HEADER_SIZE;
  for (const c of l.ctrl) {
    b.set(c.bytes, o);
    o += c.bytes.length;
  }
  if (l.sack) o = l.sack.tracker.writeSack(b, o, l.sack.aRwnd, l.sack.len);
  const iData = l.iData;
  const hdr = iData ? 20 : 16;
  const type = iData ? ChunkType.IData : ChunkType.Data;
  for (const c of l.data) {
    const m = c.msg;
    b[o] = type;
    b[o + 1] = c.flags;
    w16(b, o + 2, hdr + c.len);
    w32(b, o + 4, c.tsn);
    w16(b, o + 8, m.streamId);
    if (iData) {
      // RFC 8260 §2.1: the first fragment carries the PPID where the others carry their FSN.
      w32(b, o + 12, m.seq);
      w32(b, o + 16, c.fsn === 0 ? m.ppid : c.fsn);
    } else {
      w16(b, o + 10, m.seq);
      w32(b, o + 12, m.ppid);
    }
    b.set(m.data.subarray(c.offset, c.offset + c.len), o + hdr);
    o += c.size;
  }
  if (l.checksum) {
    const sum = sctpChecksum(b);
    // RFC 9260 Appendix A: the CRC32c goes on the wire least significant byte first.
    b[8] = sum;
    b[9] = sum >>> 8;
    b[10] = sum >>> 16;
    b[11] = sum >>> 24;
  }
  return b;
}
