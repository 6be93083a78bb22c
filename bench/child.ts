import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Runs a benchmark file as a fresh child (`node --import tsx <file>`, plus
 * `nodeArgs`) with `env` added, and resolves with the last JSON line it
 * prints; a line carrying `error`, a non-zero exit or the timeout rejects.
 */
export async function runBenchChild<T>(file: string, env: Record<string, string>, timeoutMs: number, nodeArgs: string[] = []): Promise<T> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(process.execPath, [...nodeArgs, '--import', 'tsx', file], { env: { ...process.env, ...env }, timeout: timeoutMs }));
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const line = e.stdout?.trim().split('\n').pop();
    if (line?.includes('"error"')) stdout = line;
    else throw new Error(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} child failed: ${(e.stderr ?? e.message).trim().slice(-500)}`);
  }
  const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as T & { error?: string };
  if (parsed.error) throw new Error(`${Object.values(env).join(' ')} child: ${parsed.error}`);
  return parsed;
}
