import { PayloadDecodeError } from './errors.js';
import type { DepacketizedChunk, Depacketizer, Payloader } from './payloader.js';

/** H.264 payload format (RFC 6184), packetization-mode 1. */

const NAL_SPS = 7;
const NAL_PPS = 8;
const NAL_AUD = 9;
const NAL_FILLER = 12;
const NAL_IDR = 5;
const STAP_A = 24;
const FU_A = 28;
const ANNEX_B_START = Buffer.from([0, 0, 0, 1]);

/** Splits an Annex-B byte stream into NAL units (start codes removed). */
export function splitAnnexB(data: Uint8Array): Buffer[] {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: Buffer[] = [];
  let i = 0;
  let start = -1;
  while (i + 2 < b.length) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      if (start >= 0) {
        let end = i;
        while (end > start && b[end - 1] === 0) end--; // trailing zero of a 4-byte start code
        if (end > start) out.push(b.subarray(start, end));
      }
      i += 3;
      start = i;
      continue;
    }
    i++;
  }
  if (start < 0) {
    if (b.length) out.push(b); // no start code: a single raw NAL unit
  } else if (start < b.length) {
    out.push(b.subarray(start));
  }
  return out;
}

export class H264Payloader implements Payloader {
  #sps: Buffer | undefined;
  #pps: Buffer | undefined;

  payload(mtu: number, frame: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    for (const nal of splitAnnexB(frame)) this.#emit(mtu, nal, out);
    return out;
  }

  #emit(mtu: number, nal: Buffer, out: Buffer[]): void {
    if (nal.length === 0) return;
    const type = nal[0]! & 0x1f;
    if (type === NAL_AUD || type === NAL_FILLER) return;
    // Hold SPS and PPS and send them together as one STAP-A (RFC 6184 §5.7.1).
    if (type === NAL_SPS) {
      this.#sps = nal;
      return;
    }
    if (type === NAL_PPS) {
      this.#pps = nal;
      return;
    }
    if (this.#sps && this.#pps) {
      const sps = this.#sps;
      const pps = this.#pps;
      this.#sps = this.#pps = undefined;
      const size = 1 + 2 + sps.length + 2 + pps.length;
      if (size <= mtu) {
        const stap = Buffer.allocUnsafe(size);
        // F and NRI from the highest of the aggregated units.
        stap[0] = (Math.max(sps[0]! & 0x60, pps[0]! & 0x60) | STAP_A) & 0xff;
        stap.writeUInt16BE(sps.length, 1);
        sps.copy(stap, 3);
        stap.writeUInt16BE(pps.length, 3 + sps.length);
        pps.copy(stap, 5 + sps.length);
        out.push(stap);
      } else {
        this.#single(mtu, sps, out);
        this.#single(mtu, pps, out);
      }
    }
    this.#single(mtu, nal, out);
  }

  #single(mtu: number, nal: Buffer, out: Buffer[]): void {
    if (nal.length <= mtu) {
      out.push(Buffer.from(nal));
      return;
    }
    // FU-A (RFC 6184 §5.8): FU indicator + FU header, then fragments.
    const maxFragment = mtu - 2;
    if (maxFragment <= 0) return;
    const indicator = (nal[0]! & 0xe0) | FU_A;
    const type = nal[0]! & 0x1f;
    for (let offset = 1; offset < nal.length; offset += maxFragment) {
      const n = Math.min(maxFragment, nal.length - offset);
      const p = Buffer.allocUnsafe(2 + n);
      p[0] = indicator;
      p[1] = (offset === 1 ? 0x80 : 0) | (offset + n >= nal.length ? 0x40 : 0) | type;
      nal.copy(p, 2, offset, offset + n);
      out.push(p);
    }
  }
}

/** Reassembles RTP payloads into Annex-B NAL units (start code before each). */
export class H264Depacketizer implements Depacketizer {
  depacketize(payload: Uint8Array): DepacketizedChunk {
    if (payload.length < 1) throw new PayloadDecodeError('empty H.264 payload');
    const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const type = b[0]! & 0x1f;
    if (type >= 1 && type <= 23) return { data: Buffer.concat([ANNEX_B_START, b]), frameStart: true };
    if (type === STAP_A) {
      const parts: Buffer[] = [];
      let i = 1;
      while (i < b.length) {
        if (i + 2 > b.length) throw new PayloadDecodeError('truncated STAP-A size');
        const n = b.readUInt16BE(i);
        i += 2;
        if (n === 0 || i + n > b.length) throw new PayloadDecodeError('STAP-A unit overruns the payload');
        parts.push(ANNEX_B_START, b.subarray(i, i + n));
        i += n;
      }
      return { data: Buffer.concat(parts), frameStart: true };
    }
    if (type === FU_A) {
      if (b.length < 3) throw new PayloadDecodeError('truncated FU-A');
      const start = (b[1]! & 0x80) !== 0;
      const data = start
        ? Buffer.concat([ANNEX_B_START, Buffer.from([(b[0]! & 0xe0) | (b[1]! & 0x1f)]), b.subarray(2)])
        : b.subarray(2);
      return { data, frameStart: start };
    }
    throw new PayloadDecodeError(`unsupported H.264 NAL unit type ${type}`);
  }

  isKeyFrame(payload: Uint8Array): boolean {
    if (payload.length < 2) return false;
    const type = payload[0]! & 0x1f;
    if (type === NAL_IDR || type === NAL_SPS) return true;
    if (type === FU_A) return (payload[1]! & 0x80) !== 0 && (payload[1]! & 0x1f) === NAL_IDR;
    if (type === STAP_A) {
      let i = 1;
      while (i + 2 < payload.length) {
        const n = (payload[i]! << 8) | payload[i + 1]!;
        const t = payload[i + 2]! & 0x1f;
        if (t === NAL_IDR || t === NAL_SPS) return true;
        i += 2 + n;
      }
    }
    return false;
  }
}
