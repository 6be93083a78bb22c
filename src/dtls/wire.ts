import { DtlsDecodeError } from './errors.js';

/**
 * Bounds-checked reader of TLS presentation-language structures; throws only
 * {@link DtlsDecodeError}. Slices share memory with the input.
 */
export class WireReader {
  #offset: number;
  readonly #end: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    this.#offset = offset;
    this.#end = end;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#end - this.#offset;
  }

  #need(n: number, what: string): void {
    if (this.#offset + n > this.#end) throw new DtlsDecodeError(`truncated ${what}`);
  }

  u8(what = 'uint8'): number {
    this.#need(1, what);
    return this.buf[this.#offset++]!;
  }

  u16(what = 'uint16'): number {
    this.#need(2, what);
    const v = this.buf.readUInt16BE(this.#offset);
    this.#offset += 2;
    return v;
  }

  u24(what = 'uint24'): number {
    this.#need(3, what);
    const v = this.buf.readUIntBE(this.#offset, 3);
    this.#offset += 3;
    return v;
  }

  bytes(n: number, what = 'bytes'): Buffer {
    this.#need(n, what);
    const v = this.buf.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return v;
  }

  /** opaque x<min..2^8-1> */
  vec8(what: string, min = 0): Buffer {
    const n = this.u8(what);
    if (n < min) throw new DtlsDecodeError(`${what} too short`);
    return this.bytes(n, what);
  }

  /** opaque x<min..2^16-1> */
  vec16(what: string, min = 0): Buffer {
    const n = this.u16(what);
    if (n < min) throw new DtlsDecodeError(`${what} too short`);
    return this.bytes(n, what);
  }

  /** opaque x<min..2^24-1> */
  vec24(what: string, min = 0): Buffer {
    const n = this.u24(what);
    if (n < min) throw new DtlsDecodeError(`${what} too short`);
    return this.bytes(n, what);
  }

  /** A list of uint16 values from an opaque vector. */
  static u16List(data: Buffer, what: string): number[] {
    if (data.length % 2 !== 0) throw new DtlsDecodeError(`${what} has odd length`);
    const out: number[] = [];
    for (let i = 0; i < data.length; i += 2) out.push(data.readUInt16BE(i));
    return out;
  }

  /** Throws when bytes are left over. */
  end(what: string): void {
    if (this.#offset !== this.#end) throw new DtlsDecodeError(`trailing bytes in ${what}`);
  }
}

/** Encodes opaque x<..2^8-1>. */
export function vec8(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + data.length);
  out[0] = data.length;
  out.set(data, 1);
  return out;
}

/** Encodes opaque x<..2^16-1>. */
export function vec16(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + data.length);
  out.writeUInt16BE(data.length, 0);
  out.set(data, 2);
  return out;
}

/** Encodes opaque x<..2^24-1>. */
export function vec24(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(3 + data.length);
  out.writeUIntBE(data.length, 0, 3);
  out.set(data, 3);
  return out;
}

export function u16(value: number): Buffer {
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(value, 0);
  return out;
}

/** A list of uint16 values as raw bytes (no length prefix). */
export function u16List(values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 2);
  values.forEach((v, i) => out.writeUInt16BE(v, i * 2));
  return out;
}
