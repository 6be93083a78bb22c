/**
 * Short-lived packet buffers carved from shared 64 KiB slabs, for the media
 * hot path (a copy per sent RTP packet, an SRTP output per packet).
 *
 * Why not `Buffer.allocUnsafe`: its pool slab is 8 KiB, so at 1.2 kB packets
 * and two buffers per packet Node mallocs (and V8 later sweeps) a new slab
 * every three packets. One 64 KiB slab serves about fifty. A slab is freed
 * by the garbage collector once no buffer cut from it is alive, as Node's
 * pool is; buffers kept long (send history) keep their slab, so the bytes
 * pinned per kept packet are of the same order as with Node's pool. Only
 * for buffers the stack sends or keeps bounded; buffers handed to callers,
 * who may keep any few of them for long, come from Node's pool instead.
 * Slabs are fresh memory, never reused: no two buffers share bytes.
 */
const SLAB_BYTES = 64 * 1024;
/** Larger requests get a buffer of their own. */
const MAX_SLICE = 4096;

let slab: ArrayBuffer | undefined;
let offset = 0;

export function allocPacket(size: number): Buffer {
  if (size > MAX_SLICE) return Buffer.allocUnsafeSlow(size);
  if (slab === undefined || offset + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    offset = 0;
  }
  const out = Buffer.from(slab, offset, size);
  // 8-byte alignment keeps word access (and OpenSSL's) on aligned addresses.
  offset = (offset + size + 7) & ~7;
  return out;
}
