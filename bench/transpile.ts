import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Benchmarks measure tern-rtc as `npm run build` ships it: src/ (and the
 * given bench files) transpiled by TypeScript into build/bench-js, not run
 * through tsx, whose esbuild keepNames wrappers cost time and memory the
 * published package does not have.
 */
export const benchRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const transpiledDir = join(benchRoot, 'build', 'bench-js');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** Transpiles src/ plus `extra` files (paths relative to the repo) into build/bench-js; returns the output path of each extra file. */
export function transpileForBench(extra: readonly string[] = []): string[] {
  const files = [...walk(join(benchRoot, 'src')), ...extra.map((f) => join(benchRoot, f))];
  for (const file of files) {
    const out = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false },
    });
    const dest = join(transpiledDir, relative(benchRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, out.outputText);
  }
  return extra.map((f) => join(transpiledDir, f).replace(/\.ts$/, '.js'));
}
