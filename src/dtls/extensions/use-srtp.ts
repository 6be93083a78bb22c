import { DtlsDecodeError } from '../errors.js';
import { u16, u16List, vec8, WireReader } from '../wire.js';

/** RFC 5764 §4.1.1: UseSRTPData { SRTPProtectionProfiles profiles<2..2^16-1>; opaque srtp_mki<0..255>; } */
export interface UseSrtpData {
  readonly profiles: number[];
  readonly mki: Buffer;
}

export function encodeUseSrtp(data: UseSrtpData): Buffer {
  const list = u16List(data.profiles);
  return Buffer.concat([u16(list.length), list, vec8(data.mki)]);
}

export function decodeUseSrtp(data: Buffer): UseSrtpData {
  const r = new WireReader(data);
  const list = r.vec16('srtp profiles', 2);
  const mki = r.vec8('srtp_mki');
  r.end('use_srtp');
  const profiles = WireReader.u16List(list, 'srtp profiles');
  if (profiles.length === 0) throw new DtlsDecodeError('empty srtp profiles');
  return { profiles, mki };
}
