/**
 * Prints the latest result of each benchmark (from build/bench-results.jsonl,
 * appended by `npm run bench`) as a Markdown table for the README.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchRoot } from './transpile.js';
import type { BenchResult } from './types.js';

const file = join(benchRoot, 'build', 'bench-results.jsonl');
if (!existsSync(file)) {
  console.error('no results yet: run npm run bench first');
  process.exit(1);
}
const latest = new Map<string, BenchResult>();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  try {
    const r = JSON.parse(line) as BenchResult;
    latest.set(r.bench, r);
  } catch {
    // a truncated line from an interrupted run
  }
}
const fmt = (v: number | null): string => (v === null || Number.isNaN(v) ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : String(v));
console.log('| benchmark | unit | better | tern-rtc | werift | Pion | bare Node |');
console.log('|---|---|---|---:|---:|---:|---:|');
for (const r of [...latest.values()].sort((a, b) => a.bench.localeCompare(b.bench))) {
  console.log(`| ${r.bench} | ${r.unit} | ${r.better} | ${fmt(r.ours)} | ${fmt(r.werift)} | ${fmt(r.pion)} | ${fmt(r.bare)} |`);
}
