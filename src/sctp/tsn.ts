/** Serial number arithmetic on 32-bit TSNs / MIDs (RFC 9260 §1.6, RFC 1982) and 16-bit SSNs. */

/** a < b in serial order. */
export function tsnLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function tsnLte(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** b - a as a signed distance. */
export function tsnDiff(b: number, a: number): number {
  return (b - a) | 0;
}

export function tsnAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** a < b for 16-bit serial numbers (SSNs). */
export function ssnLt(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  return d !== 0 && d >= 0x8000;
}
