import { vec8, WireReader } from '../wire.js';

/** RFC 8422 §5.1.2: ECPointFormat uncompressed(0), the only one still allowed. */
export const EC_POINT_FORMAT_UNCOMPRESSED = 0;

export function encodeEcPointFormats(formats: readonly number[]): Buffer {
  return vec8(Uint8Array.from(formats));
}

export function decodeEcPointFormats(data: Buffer): number[] {
  const r = new WireReader(data);
  const list = r.vec8('ec_point_format_list', 1);
  r.end('ec_point_formats');
  return [...list];
}
