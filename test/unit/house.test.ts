import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { checkHouse } from '../../scripts/check-house.mjs';

interface HouseResult {
  cycles: { files: string[] }[];
  upward: { from: string; to: string }[];
  tooLong: { file: string; lines: number }[];
}
const check = checkHouse as (dir?: string) => HouseResult;
const root = join(import.meta.dirname, '..', '..');

describe('house rules (ARCHITECTURE.md)', () => {
  it('src/ has no new import cycle (type-only included), no upward import, no file over 800 lines', () => {
    const r = check();
    expect(r.cycles).toEqual([]);
    expect(r.upward).toEqual([]);
    expect(r.tooLong).toEqual([]);
  });

  it('finds a cycle closed by a type-only import or a re-export', () => {
    const dir = mkdtempSync(join(tmpdir(), 'house-'));
    try {
      mkdirSync(join(dir, 'x'));
      writeFileSync(join(dir, 'x', 'a.ts'), "import type { B } from './b.js';\nexport type A = B;\n");
      writeFileSync(join(dir, 'x', 'b.ts'), "export { c } from '../c.js';\nexport type B = number;\n");
      writeFileSync(join(dir, 'c.ts'), "import type { A } from './x/a.js';\nexport const c: A | 0 = 0;\n");
      writeFileSync(join(dir, 'long.ts'), 'export const x = 1;\n'.repeat(801));
      const r = check(dir);
      expect(r.cycles).toHaveLength(1);
      expect(r.cycles[0]!.files).toHaveLength(3);
      expect(r.tooLong).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('typechecks (tsc --noEmit)', () => {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'), '--noEmit'], { cwd: root, stdio: 'pipe', timeout: 240_000 });
  }, 300_000);
});
