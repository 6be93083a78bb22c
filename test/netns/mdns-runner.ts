/**
 * mDNS scenarios run by test/netns/mdns.test.ts inside a network namespace
 * whose only interface is `lo` (multicast on). Prints one JSON line.
 * Refuses to run where any other interface exists, so no multicast can reach a real network.
 */
import { networkInterfaces } from 'node:os';
import { IceAgent } from '../../src/agent/index.js';
import { MdnsError, MulticastDns } from '../../src/mdns/index.js';

const others = Object.keys(networkInterfaces()).filter((n) => n !== 'lo');
if (others.length > 0) {
  console.error(`refusing to send multicast: interfaces other than lo present (${others.join(', ')})`);
  process.exit(3);
}

const loopback = { networkTypes: ['udp4' as const], includeLoopback: true, ipFilter: (ip: string) => ip === '127.0.0.1' };

async function resolvePublished(interfaceAddress: string | undefined): Promise<unknown> {
  const options = interfaceAddress ? { interfaceAddress } : {};
  const responder = new MulticastDns(options);
  const resolver = new MulticastDns(options);
  try {
    const name = responder.publish('127.0.0.1');
    const start = performance.now();
    const address = await resolver.resolve(name, { timeoutMs: 3000 });
    // A second resolve is answered from the cache.
    const again = await resolver.resolve(name.toUpperCase(), { timeoutMs: 3000, family: 4 });
    return { name, address, again, ms: Math.round(performance.now() - start) };
  } finally {
    responder.close();
    resolver.close();
  }
}

async function timeout(): Promise<unknown> {
  const responder = new MulticastDns();
  const resolver = new MulticastDns();
  try {
    responder.publish('127.0.0.1'); // a responder is present but owns another name
    const start = performance.now();
    const code = await resolver.resolve('0b1d8a1e-2c3d-4e5f-8a9b-0c1d2e3f4a5b.local', { timeoutMs: 1500 }).then(
      () => 'resolved',
      (err: unknown) => (err instanceof MdnsError ? err.code : String(err)),
    );
    return { code, ms: Math.round(performance.now() - start), drops: resolver.drops.total };
  } finally {
    responder.close();
    resolver.close();
  }
}

async function agents(): Promise<unknown> {
  // Both agents use their default, agent-owned MulticastDns on 0.0.0.0:5353.
  const a = new IceAgent({ ...loopback, mdns: { publish: true } });
  const b = new IceAgent({ ...loopback });
  const signalled: string[] = [];
  a.onCandidate((c) => {
    if (c) signalled.push(c.toString());
    b.addRemoteCandidate(c);
  });
  b.onCandidate((c) => a.addRemoteCandidate(c));
  try {
    const abort = AbortSignal.timeout(10_000);
    const [ca, cb] = await Promise.all([
      a.dial(b.localCredentials.ufrag, b.localCredentials.pwd, abort),
      b.accept(a.localCredentials.ufrag, a.localCredentials.pwd, abort),
    ]);
    const end = performance.now() + 5000;
    const resolvedHost = () => b.getRemoteCandidates().find((c) => c.type === 'host' && c.address === '127.0.0.1');
    while (!resolvedHost() && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    const host = resolvedHost();
    const got = new Promise<string>((r) => cb.onMessage((d) => r(d.toString())));
    ca.send(Buffer.from('hello over mdns'));
    const message = await Promise.race([got, new Promise<string>((r) => setTimeout(() => r('(none)'), 3000))]);
    return {
      signalled,
      resolved: host ? host.toString() : null,
      original: host ? b.getSignalledRemoteCandidate(host).toString() : null,
      aLocal: ca.localCandidate.toString(),
      bRemote: cb.remoteCandidate.toString(),
      message,
    };
  } finally {
    a.close();
    b.close();
  }
}

async function main(): Promise<void> {
  const scenario = process.argv[2];
  let result: unknown;
  if (scenario === 'resolve') result = await resolvePublished(undefined);
  else if (scenario === 'resolve-interface') result = await resolvePublished('127.0.0.1');
  else if (scenario === 'timeout') result = await timeout();
  else if (scenario === 'agents') result = await agents();
  else throw new Error(`unknown scenario ${String(scenario)}`);
  // Everything closed: no sockets or timers keep the process alive.
  await new Promise((r) => setTimeout(r, 50));
  const handles = process.getActiveResourcesInfo().filter((h) => h !== 'TTYWrap' && h !== 'Timeout' && h !== 'PipeWrap');
  console.log(JSON.stringify({ scenario, result, handles }));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
