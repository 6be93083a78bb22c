import { DtlsDecodeError } from '../errors.js';
import { u16, WireReader } from '../wire.js';

export interface RawExtension {
  readonly type: number;
  readonly data: Buffer;
}

/** RFC 5246 §7.4.1.4: Extension extensions<0..2^16-1>; absent when no bytes remain. */
export function decodeExtensionList(r: WireReader): RawExtension[] {
  if (r.remaining === 0) return [];
  const block = r.vec16('extensions');
  const er = new WireReader(block);
  const out: RawExtension[] = [];
  const seen = new Set<number>();
  while (er.remaining > 0) {
    const type = er.u16('extension type');
    const data = er.vec16('extension data');
    // RFC 5246 §7.4.1.4: "There MUST NOT be more than one extension of the same type."
    if (seen.has(type)) throw new DtlsDecodeError(`duplicate extension ${type}`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function encodeExtensionList(exts: readonly RawExtension[]): Buffer {
  if (exts.length === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const e of exts) parts.push(u16(e.type), u16(e.data.length), e.data);
  const body = Buffer.concat(parts);
  return Buffer.concat([u16(body.length), body]);
}
