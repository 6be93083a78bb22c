import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function ccAvailable(): boolean {
  try {
    execFileSync(process.env['CC'] || 'cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The compiler's AddressSanitizer runtime, when it has one. */
function libasan(): string | undefined {
  try {
    const p = execFileSync(process.env['CC'] || 'cc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
    return p.startsWith('/') && existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

function build(outDir: string, extra: string[]): string {
  try {
    return execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--require', '--strict', '--out-dir', outDir, ...extra], { encoding: 'utf8', stdio: 'pipe', timeout: 180_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/**
 * The native modules in CI: both build warning-free with -Wall -Wextra
 * -Werror, and the native conformance tests (SRTP vectors against Node's
 * crypto, the batched UDP sockets) pass once with both modules built under
 * AddressSanitizer, loaded into Node with LD_PRELOAD of the ASan runtime.
 */
describe.skipIf(!ccAvailable() || process.platform !== 'linux')('native modules', () => {
  it('build with -Wall -Wextra -Werror', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-native-'));
    try {
      build(dir, []);
      expect(existsSync(join(dir, 'tern_srtp.node'))).toBe(true);
      expect(existsSync(join(dir, 'tern_udp.node'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);

  it.skipIf(!libasan())('pass their conformance tests under AddressSanitizer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-native-asan-'));
    try {
      build(dir, ['--sanitize=address']);
      const env = {
        ...process.env,
        LD_PRELOAD: libasan()!,
        // Node itself is not built for leak checking; memory errors still abort with a report.
        ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1',
        TERN_SRTP_NATIVE_PATH: join(dir, 'tern_srtp.node'),
        TERN_UDP_NATIVE_PATH: join(dir, 'tern_udp.node'),
      };
      // Both modules load under ASan (the suites below would otherwise fall back to JavaScript).
      const probe = `const m={exports:{}};process.dlopen(m,${JSON.stringify(join(dir, 'tern_srtp.node'))});const u={exports:{}};process.dlopen(u,${JSON.stringify(join(dir, 'tern_udp.node'))});console.log(typeof m.exports.createKey, typeof u.exports.open)`;
      expect(execFileSync(process.execPath, ['-e', probe], { env, encoding: 'utf8' }).trim()).toBe('function function');
      try {
        execFileSync(
          process.execPath,
          [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/unit/srtp/native.test.ts', 'test/unit/srtp/vectors.test.ts', 'test/unit/transport/udp-sockets.test.ts'],
          { cwd: root, env, encoding: 'utf8', stdio: 'pipe', timeout: 400_000 },
        );
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`${e.message}\n${(e.stdout ?? '').slice(-4000)}\n${(e.stderr ?? '').slice(-4000)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
