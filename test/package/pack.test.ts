import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Runs a command; on failure the error carries its output. */
function run(file: string, args: string[], cwd: string, timeout: number): string {
  try {
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: 'pipe', timeout, env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/**
 * The published package: `npm pack` (whose prepack builds dist/), the tarball
 * unpacked into an empty project as `npm install` would, its dependencies
 * linked from this checkout's node_modules (no registry during tests: an
 * `npm install --offline` of the tarball needs every dependency in npm's
 * cache), a consumer .ts file typechecked against the shipped .d.ts files
 * (strict, NodeNext), then run: two peers over `tern-rtc/vnet`.
 */
describe('the npm package', () => {
  it('packs with dist/, installs into an empty project, typechecks as ESM and connects two peers', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tern-pack-'));
    try {
      const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], root, 400_000)) as { filename: string; files: { path: string }[] }[];
      const files = packed[0]!.files.map((f) => f.path);
      for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/sfu-ws/index.js', 'package.json', 'README.md']) expect(files).toContain(f);
      expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);

      const project = join(tmp, 'project');
      const modules = join(project, 'node_modules');
      mkdirSync(modules, { recursive: true });
      execFileSync('tar', ['xzf', join(tmp, packed[0]!.filename), '-C', modules]);
      renameSync(join(modules, 'package'), join(modules, 'tern-rtc'));
      const manifest = JSON.parse(readFileSync(join(modules, 'tern-rtc', 'package.json'), 'utf8')) as { dependencies: Record<string, string>; exports: Record<string, unknown> };
      expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['.', './vnet', './sfu-ws']));
      // Dependencies (and the types a TypeScript user installs) from this checkout; Node follows the links to their own dependencies.
      for (const dep of [...Object.keys(manifest.dependencies), '@types/node', '@types/ws']) {
        const target = join(root, 'node_modules', dep);
        if (!existsSync(target)) throw new Error(`dependency ${dep} missing from node_modules`);
        mkdirSync(dirname(join(modules, dep)), { recursive: true });
        symlinkSync(target, join(modules, dep), 'dir');
      }
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, types: ['node'], outDir: 'out' },
          files: ['consumer.ts'],
        }),
      );
      copyFileSync(join(root, 'test', 'package', 'consumer.ts'), join(project, 'consumer.ts'));
      run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project, 120_000);
      const out = run(process.execPath, [join(project, 'out', 'consumer.js')], project, 60_000);
      expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ ok: true, seq: 7, sfu: 'function' });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 600_000);
});
