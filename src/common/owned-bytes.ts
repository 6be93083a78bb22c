/**
 * A copy of `src` in memory of its own.
 *
 * Why: `Buffer.from`, `Buffer.allocUnsafe`, `subarray` and most Node APIs
 * hand out small buffers as views into a shared 8 KiB pool slab (or into a
 * larger parent buffer). A view kept for the life of a connection (a key, an
 * IV, a salt, a master secret) keeps the whole slab alive, so a few dozen
 * bytes of state can pin kilobytes per connection. Long-lived bytes are
 * copied out with this once, when they are stored. `Buffer.alloc` never
 * takes from the pool.
 */
export function ownedCopy(src: Uint8Array): Buffer {
  const out = Buffer.alloc(src.length);
  out.set(src);
  return out;
}
