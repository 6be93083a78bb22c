/**
 * Runs every `bench/*.bench.ts` (or only those whose name starts with the
 * first argument) and prints one JSON line per result. Results are also
 * appended to `build/bench-results.jsonl` for the README table.
 */
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bench, BenchResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = process.argv[2] ?? '';
const outDir = join(here, '..', 'build');
mkdirSync(outDir, { recursive: true });

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();

function print(r: BenchResult): void {
  const line = JSON.stringify({
    bench: r.bench,
    unit: r.unit,
    better: r.better,
    ours: r.ours,
    werift: r.werift,
    pion: r.pion,
    bare: r.bare,
    ...(r.coturn !== undefined ? { coturn: r.coturn } : {}),
    ...(r.contenders ?? {}),
    ...(r.notes ? { notes: r.notes } : {}),
  });
  console.log(line);
  appendFileSync(join(outDir, 'bench-results.jsonl'), line + '\n');
}

let ran = 0;
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { benches?: Bench[] };
  for (const b of mod.benches ?? []) {
    if (prefix && !b.name.startsWith(prefix) && !prefix.startsWith(b.name)) continue;
    ran++;
    try {
      for (const r of await b.run()) if (!prefix || r.bench.startsWith(prefix) || prefix.startsWith(b.name)) print(r);
    } catch (err) {
      console.error(`bench ${b.name} failed:`, err);
      process.exitCode = 1;
    }
  }
}
if (ran === 0) console.error(`no benchmark matches "${prefix}"`);
process.exit(process.exitCode ?? 0);
