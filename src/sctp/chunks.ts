import { ChunkType, EDMID_DTLS, ParamType } from './constants.js';
import { SctpDecodeError } from './errors.js';
import { pad4, u16, u32, w16, w32 } from './wire.js';

/** Codecs of the control chunks. Decoders take a chunk's value `[start, end)` and throw only SctpDecodeError. */

/** Most gap blocks / duplicate TSNs / stream entries read from one chunk: a packet-chosen loop has a cap. */
export const MAX_LIST_ENTRIES = 1024;

export interface InitChunk {
  initiateTag: number;
  aRwnd: number;
  outboundStreams: number;
  inboundStreams: number;
  initialTsn: number;
  cookie: Uint8Array | undefined;
  forwardTsn: boolean;
  reconfig: boolean;
  iData: boolean;
  zeroChecksum: boolean;
}

export function decodeInit(b: Uint8Array, start: number, end: number): InitChunk {
  if (end - start < 16) throw new SctpDecodeError('INIT too short');
  const init: InitChunk = {
    initiateTag: u32(b, start),
    aRwnd: u32(b, start + 4),
    outboundStreams: u16(b, start + 8),
    inboundStreams: u16(b, start + 10),
    initialTsn: u32(b, start + 12),
    cookie: undefined,
    forwardTsn: false,
    reconfig: false,
    iData: false,
    zeroChecksum: false,
  };
  let o = start + 16;
  let n = 0;
  while (o + 4 <= end && n++ < MAX_LIST_ENTRIES) {
    const type = u16(b, o);
    const len = u16(b, o + 2);
    if (len < 4 || o + len > end) throw new SctpDecodeError('INIT parameter overruns the chunk');
    const v = o + 4;
    switch (type) {
      case ParamType.StateCookie:
        init.cookie = b.slice(v, o + len);
        break;
      case ParamType.ForwardTsnSupported:
        init.forwardTsn = true;
        break;
      case ParamType.ZeroChecksumAcceptable:
        if (len >= 8 && u32(b, v) === EDMID_DTLS) init.zeroChecksum = true;
        break;
      case ParamType.SupportedExtensions:
        for (let i = v; i < o + len; i++) {
          const t = b[i]!;
          if (t === ChunkType.ForwardTsn) init.forwardTsn = true;
          else if (t === ChunkType.Reconfig) init.reconfig = true;
          else if (t === ChunkType.IData) init.iData = true;
        }
        break;
      default:
        // Unknown or unused (addresses, host name, ECN, cookie preservative): skipped.
        break;
    }
    o += pad4(len);
  }
  return init;
}

export interface InitFields {
  initiateTag: number;
  aRwnd: number;
  outboundStreams: number;
  inboundStreams: number;
  initialTsn: number;
  cookie?: Uint8Array;
  forwardTsn: boolean;
  reconfig: boolean;
  iData: boolean;
  zeroChecksum: boolean;
}

/** INIT (ack=false) or INIT-ACK chunk bytes. */
export function encodeInit(ack: boolean, f: InitFields): Uint8Array {
  const ext: number[] = [];
  if (f.forwardTsn) ext.push(ChunkType.ForwardTsn);
  if (f.reconfig) ext.push(ChunkType.Reconfig);
  if (f.iData) ext.push(ChunkType.IData, ChunkType.IForwardTsn);
  let len = 20;
  const cookieLen = f.cookie ? 4 + f.cookie.length : 0;
  len += pad4(cookieLen);
  if (ext.length) len += pad4(4 + ext.length);
  if (f.forwardTsn) len += 4;
  if (f.zeroChecksum) len += 8;
  const b = new Uint8Array(len);
  b[0] = ack ? ChunkType.InitAck : ChunkType.Init;
  w16(b, 2, len);
  w32(b, 4, f.initiateTag);
  w32(b, 8, f.aRwnd);
  w16(b, 12, f.outboundStreams);
  w16(b, 14, f.inboundStreams);
  w32(b, 16, f.initialTsn);
  let o = 20;
  if (f.cookie) {
    w16(b, o, ParamType.StateCookie);
    w16(b, o + 2, cookieLen);
    b.set(f.cookie, o + 4);
    o += pad4(cookieLen);
  }
  if (ext.length) {
    w16(b, o, ParamType.SupportedExtensions);
    w16(b, o + 2, 4 + ext.length);
    b.set(ext, o + 4);
    o += pad4(4 + ext.length);
  }
  if (f.forwardTsn) {
    w16(b, o, ParamType.ForwardTsnSupported);
    w16(b, o + 2, 4);
    o += 4;
  }
  if (f.zeroChecksum) {
    w16(b, o, ParamType.ZeroChecksumAcceptable);
    w16(b, o + 2, 8);
    w32(b, o + 4, EDMID_DTLS);
    o += 8;
  }
  return b;
}

/** A chunk with no value, or a raw value, as bytes. */
export function encodeChunk(type: number, flags: number, value?: Uint8Array): Uint8Array {
  const len = 4 + (value?.length ?? 0);
  const b = new Uint8Array(pad4(len));
  b[0] = type;
  b[1] = flags;
  w16(b, 2, len);
  if (value) b.set(value, 4);
  return b;
}

/** SHUTDOWN carrying the cumulative TSN ack. */
export function encodeShutdown(cumTsn: number): Uint8Array {
  const b = new Uint8Array(8);
  b[0] = ChunkType.Shutdown;
  w16(b, 2, 8);
  w32(b, 4, cumTsn);
  return b;
}

/** An error cause (RFC 9260 §3.3.10) as bytes, `info` padded. */
export function encodeCause(code: number, info?: Uint8Array): Uint8Array {
  const len = 4 + (info?.length ?? 0);
  const b = new Uint8Array(pad4(len));
  w16(b, 0, code);
  w16(b, 2, len);
  if (info) b.set(info, 4);
  return b;
}

/** First error cause code of an ABORT / ERROR chunk, if any. */
export function firstCauseCode(b: Uint8Array, start: number, end: number): number | undefined {
  return end - start >= 4 ? u16(b, start) : undefined;
}

/** Parsed SACK (RFC 9260 §3.3.4); gap offsets are relative to `cumTsn`. Reused between packets. */
export class SackView {
  cumTsn = 0;
  aRwnd = 0;
  gapCount = 0;
  dupCount = 0;
  gapStart = new Uint16Array(64);
  gapEnd = new Uint16Array(64);

  decode(b: Uint8Array, start: number, end: number): void {
    if (end - start < 12) throw new SctpDecodeError('SACK too short');
    this.cumTsn = u32(b, start);
    this.aRwnd = u32(b, start + 4);
    const gaps = u16(b, start + 8);
    const dups = u16(b, start + 10);
    if (12 + gaps * 4 + dups * 4 > end - start) throw new SctpDecodeError('SACK lists overrun the chunk');
    const n = Math.min(gaps, MAX_LIST_ENTRIES);
    if (n > this.gapStart.length) {
      this.gapStart = new Uint16Array(MAX_LIST_ENTRIES);
      this.gapEnd = new Uint16Array(MAX_LIST_ENTRIES);
    }
    let prevEnd = 0;
    let o = start + 12;
    let k = 0;
    for (let i = 0; i < n; i++, o += 4) {
      const s = u16(b, o);
      const e = u16(b, o + 2);
      // Blocks must be ascending, non-overlapping and start after the cumulative ack.
      if (s === 0 || e < s || s <= prevEnd) throw new SctpDecodeError('SACK gap blocks out of order');
      this.gapStart[k] = s;
      this.gapEnd[k] = e;
      k++;
      prevEnd = e;
    }
    this.gapCount = k;
    this.dupCount = dups;
  }
}

/** One FORWARD-TSN / I-FORWARD-TSN stream entry. */
export interface ForwardTsnEntry {
  streamId: number;
  /** SSN (FORWARD-TSN) or MID (I-FORWARD-TSN). */
  seq: number;
  unordered: boolean;
}

export function decodeForwardTsn(
  b: Uint8Array,
  start: number,
  end: number,
  iForward: boolean,
): { newCumTsn: number; entries: ForwardTsnEntry[] } {
  if (end - start < 4) throw new SctpDecodeError('FORWARD-TSN too short');
  const newCumTsn = u32(b, start);
  const size = iForward ? 8 : 4;
  const entries: ForwardTsnEntry[] = [];
  for (let o = start + 4; o + size <= end && entries.length < MAX_LIST_ENTRIES; o += size) {
    if (iForward) entries.push({ streamId: u16(b, o), unordered: (b[o + 3]! & 1) === 1, seq: u32(b, o + 4) });
    else entries.push({ streamId: u16(b, o), seq: u16(b, o + 2), unordered: false });
  }
  return { newCumTsn, entries };
}

export function encodeForwardTsn(newCumTsn: number, entries: ForwardTsnEntry[], iForward: boolean): Uint8Array {
  const size = iForward ? 8 : 4;
  const len = 8 + entries.length * size;
  const b = new Uint8Array(len);
  b[0] = iForward ? ChunkType.IForwardTsn : ChunkType.ForwardTsn;
  w16(b, 2, len);
  w32(b, 4, newCumTsn);
  let o = 8;
  for (const e of entries) {
    w16(b, o, e.streamId);
    if (iForward) {
      b[o + 3] = e.unordered ? 1 : 0;
      w32(b, o + 4, e.seq);
    } else w16(b, o + 2, e.seq);
    o += size;
  }
  return b;
}

/** RE-CONFIG parameters (RFC 6525 §4) this implementation understands. */
export type ReconfigParam =
  | { type: 'outgoing-reset'; reqSeq: number; respSeq: number; lastTsn: number; streams: number[] }
  | { type: 'incoming-reset'; reqSeq: number; streams: number[] }
  | { type: 'response'; respSeq: number; result: number }
  | { type: 'other'; paramType: number; reqSeq: number };

export function decodeReconfig(b: Uint8Array, start: number, end: number): ReconfigParam[] {
  const out: ReconfigParam[] = [];
  let o = start;
  while (o + 4 <= end && out.length < 2) {
    const type = u16(b, o);
    const len = u16(b, o + 2);
    if (len < 8 || o + len > end) throw new SctpDecodeError('RE-CONFIG parameter overruns the chunk');
    const v = o + 4;
    switch (type) {
      case ParamType.OutgoingSsnReset: {
        if (len < 16) throw new SctpDecodeError('Outgoing SSN Reset Request too short');
        out.push({
          type: 'outgoing-reset',
          reqSeq: u32(b, v),
          respSeq: u32(b, v + 4),
          lastTsn: u32(b, v + 8),
          streams: streamList(b, v + 12, o + len),
        });
        break;
      }
      case ParamType.IncomingSsnReset:
        out.push({ type: 'incoming-reset', reqSeq: u32(b, v), streams: streamList(b, v + 4, o + len) });
        break;
      case ParamType.ReconfigResponse:
        if (len < 12) throw new SctpDecodeError('Re-configuration Response too short');
        out.push({ type: 'response', respSeq: u32(b, v), result: u32(b, v + 4) });
        break;
      default:
        out.push({ type: 'other', paramType: type, reqSeq: u32(b, v) });
    }
    o += pad4(len);
  }
  return out;
}

function streamList(b: Uint8Array, start: number, end: number): number[] {
  const ids: number[] = [];
  for (let o = start; o + 2 <= end && ids.length < MAX_LIST_ENTRIES * 64; o += 2) ids.push(u16(b, o));
  return ids;
}

/** A RE-CONFIG chunk holding the given encoded parameters. */
export function encodeReconfig(params: Uint8Array[]): Uint8Array {
  let len = 4;
  for (const p of params) len += p.length;
  const b = new Uint8Array(len);
  b[0] = ChunkType.Reconfig;
  w16(b, 2, len);
  let o = 4;
  for (const p of params) {
    b.set(p, o);
    o += p.length;
  }
  return b;
}

export function encodeOutgoingReset(reqSeq: number, respSeq: number, lastTsn: number, streams: number[]): Uint8Array {
  const len = 16 + streams.length * 2;
  const b = new Uint8Array(pad4(len));
  w16(b, 0, ParamType.OutgoingSsnReset);
  w16(b, 2, len);
  w32(b, 4, reqSeq);
  w32(b, 8, respSeq);
  w32(b, 12, lastTsn);
  streams.forEach((s, i) => w16(b, 16 + i * 2, s));
  return b;
}

export function encodeReconfigResponse(respSeq: number, result: number): Uint8Array {
  const b = new Uint8Array(12);
  w16(b, 0, ParamType.ReconfigResponse);
  w16(b, 2, 12);
  w32(b, 4, respSeq);
  w32(b, 8, result);
  return b;
}
