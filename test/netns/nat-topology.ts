import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { deleteNamespace } from '../support/netns.js';

/**
 * Two hosts behind kernel NATs and a "public" namespace, all in network
 * namespaces this code creates (per-run suffix) and deletes; the root
 * namespace's interfaces, routes, firewall and sysctls are never touched.
 * Every veth is created inside the namespaces.
 *
 *   hostA 198.19.1.10 ── natA 198.19.1.1 | 198.18.1.2 ──┐
 *                                                        wan 198.18.1.1, 198.18.2.1, 198.18.0.10 (TURN)
 *   hostB 198.19.2.10 ── natB 198.19.2.1 | 198.18.2.2 ──┘
 *
 * Symmetric NATs: `MASQUERADE --random-fully` gives every destination its own
 * random external port; unsolicited inbound traffic to the router is dropped.
 */

export const PUBLIC_SERVER_IP = '198.18.0.10';

export interface NatSide {
  readonly host: string;
  readonly nat: string;
  readonly hostIp: string;
  readonly natPublicIp: string;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function inNs(ns: string, command: string, ...args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class NatTopology {
  readonly suffix = randomBytes(3).toString('hex');
  readonly wan = `tw-${this.suffix}`;
  readonly a: NatSide;
  readonly b: NatSide;
  readonly #created: string[] = [];
  #deleted = false;

  /** `symmetric` for both sides, or per side (false: endpoint-independent mapping). */
  constructor(options: { symmetric: boolean | { a: boolean; b: boolean } }) {
    this.a = { host: `tha-${this.suffix}`, nat: `tna-${this.suffix}`, hostIp: '198.19.1.10', natPublicIp: '198.18.1.2' };
    this.b = { host: `thb-${this.suffix}`, nat: `tnb-${this.suffix}`, hostIp: '198.19.2.10', natPublicIp: '198.18.2.2' };
    try {
      const sym = options.symmetric;
      this.#build(typeof sym === 'boolean' ? { a: sym, b: sym } : sym);
    } catch (err) {
      this.delete();
      throw err;
    }
  }

  #add(ns: string): void {
    ip('netns', 'add', ns);
    this.#created.push(ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }

  #build(symmetric: { a: boolean; b: boolean }): void {
    this.#add(this.wan);
    ip('-n', this.wan, 'addr', 'add', `${PUBLIC_SERVER_IP}/32`, 'dev', 'lo');
    // Like the internet, the "wan" silently loses traffic to addresses it has no route for
    // (the hosts' private 198.19.x addresses). Without a default route a send fails with
    // ENETUNREACH, and coturn tears down the allocation that sent it. The default route
    // points at a gateway with a static, unused MAC on a veth whose other end drops the
    // frames (wrong destination MAC): no error, no ICMP.
    ip('-n', this.wan, 'link', 'add', 'sink', 'type', 'veth', 'peer', 'name', 'sinkp');
    ip('-n', this.wan, 'addr', 'add', '198.18.255.1/24', 'dev', 'sink');
    ip('-n', this.wan, 'link', 'set', 'sink', 'up');
    ip('-n', this.wan, 'link', 'set', 'sinkp', 'up');
    ip('-n', this.wan, 'neigh', 'add', '198.18.255.254', 'lladdr', '02:00:00:00:00:fe', 'dev', 'sink', 'nud', 'permanent');
    ip('-n', this.wan, 'route', 'add', 'default', 'via', '198.18.255.254');
    inNs(this.wan, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    for (const [side, n, sym] of [
      [this.a, 1, symmetric.a],
      [this.b, 2, symmetric.b],
    ] as const) {
      this.#add(side.nat);
      this.#add(side.host);
      // wan <-> nat
      ip('-n', this.wan, 'link', 'add', `w${n}`, 'type', 'veth', 'peer', 'name', 'wan', 'netns', side.nat);
      ip('-n', this.wan, 'addr', 'add', `198.18.${n}.1/24`, 'dev', `w${n}`);
      ip('-n', this.wan, 'link', 'set', `w${n}`, 'up');
      ip('-n', side.nat, 'addr', 'add', `${side.natPublicIp}/24`, 'dev', 'wan');
      ip('-n', side.nat, 'link', 'set', 'wan', 'up');
      ip('-n', side.nat, 'route', 'add', 'default', 'via', `198.18.${n}.1`);
      // nat <-> host
      ip('-n', side.nat, 'link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', side.host);
      ip('-n', side.nat, 'addr', 'add', `198.19.${n}.1/24`, 'dev', 'lan');
      ip('-n', side.nat, 'link', 'set', 'lan', 'up');
      ip('-n', side.host, 'addr', 'add', `${side.hostIp}/24`, 'dev', 'eth0');
      ip('-n', side.host, 'link', 'set', 'eth0', 'up');
      ip('-n', side.host, 'route', 'add', 'default', 'via', `198.19.${n}.1`);
      inNs(side.nat, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
      inNs(
        side.nat,
        'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE',
        ...(sym ? ['--random-fully'] : []),
      );
      // Home-router behaviour: unsolicited inbound traffic to the router itself is dropped.
      inNs(side.nat, 'iptables', '-A', 'INPUT', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP');
    }
  }

  /** Switches a side's NAT between symmetric and endpoint-independent mapping (for calls made afterwards). */
  setNat(side: NatSide, symmetric: boolean): void {
    inNs(side.nat, 'iptables', '-t', 'nat', '-F', 'POSTROUTING');
    inNs(side.nat, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', ...(symmetric ? ['--random-fully'] : []));
  }

  /** Drops everything the side's host sends or receives through its NAT; returns the restore function. */
  cut(side: NatSide): () => void {
    const rule = ['FORWARD', '-s', side.hostIp, '-j', 'DROP'];
    const back = ['FORWARD', '-d', side.hostIp, '-j', 'DROP'];
    inNs(side.nat, 'iptables', '-I', ...rule);
    inNs(side.nat, 'iptables', '-I', ...back);
    return () => {
      inNs(side.nat, 'iptables', '-D', ...rule);
      inNs(side.nat, 'iptables', '-D', ...back);
    };
  }

  /** Packets the side's host sent into the cut (the DROP rule's counter); 0 when not cut. */
  droppedFrom(side: NatSide): number {
    const text = execFileSync('ip', ['netns', 'exec', side.nat, 'iptables', '-nvxL', 'FORWARD'], { encoding: 'utf8' });
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      // pkts bytes target prot opt in out source destination
      if (f[2] === 'DROP' && f[7] === side.hostIp) return Number(f[0]);
    }
    return 0;
  }

  /** Kills whatever still runs in the namespaces, then deletes them. Idempotent. */
  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    for (const ns of [...this.#created].reverse()) deleteNamespace(ns);
  }
}

/** True when this process may create namespaces, veths and NAT rules. */
export function natNamespacesAvailable(): { ok: boolean; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not root' };
  try {
    const t = new NatTopology({ symmetric: true });
    t.delete();
    return { ok: true, reason: '' };
  } catch (err) {
    return { ok: false, reason: (err as Error).message.split('\n')[0] ?? 'namespace set-up failed' };
  }
}
