/**
 * Per-SSRC state, created lazily and bounded: at most `capacity` entries, the
 * least recently used one evicted first. A Map keeps insertion order, so
 * re-inserting on use makes it an LRU; the last entry hit is cached so a
 * burst of one stream's packets costs one comparison, not a delete + set.
 */
export class SsrcStateMap<T> {
  readonly capacity: number;
  /** Created with the first entry: an idle connection's contexts hold none for some directions. */
  #map: Map<number, T> | undefined;
  #lastSsrc = -1;
  #last: T | undefined;
  #evictions = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#map?.size ?? 0;
  }

  get evictions(): number {
    return this.#evictions;
  }

  /** The state of `ssrc`, marked as most recently used; undefined when absent. */
  get(ssrc: number): T | undefined {
    if (ssrc === this.#lastSsrc) return this.#last;
    const map = this.#map;
    if (map === undefined) return undefined;
    const state = map.get(ssrc);
    if (state !== undefined) {
      map.delete(ssrc);
      map.set(ssrc, state);
      this.#lastSsrc = ssrc;
      this.#last = state;
    }
    return state;
  }

  /** Inserts `state` for `ssrc` (replacing any), evicting the least recently used beyond capacity. */
  set(ssrc: number, state: T): void {
    const map = (this.#map ??= new Map());
    map.delete(ssrc);
    map.set(ssrc, state);
    this.#lastSsrc = ssrc;
    this.#last = state;
    while (map.size > this.capacity) {
      const oldest = map.keys().next().value as number;
      map.delete(oldest);
      this.#evictions++;
    }
  }

  delete(ssrc: number): void {
    this.#map?.delete(ssrc);
    if (ssrc === this.#lastSsrc) {
      this.#lastSsrc = -1;
      this.#last = undefined;
    }
  }

  keys(): IterableIterator<number> {
    return (this.#map ?? new Map<number, T>()).keys();
  }
}
