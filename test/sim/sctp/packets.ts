import { u16, u32 } from '../../../src/sctp/wire.js';

/** The chunk types of an SCTP packet (test inspection only). */
export function chunkTypes(p: Uint8Array): number[] {
  const out: number[] = [];
  for (let o = 12; o + 4 <= p.length; ) {
    const len = u16(p, o + 2);
    if (len < 4) break;
    out.push(p[o]!);
    o += (len + 3) & ~3;
  }
  return out;
}

/** Message indexes (makeMessage's first 4 bytes) carried by B fragments of DATA / I-DATA chunks in `p`. */
export function messageIndexes(p: Uint8Array): number[] {
  const out: number[] = [];
  for (let o = 12; o + 4 <= p.length; ) {
    const type = p[o]!;
    const len = u16(p, o + 2);
    if (len < 4) break;
    const hdr = type === 0 ? 16 : type === 64 ? 20 : -1;
    if (hdr > 0 && p[o + 1]! & 2 && len >= hdr + 4) out.push(u32(p, o + hdr));
    o += (len + 3) & ~3;
  }
  return out;
}
