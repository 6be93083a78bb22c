import { isIP } from 'node:net';
import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import type { TransportAddress } from '../transport/net.js';
import {
  DNS_CLASS_ANY,
  DNS_CLASS_IN,
  DNS_FLAG_AUTHORITATIVE,
  DNS_FLAG_RESPONSE,
  DnsType,
  decodeDnsMessage,
  encodeDnsMessage,
  isResponse,
  type DnsMessage,
  type DnsQuestion,
  type DnsRecord,
} from './dns-message.js';
import { canonicalName } from './dns-name.js';
import { MdnsError } from './errors.js';
import { bytesToIp, ipv4ToBytes, ipv6ToBytes } from './ip-bytes.js';
import { generateMdnsName } from './mdns-name.js';

/** RFC 6762 §5: the mDNS port. */
export const MDNS_PORT = 5353;
/** RFC 6762 §10: TTL of records carrying a host name (A/AAAA): 120 s. */
export const HOST_RECORD_TTL_SEC = 120;
/** RFC 6762 §6.7: legacy unicast responses carry a TTL of at most 10 s. */
export const LEGACY_UNICAST_TTL_SEC = 10;
/** RFC 6762 §5.2: at least 1 s between the first two queries, then doubling. */
export const QUERY_RETRANSMIT_INITIAL_MS = 1000;
/** RFC 6762 §8.3: announcements are sent at least twice, one second apart. */
export const ANNOUNCE_COUNT = 2;
export const ANNOUNCE_INTERVAL_MS = 1000;
/** Bounds (implementation choices): pending queries, cached answers, published names. */
export const DEFAULT_MAX_PENDING_QUERIES = 64;
export const DEFAULT_MAX_CACHE_ENTRIES = 256;
export const DEFAULT_MAX_PUBLISHED_NAMES = 64;

export type MdnsFamily = 4 | 6;

export interface MdnsCoreOptions {
  rng: Rng;
  log?: ScopedLogger;
  maxPendingQueries?: number;
  maxCacheEntries?: number;
  maxPublishedNames?: number;
}

/** A datagram to send; `to` undefined means the mDNS group (224.0.0.251 / ff02::fb, port 5353). */
export interface MdnsTransmit {
  readonly data: Buffer;
  readonly to: TransportAddress | undefined;
}

export type MdnsCoreEvent =
  | { readonly type: 'resolved'; readonly queryId: number; readonly name: string; readonly address: string }
  | { readonly type: 'timeout'; readonly queryId: number; readonly name: string };

interface PendingQuery {
  readonly id: number;
  readonly name: string;
  readonly family: MdnsFamily | undefined;
  readonly deadline: number;
  nextSendAt: number;
  intervalMs: number;
}

interface Published {
  readonly name: string;
  readonly address: string;
  readonly family: MdnsFamily;
  announcesLeft: number;
  nextAnnounceAt: number;
}

interface CacheEntry {
  readonly address: string;
  readonly expiresAt: number;
}

/**
 * Sans-IO multicast DNS (RFC 6762) for A/AAAA records of `.local` host
 * names: one-shot queries with retransmission and a deadline, and a
 * responder for the names this instance publishes (and only those).
 */
export class MdnsCore {
  readonly #rng: Rng;
  readonly #log: ScopedLogger | undefined;
  readonly #maxPending: number;
  readonly #maxCache: number;
  readonly #maxPublished: number;
  readonly #pending = new Map<number, PendingQuery>();
  readonly #cache = new Map<string, CacheEntry>();
  readonly #published = new Map<string, Published>();
  readonly #nameByAddress = new Map<string, string>();
  readonly #transmits: MdnsTransmit[] = [];
  readonly #events: MdnsCoreEvent[] = [];
  #nextQueryId = 1;
  #closed = false;

  constructor(options: MdnsCoreOptions) {
    this.#rng = options.rng;
    this.#log = options.log;
    this.#maxPending = options.maxPendingQueries ?? DEFAULT_MAX_PENDING_QUERIES;
    this.#maxCache = options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES;
    this.#maxPublished = options.maxPublishedNames ?? DEFAULT_MAX_PUBLISHED_NAMES;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  get cacheSize(): number {
    return this.#cache.size;
  }

  get publishedCount(): number {
    return this.#published.size;
  }

  // ---- responder ---------------------------------------------------------------

  /**
   * Publishes `address` under a generated `<uuid>.local` name and returns it;
   * the same address keeps its name while published. Announced twice (RFC 6762 §8.3).
   */
  publish(now: number, address: string): string {
    this.#checkOpen();
    const family = isIP(address);
    if (family !== 4 && family !== 6) throw new MdnsError('ERR_MDNS_INVALID_ADDRESS', `not an IP address: ${address}`);
    const key = family === 6 ? address.toLowerCase() : address;
    const existing = this.#nameByAddress.get(key);
    if (existing !== undefined) return existing;
    if (this.#published.size >= this.#maxPublished) throw new MdnsError('ERR_MDNS_LIMIT', `at most ${this.#maxPublished} published names`);
    const name = generateMdnsName(this.#rng);
    this.#published.set(name, { name, address: key, family, announcesLeft: ANNOUNCE_COUNT, nextAnnounceAt: now });
    this.#nameByAddress.set(key, name);
    this.#log?.debug(`publish ${name} -> ${key}`);
    this.#announce(now);
    return name;
  }

  /** The name `address` is published under, if any. */
  nameOf(address: string): string | undefined {
    return this.#nameByAddress.get(isIP(address) === 6 ? address.toLowerCase() : address);
  }

  /** Withdraws a published name with a goodbye (RFC 6762 §10.1: TTL 0). */
  unpublish(name: string): boolean {
    const p = this.#published.get(canonicalName(name));
    if (!p) return false;
    this.#published.delete(p.name);
    this.#nameByAddress.delete(p.address);
    if (!this.#closed) this.#transmits.push({ data: this.#response([this.#record(p, 0)], 0, []), to: undefined });
    this.#log?.debug(`unpublish ${p.name}`);
    return true;
  }

  // ---- resolver ----------------------------------------------------------------

  /**
   * Starts a one-shot query for `name` (family 4 → A, 6 → AAAA, undefined →
   * both, first answer wins). Always ends with one event: resolved or timeout.
   */
  query(now: number, name: string, timeoutMs: number, family?: MdnsFamily): number {
    this.#checkOpen();
    const n = canonicalName(name);
    if (!n.endsWith('.local')) throw new MdnsError('ERR_MDNS_INVALID_NAME', `not a .local name: ${name}`);
    if (this.#pending.size >= this.#maxPending) throw new MdnsError('ERR_MDNS_LIMIT', `at most ${this.#maxPending} pending queries`);
    const id = this.#nextQueryId++;
    const own = this.#published.get(n);
    if (own && (family === undefined || own.family === family)) {
      this.#events.push({ type: 'resolved', queryId: id, name: n, address: own.address });
      return id;
    }
    const cached = this.#cached(now, n, family);
    if (cached !== undefined) {
      this.#events.push({ type: 'resolved', queryId: id, name: n, address: cached });
      return id;
    }
    this.#pending.set(id, { id, name: n, family, deadline: now + timeoutMs, nextSendAt: now, intervalMs: QUERY_RETRANSMIT_INITIAL_MS });
    this.#sendQueries(now);
    return id;
  }

  /** Drops a pending query without an event. */
  cancel(queryId: number): void {
    this.#pending.delete(queryId);
  }

  // ---- input -------------------------------------------------------------------

  /** Handles one datagram from `from`; throws only MdnsDecodeError. */
  handleMessage(now: number, data: Uint8Array, from: TransportAddress): void {
    if (this.#closed) return;
    const m = decodeDnsMessage(data);
    if (isResponse(m)) this.#onResponse(now, m);
    else this.#onQuery(m, from);
  }

  handleTimeout(now: number): void {
    if (this.#closed) return;
    for (const q of [...this.#pending.values()]) {
      if (q.deadline <= now) {
        this.#pending.delete(q.id);
        this.#log?.debug(`query ${q.name} timed out`);
        this.#events.push({ type: 'timeout', queryId: q.id, name: q.name });
      }
    }
    this.#sendQueries(now);
    this.#announce(now);
  }

  pollTransmit(): MdnsTransmit | undefined {
    return this.#transmits.shift();
  }

  pollEvent(): MdnsCoreEvent | undefined {
    return this.#events.shift();
  }

  /** Absolute time (ms) of the next retransmission, announcement or deadline. */
  pollTimeout(): number | undefined {
    let at = Infinity;
    for (const q of this.#pending.values()) at = Math.min(at, q.deadline, q.nextSendAt);
    for (const p of this.#published.values()) if (p.announcesLeft > 0) at = Math.min(at, p.nextAnnounceAt);
    return at === Infinity ? undefined : at;
  }

  /** Withdraws every published name (goodbyes are queued) and forgets every query, without events. */
  close(): void {
    if (this.#closed) return;
    for (const name of [...this.#published.keys()]) this.unpublish(name);
    this.#closed = true;
    this.#pending.clear();
    this.#cache.clear();
    this.#events.length = 0;
  }

  // ---- internals ---------------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) throw new MdnsError('ERR_MDNS_CLOSED', 'mDNS is closed');
  }

  #sendQueries(now: number): void {
    const due = [...this.#pending.values()].filter((q) => q.nextSendAt <= now && q.deadline > now);
    if (due.length === 0) return;
    const questions: DnsQuestion[] = [];
    const seen = new Set<string>();
    for (const q of due) {
      // RFC 6762 §5.2: the interval between successive queries at least doubles.
      q.nextSendAt = now + q.intervalMs;
      q.intervalMs *= 2;
      for (const type of q.family === 4 ? [DnsType.A] : q.family === 6 ? [DnsType.AAAA] : [DnsType.A, DnsType.AAAA]) {
        const k = `${type}|${q.name}`;
        if (seen.has(k)) continue;
        seen.add(k);
        questions.push({ name: q.name, type, class: DNS_CLASS_IN, unicastResponse: false });
      }
    }
    // RFC 6762 §18.1: multicast queries carry ID 0.
    this.#transmits.push({ data: encodeDnsMessage({ id: 0, flags: 0, questions, answers: [], authorities: [], additionals: [] }), to: undefined });
    if (this.#log?.traceEnabled) this.#log.trace(`query ${questions.map((q) => `${q.name}/${q.type}`).join(' ')}`);
  }

  #announce(now: number): void {
    const due = [...this.#published.values()].filter((p) => p.announcesLeft > 0 && p.nextAnnounceAt <= now);
    if (due.length === 0) return;
    for (const p of due) {
      p.announcesLeft--;
      p.nextAnnounceAt = now + ANNOUNCE_INTERVAL_MS;
    }
    this.#transmits.push({ data: this.#response(due.map((p) => this.#record(p, HOST_RECORD_TTL_SEC)), 0, []), to: undefined });
  }

  #record(p: Published, ttlSec: number): DnsRecord {
    return {
      name: p.name,
      type: p.family === 4 ? DnsType.A : DnsType.AAAA,
      class: DNS_CLASS_IN,
      cacheFlush: true, // RFC 6762 §10.2: our host records are unique
      ttlSec,
      data: p.family === 4 ? ipv4ToBytes(p.address) : ipv6ToBytes(p.address),
    };
  }

  #response(answers: DnsRecord[], id: number, questions: DnsQuestion[]): Buffer {
    return encodeDnsMessage({ id, flags: DNS_FLAG_RESPONSE | DNS_FLAG_AUTHORITATIVE, questions, answers, authorities: [], additionals: [] });
  }

  #onQuery(m: DnsMessage, from: TransportAddress): void {
    // RFC 6762 §6.7: a query from a port other than 5353 is a legacy unicast query.
    const legacy = from.port !== MDNS_PORT;
    const answers: DnsRecord[] = [];
    const answered: DnsQuestion[] = [];
    let unicast = legacy;
    for (const q of m.questions) {
      if (q.class !== DNS_CLASS_IN && q.class !== DNS_CLASS_ANY) continue;
      if (q.type !== DnsType.A && q.type !== DnsType.AAAA && q.type !== DnsType.ANY) continue;
      // Answer only for names this instance owns.
      const p = this.#published.get(canonicalName(q.name));
      if (!p) continue;
      if ((q.type === DnsType.A && p.family !== 4) || (q.type === DnsType.AAAA && p.family !== 6)) continue;
      const record = this.#record(p, legacy ? LEGACY_UNICAST_TTL_SEC : HOST_RECORD_TTL_SEC);
      // RFC 6762 §7.1: known-answer suppression when the querier holds it with at least half the TTL.
      if (!legacy && m.answers.some((a) => a.type === record.type && canonicalName(a.name) === p.name && a.data.equals(record.data) && a.ttlSec >= HOST_RECORD_TTL_SEC / 2)) continue;
      if (answers.some((a) => a.name === record.name && a.type === record.type)) continue;
      answers.push(record);
      answered.push(q);
      if (q.unicastResponse) unicast = true; // RFC 6762 §5.4 QU question
    }
    if (answers.length === 0) return;
    if (this.#log?.traceEnabled) this.#log.trace(`answer ${answers.map((a) => a.name).join(' ')} ${unicast ? `to ${from.address}:${from.port}` : 'by multicast'}`);
    // RFC 6762 §6.7: legacy unicast responses echo the ID and the questions; §6: multicast ones carry neither.
    const data = legacy ? this.#response(answers, m.id, answered) : this.#response(answers, 0, []);
    this.#transmits.push({ data, to: unicast ? from : undefined });
  }

  #onResponse(now: number, m: DnsMessage): void {
    if (this.#pending.size === 0) return;
    for (const r of [...m.answers, ...m.additionals]) {
      if (r.class !== DNS_CLASS_IN || (r.type !== DnsType.A && r.type !== DnsType.AAAA)) continue;
      const name = canonicalName(r.name);
      const family: MdnsFamily = r.type === DnsType.A ? 4 : 6;
      // Only answers to questions asked are cached, so peers cannot fill the cache.
      const waiting = [...this.#pending.values()].filter((q) => q.name === name && (q.family === undefined || q.family === family));
      if (waiting.length === 0) continue;
      const address = bytesToIp(r.data);
      const key = `${family}|${name}`;
      if (r.ttlSec === 0) {
        this.#cache.delete(key); // RFC 6762 §10.1 goodbye
        continue;
      }
      this.#cache.delete(key);
      if (this.#cache.size >= this.#maxCache) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(key, { address, expiresAt: now + r.ttlSec * 1000 });
      for (const q of waiting) {
        this.#pending.delete(q.id);
        this.#log?.debug(`resolved ${name} -> ${address}`);
        this.#events.push({ type: 'resolved', queryId: q.id, name, address });
      }
    }
  }

  #cached(now: number, name: string, family: MdnsFamily | undefined): string | undefined {
    for (const f of family === undefined ? ([4, 6] as const) : [family]) {
      const key = `${f}|${name}`;
      const e = this.#cache.get(key);
      if (!e) continue;
      if (e.expiresAt > now) return e.address;
      this.#cache.delete(key);
    }
    return undefined;
  }
}
