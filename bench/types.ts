/** One benchmark result line, as printed by `npm run bench`. */
export interface BenchResult {
  bench: string;
  unit: string;
  better: 'higher' | 'lower';
  ours: number;
  werift: number | null;
  pion: number | null;
  bare: number | null;
  /** coturn, where an issue names it (printed after `bare`). */
  coturn?: number | null;
  /** Extra contenders an issue names (`libdatachannel`, `libwebrtc`, ...), printed after `bare`. */
  contenders?: Record<string, number | null>;
  /** Optional extra facts (CPU µs per packet, loss, ...), printed after the required fields. */
  notes?: Record<string, number | string>;
}

/** A benchmark module exports `benches: Bench[]` from a `bench/*.bench.ts` file. */
export interface Bench {
  /** Name prefix of the results this entry prints (used by `npm run bench -- <prefix>`). */
  name: string;
  run(): Promise<BenchResult[]>;
}
