import { isIP } from 'node:net';
import { InvalidArgumentError } from '../common/errors.js';
import type { AddressRewriteRule } from './agent-config.js';

/** A gathered candidate address offered to the rules. */
export interface RewriteInput {
  readonly type: 'host' | 'srflx' | 'relay';
  /** Interface the base lives on (host/srflx), if known. */
  readonly iface: string | undefined;
  /** The base's local address (what scope rules match). */
  readonly localAddress: string;
  /** The candidate's current address and port. */
  readonly address: string;
  readonly port: number;
}

/** One announced candidate produced by the rules. */
export interface RewriteOutput {
  readonly type: 'host' | 'srflx' | 'relay';
  readonly address: string;
  readonly port: number;
}

/**
 * Pion's NAT 1:1 shorthand over rewrite rules: each entry is either an
 * external IP, or `external/local` to map one local address.
 * `host` replaces host candidates' addresses; `srflx` appends srflx candidates.
 */
export function nat1To1Rules(ips: readonly string[], type: 'host' | 'srflx' | undefined): AddressRewriteRule[] {
  const asType = type ?? 'host';
  const rules: AddressRewriteRule[] = [];
  const unscoped: string[] = [];
  for (const entry of ips) {
    const [ext, local] = entry.split('/', 2) as [string, string | undefined];
    if (isIP(ext) === 0 || (local !== undefined && isIP(local) === 0)) {
      throw new InvalidArgumentError(`nat1To1IPs: invalid entry ${JSON.stringify(entry)}`);
    }
    if (local !== undefined) {
      rules.push({ external: [ext], localAddress: local, asCandidateType: asType, mode: asType === 'host' ? 'replace' : 'append' });
    } else {
      unscoped.push(ext);
    }
  }
  if (unscoped.length > 0) {
    rules.push({ external: unscoped, asCandidateType: asType, mode: asType === 'host' ? 'replace' : 'append' });
  }
  return rules;
}

/** Checks rules at configuration time (a typed error on misuse). */
export function validateRules(rules: readonly AddressRewriteRule[]): void {
  for (const r of rules) {
    if (r.external.length === 0) throw new InvalidArgumentError('address rewrite rule needs at least one external address');
    for (const a of r.external) {
      if (isIP(a) === 0) throw new InvalidArgumentError(`address rewrite rule: invalid external address ${JSON.stringify(a)}`);
    }
    if (r.externalPort !== undefined && (!Number.isInteger(r.externalPort) || r.externalPort < 1 || r.externalPort > 65535)) {
      throw new InvalidArgumentError(`address rewrite rule: invalid externalPort ${r.externalPort}`);
    }
    if (r.cidr !== undefined) parseCidr(r.cidr);
    if (r.localAddress !== undefined && isIP(r.localAddress) === 0) {
      throw new InvalidArgumentError(`address rewrite rule: invalid localAddress ${JSON.stringify(r.localAddress)}`);
    }
  }
}

function ruleMatches(rule: AddressRewriteRule, c: RewriteInput): boolean {
  if ((rule.targetType ?? 'host') !== c.type) return false;
  if (rule.iface !== undefined && rule.iface !== c.iface) return false;
  if (rule.localAddress !== undefined && rule.localAddress !== c.localAddress) return false;
  if (rule.cidr !== undefined && !inCidr(c.localAddress, rule.cidr)) return false;
  return true;
}

/**
 * Applies the rules to one gathered candidate. Returns the candidates to
 * announce: the original unless a matching rule replaces it, plus every
 * rewritten one. External addresses of the other IP family are skipped.
 * The first matching rule for each output type wins (rules are ordered).
 */
export function applyRewriteRules(rules: readonly AddressRewriteRule[], c: RewriteInput): RewriteOutput[] {
  const out: RewriteOutput[] = [];
  let keepOriginal = true;
  const doneTypes = new Set<string>();
  for (const rule of rules) {
    if (!ruleMatches(rule, c)) continue;
    const asType = rule.asCandidateType ?? 'host';
    if (doneTypes.has(asType)) continue;
    const family = isIP(c.localAddress);
    const externals = rule.external.filter((a) => isIP(a) === family);
    if (externals.length === 0) continue;
    doneTypes.add(asType);
    const mode = rule.mode ?? (asType === c.type ? 'replace' : 'append');
    if (mode === 'replace') keepOriginal = false;
    for (const address of externals) out.push({ type: asType, address, port: rule.externalPort ?? c.port });
  }
  if (keepOriginal) out.unshift({ type: c.type, address: c.address, port: c.port });
  // Drop duplicates (same type/address/port).
  const seen = new Set<string>();
  return out.filter((o) => {
    const k = `${o.type}|${o.address}|${o.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function parseCidr(cidr: string): { bytes: Buffer; bits: number } {
  const [addr, len] = cidr.split('/', 2) as [string, string | undefined];
  const family = isIP(addr);
  const bits = Number(len);
  const maxBits = family === 6 ? 128 : 32;
  if (family === 0 || len === undefined || !Number.isInteger(bits) || bits < 0 || bits > maxBits) {
    throw new InvalidArgumentError(`invalid CIDR ${JSON.stringify(cidr)}`);
  }
  return { bytes: ipBytes(addr), bits };
}

/** Is `address` inside `cidr` (same family)? */
export function inCidr(address: string, cidr: string): boolean {
  const { bytes, bits } = parseCidr(cidr);
  if (isIP(address) === 0) return false;
  const a = ipBytes(address);
  if (a.length !== bytes.length) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((a[byte]! & mask) !== (bytes[byte]! & mask)) return false;
  }
  return true;
}

function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  // IPv6: expand '::' and any embedded IPv4 tail.
  let text = address.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::', 2) as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}
