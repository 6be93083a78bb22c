import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** True when the Go toolchain and Debian's Pion sources are installed. */
export function pionAvailable(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return existsSync('/usr/share/gocode/src/github.com/pion/webrtc');
}

/**
 * Path of the built Go peer `name` (from `test/interop/pion/<name>/`),
 * building it first when missing or older than its sources.
 */
export function pionBinary(name: string): string {
  const bin = join(root, 'build', 'pion', name);
  const srcDir = join(root, 'test', 'interop', 'pion', name);
  const newest = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
  if (!existsSync(bin) || statSync(bin).mtimeMs < newest) {
    execFileSync(join(root, 'test', 'interop', 'pion', 'build.sh'), [name], { stdio: 'inherit' });
  }
  return bin;
}
