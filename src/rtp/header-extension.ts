import { RtpDecodeError } from './errors.js';

/** RFC 8285 §4.2: "defined by this profile" value of the one-byte header form. */
export const RTP_EXTENSION_PROFILE_ONE_BYTE = 0xbede;
/** RFC 8285 §4.3: 0x100 followed by 4 "appbits" (0 here). */
export const RTP_EXTENSION_PROFILE_TWO_BYTE = 0x1000;

/** One RFC 8285 header extension element. */
export interface RtpHeaderExtension {
  /** Local identifier: 1-14 (one-byte form) or 1-255 (two-byte form). */
  id: number;
  data: Buffer;
}

/** True for the one-byte (0xBEDE) and two-byte (0x100X) RFC 8285 profiles. */
export function isRfc8285Profile(profile: number): boolean {
  return profile === RTP_EXTENSION_PROFILE_ONE_BYTE || (profile & 0xfff0) === RTP_EXTENSION_PROFILE_TWO_BYTE;
}

/**
 * Walks the elements of an RFC 8285 extension block `buf[start..end)`,
 * calling `visit(id, dataStart, dataLength)`; `visit` returns true to stop.
 * Padding bytes (id 0) are skipped; in the one-byte form id 15 ends
 * processing (RFC 8285 §4.2). Throws RtpDecodeError on a truncated element.
 */
export function walkExtensions(
  buf: Uint8Array,
  start: number,
  end: number,
  profile: number,
  visit: (id: number, dataStart: number, dataLength: number) => boolean | void,
): void {
  let i = start;
  if (profile === RTP_EXTENSION_PROFILE_ONE_BYTE) {
    while (i < end) {
      const b = buf[i]!;
      if (b === 0) {
        i++;
        continue;
      }
      const id = b >>> 4;
      if (id === 15) return;
      const len = (b & 0x0f) + 1;
      if (i + 1 + len > end) throw new RtpDecodeError(`one-byte header extension ${id} truncated`);
      if (visit(id, i + 1, len) === true) return;
      i += 1 + len;
    }
  } else {
    while (i < end) {
      const id = buf[i]!;
      if (id === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) throw new RtpDecodeError(`two-byte header extension ${id} truncated`);
      const len = buf[i + 1]!;
      if (i + 2 + len > end) throw new RtpDecodeError(`two-byte header extension ${id} truncated`);
      if (visit(id, i + 2, len) === true) return;
      i += 2 + len;
    }
  }
}

/** Parses an RFC 8285 extension block into elements (data copied out of `buf` as views). */
export function parseExtensions(buf: Buffer, start: number, end: number, profile: number): RtpHeaderExtension[] {
  const out: RtpHeaderExtension[] = [];
  walkExtensions(buf, start, end, profile, (id, s, l) => {
    out.push({ id, data: buf.subarray(s, s + l) });
  });
  return out;
}

/** The RFC 8285 form that can carry every element: one-byte when possible (RFC 8285 §4.1.2). */
export function chooseExtensionProfile(extensions: readonly RtpHeaderExtension[]): number {
  for (const e of extensions) {
    if (e.id > 14 || e.data.length === 0 || e.data.length > 16) return RTP_EXTENSION_PROFILE_TWO_BYTE;
  }
  return RTP_EXTENSION_PROFILE_ONE_BYTE;
}

/** Size of the extension elements in `profile` form, padded to 32-bit words (without the 4-byte block header). */
export function extensionsSize(extensions: readonly RtpHeaderExtension[], profile: number): number {
  const per = profile === RTP_EXTENSION_PROFILE_ONE_BYTE ? 1 : 2;
  let n = 0;
  for (const e of extensions) n += per + e.data.length;
  return (n + 3) & ~3;
}

/** Writes the elements at `buf[off..]` in `profile` form, zero-padded; returns bytes written. */
export function writeExtensions(
  buf: Buffer,
  off: number,
  extensions: readonly RtpHeaderExtension[],
  profile: number,
): number {
  let i = off;
  const oneByte = profile === RTP_EXTENSION_PROFILE_ONE_BYTE;
  for (const e of extensions) {
    const len = e.data.length;
    if (oneByte) {
      buf[i++] = (e.id << 4) | (len - 1);
    } else {
      buf[i++] = e.id;
      buf[i++] = len;
    }
    e.data.copy(buf, i);
    i += len;
  }
  const padded = off + ((i - off + 3) & ~3);
  buf.fill(0, i, padded);
  return padded - off;
}
