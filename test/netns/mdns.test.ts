import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoopbackNamespace, netnsAvailable } from '../support/netns.js';

/**
 * Real multicast DNS over node:dgram, only ever inside a namespace this
 * test creates with nothing but `lo` (multicast enabled, 224.0.0.0/4
 * routed to it): the machine's real network never sees a packet.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runner = join(root, 'test', 'netns', 'mdns-runner.ts');
const available = netnsAvailable();
if (!available) console.warn('netns mDNS tests skipped: cannot create network namespaces (needs root and `ip netns`)');

let ns: LoopbackNamespace | undefined;

function inNs(...args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns!.name, ...args], { stdio: 'ignore' });
}

async function run(scenario: string, timeoutMs = 30_000): Promise<{ result: Record<string, unknown>; handles: string[] }> {
  const child = ns!.spawn(process.execPath, ['--import', 'tsx', runner, scenario]);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
  try {
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`${scenario} exited with ${String(code)}:\n${err}\n${out}`);
    const line = out.trim().split('\n').pop()!;
    return JSON.parse(line) as { result: Record<string, unknown>; handles: string[] };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe.skipIf(!available)('mDNS in a loopback-only network namespace', () => {
  beforeAll(() => {
    ns = new LoopbackNamespace('tern-mdns');
    inNs('ip', 'link', 'set', 'lo', 'multicast', 'on');
    inNs('ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo');
  });

  afterAll(() => {
    ns?.delete();
  });

  it('resolves a published UUID .local name over 224.0.0.251:5353 (default interface)', async () => {
    const { result, handles } = await run('resolve');
    expect(result['name']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.local$/);
    expect(result['address']).toBe('127.0.0.1');
    expect(result['again']).toBe('127.0.0.1');
    expect(handles).toEqual([]);
  });

  it('resolves with an explicit multicast interface address', async () => {
    const { result } = await run('resolve-interface');
    expect(result['address']).toBe('127.0.0.1');
  });

  it('times out on an unknown name (nobody answers for names it does not own)', async () => {
    const { result, handles } = await run('timeout');
    expect(result['code']).toBe('ERR_MDNS_TIMEOUT');
    expect(result['ms']).toBeGreaterThanOrEqual(1400);
    expect(handles).toEqual([]);
  });

  it('two IceAgents connect when one publishes .local host candidates and the other resolves them', async () => {
    const { result, handles } = await run('agents');
    const signalled = result['signalled'] as string[];
    expect(signalled.length).toBeGreaterThan(0);
    for (const line of signalled) expect(line).toMatch(/ [0-9a-f-]{36}\.local \d+ typ host/);
    expect(result['resolved']).toMatch(/ 127\.0\.0\.1 \d+ typ host/);
    expect(result['original']).toMatch(/\.local \d+ typ host/);
    expect(result['aLocal']).toMatch(/ 127\.0\.0\.1 /);
    expect(result['message']).toBe('hello over mdns');
    expect(handles).toEqual([]);
  });
});
