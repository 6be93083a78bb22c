/**
 * The packet batches that travel between the main thread and an SRTP worker,
 * one postMessage per batch with its ArrayBuffer transferred (not copied).
 * Per-packet postMessage costs more than the crypto it hands over, and
 * SharedArrayBuffer rings woken by Atomics measured slower than whole
 * transferred batches; see bench/pc-ceiling.ts.
 *
 * Entry layout (big-endian): session id u32 | op u8 | status u8 | length u16 | bytes.
 */

/** What the worker does with an entry (requests), or did (results). */
export const SrtpOp = { ProtectRtp: 0, ProtectRtcp: 1, UnprotectRtp: 2, UnprotectRtcp: 3 } as const;
export type SrtpOp = (typeof SrtpOp)[keyof typeof SrtpOp];

/** Result status: the bytes are the output, or the drop reason in ASCII. */
export const SrtpOpStatus = { Ok: 0, Dropped: 1 } as const;
export type SrtpOpStatus = (typeof SrtpOpStatus)[keyof typeof SrtpOpStatus];

export const ENTRY_HEADER = 8;
/** Largest packet an entry carries (a UDP payload is at most 65,507 bytes). */
export const MAX_ENTRY_BYTES = 0xffff;
const MIN_CAPACITY = 4096;
const MAX_START_CAPACITY = 256 * 1024;

/** Appends entries to a growable buffer and hands the whole buffer over. */
export class BatchWriter {
  #buf: Buffer;
  #used = 0;
  #count = 0;
  /** The size the next buffer starts at: what the last batch needed. */
  #nextCapacity = MIN_CAPACITY;

  constructor() {
    this.#buf = Buffer.allocUnsafeSlow(MIN_CAPACITY);
  }

  get count(): number {
    return this.#count;
  }

  /** Reserves an entry of `length` bytes and returns the offset to write them at. */
  reserve(id: number, op: SrtpOp, status: SrtpOpStatus, length: number): number {
    if (length > MAX_ENTRY_BYTES) throw new RangeError(`packet of ${length} bytes is larger than ${MAX_ENTRY_BYTES}`);
    const need = this.#used + ENTRY_HEADER + length;
    if (need > this.#buf.length) this.#grow(need);
    const b = this.#buf;
    const at = this.#used;
    b.writeUInt32BE(id, at);
    b[at + 4] = op;
    b[at + 5] = status;
    b.writeUInt16BE(length, at + 6);
    this.#used = need;
    this.#count++;
    return at + ENTRY_HEADER;
  }

  /** Appends one entry holding a copy of `bytes`. */
  append(id: number, op: SrtpOp, status: SrtpOpStatus, bytes: Uint8Array): void {
    const at = this.reserve(id, op, status, bytes.length);
    this.#buf.set(bytes, at);
  }

  /** The buffer now shared (to transfer), or undefined when empty; the writer starts a new one. */
  take(): ArrayBuffer | undefined {
    if (this.#count === 0) return undefined;
    const used = this.#used;
    const full = this.#buf.buffer as ArrayBuffer;
    this.#nextCapacity = Math.min(MAX_START_CAPACITY, Math.max(MIN_CAPACITY, used));
    this.#buf = Buffer.allocUnsafeSlow(this.#nextCapacity);
    this.#used = 0;
    this.#count = 0;
    // The reader needs the used length: transfer the whole buffer and mark the end with a zero-length trailer when there is room.
    return used === full.byteLength ? full : markEnd(full, used);
  }

  #grow(need: number): void {
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.#buf.copy(next, 0, 0, this.#used);
    this.#buf = next;
  }
}

/** Entries past `used` are cut off by a header whose id is 0xffffffff. */
const END_ID = 0xffffffff;

function markEnd(buffer: ArrayBuffer, used: number): ArrayBuffer {
  if (buffer.byteLength - used >= 4) new DataView(buffer).setUint32(used, END_ID);
  return buffer;
}

/**
 * Calls `each` for every entry of a batch. `bytes` is a view into the batch:
 * copy it to keep it past the call.
 */
export function readBatch(
  batch: ArrayBuffer,
  each: (id: number, op: SrtpOp, status: SrtpOpStatus, bytes: Buffer) => void,
): void {
  const b = Buffer.from(batch);
  const end = b.length;
  for (let at = 0; at + ENTRY_HEADER <= end; ) {
    const id = b.readUInt32BE(at);
    if (id === END_ID) return;
    const length = b.readUInt16BE(at + 6);
    const from = at + ENTRY_HEADER;
    if (from + length > end) return;
    each(id, b[at + 4] as SrtpOp, b[at + 5] as SrtpOpStatus, b.subarray(from, from + length));
    at = from + length;
  }
}
