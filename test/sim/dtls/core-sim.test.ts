import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/common/rng.js';
import type { DtlsCertificate } from '../../../src/dtls/certificate.js';
import { ContentType } from '../../../src/dtls/constants.js';
import { DtlsCore } from '../../../src/dtls/dtls-core.js';
import { parseHandshakeFragments } from '../../../src/dtls/handshake/header.js';
import { parseRecords } from '../../../src/dtls/record/header.js';
import type { DtlsEvent } from '../../../src/dtls/types.js';
import { makeCerts, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

interface Peer {
  core: DtlsCore;
  events: DtlsEvent[];
  sent: Buffer[];
}

function makePeers(clientCert: DtlsCertificate, serverCert: DtlsCertificate, extra: { mtu?: number } = {}): [Peer, Peer] {
  const fp = (c: DtlsCertificate) => [{ algorithm: 'sha-256', value: c.fingerprint() }];
  const client = new DtlsCore({ role: 'client', certificate: clientCert, remoteFingerprints: fp(serverCert), rng: new SeededRng(1), ...extra });
  const server = new DtlsCore({ role: 'server', certificate: serverCert, remoteFingerprints: fp(clientCert), rng: new SeededRng(2), ...extra });
  return [
    { core: client, events: [], sent: [] },
    { core: server, events: [], sent: [] },
  ];
}

/** Moves every pending datagram between the two cores at time `now`; `filter` may drop or alter them. */
function pump(now: number, a: Peer, b: Peer, filter: (from: Peer, d: Buffer) => Buffer | undefined = (_f, d) => d): void {
  for (let progress = true; progress; ) {
    progress = false;
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      for (let d = from.core.pollTransmit(); d; d = from.core.pollTransmit()) {
        from.sent.push(d);
        progress = true;
        const out = filter(from, d);
        if (out) to.core.handleInput(now, out);
      }
      for (let e = from.core.pollEvent(); e; e = from.core.pollEvent()) from.events.push(e);
    }
  }
}

function runUntilConnected(a: Peer, b: Peer, filter?: (from: Peer, d: Buffer) => Buffer | undefined, maxMs = 30_000): number {
  let now = 0;
  a.core.start(now);
  b.core.start(now);
  pump(now, a, b, filter);
  while (!(a.core.state === 'connected' && b.core.state === 'connected')) {
    const next = Math.min(a.core.pollTimeout() ?? Infinity, b.core.pollTimeout() ?? Infinity);
    if (!Number.isFinite(next) || next > maxMs) break;
    now = next;
    a.core.handleTimeout(now);
    b.core.handleTimeout(now);
    pump(now, a, b, filter);
  }
  return now;
}

describe('DtlsCore on virtual time', () => {
  it('a clean handshake takes exactly 3 datagrams each way at MTU 1200 and no timer fires', () => {
    const [c, s] = makePeers(certs.ecdsaA, certs.ecdsaB);
    const t = runUntilConnected(c, s);
    expect(t).toBe(0);
    expect(c.sent.length).toBe(3); // ClientHello, ClientHello+cookie, flight 5
    expect(s.sent.length).toBe(3); // HelloVerifyRequest, flight 4, flight 6
    expect(c.events.map((e) => e.type)).toEqual(['connected']);
    expect(s.events.map((e) => e.type)).toEqual(['connected']);
    expect(c.core.pollTimeout()).toBeUndefined();
    expect(s.core.pollTimeout()).toBeUndefined();
  });

  it('a ClientHello fragmented by a small MTU is reassembled by the stateless server', () => {
    const [c, s] = makePeers(certs.ecdsaA, certs.ecdsaB, { mtu: 120 });
    runUntilConnected(c, s);
    expect(c.core.state).toBe('connected');
    expect(s.core.state).toBe('connected');
    // The hello did not fit one datagram.
    const first = parseHandshakeFragments(parseRecords(c.sent[0]!)[0]!.fragment)[0]!;
    expect(first.msgType).toBe(1);
    expect(first.fragment.length).toBeLessThan(first.length);
    for (const d of [...c.sent, ...s.sent]) expect(d.length).toBeLessThanOrEqual(120);
  });

  it('a lost flight 6 is recovered by the client timer and the server answering the retransmitted flight 5', () => {
    const [c, s] = makePeers(certs.ecdsaA, certs.ecdsaB);
    let dropped = 0;
    const t = runUntilConnected(c, s, (from, d) => {
      if (from === s && s.core.state === 'connected' && dropped === 0) {
        dropped++;
        return undefined;
      }
      return d;
    });
    expect(dropped).toBe(1);
    expect(t).toBe(1000);
    expect(s.sent.length).toBe(4);
  });

  it('garbage, truncated and forged records during and after the handshake are dropped without harm', () => {
    const [c, s] = makePeers(certs.ecdsaA, certs.ecdsaB, { mtu: 300 });
    const rng = new SeededRng(99);
    const mangle = (d: Buffer): Buffer[] => {
      const out: Buffer[] = [rng.bytes(1 + (rng.uint32() % 80)), d.subarray(0, rng.uint32() % d.length)];
      const flipped = Buffer.from(d);
      const recs = parseRecords(flipped);
      const r = recs[recs.length - 1]!;
      // Flip a bit inside an encrypted record (epoch 1): authentication must fail.
      if (r.epoch === 1 && r.fragment.length) {
        r.fragment[r.fragment.length - 1]! ^= 0x80;
        out.push(flipped);
      }
      // A fake record header claiming epoch 1 with random content.
      const fake = Buffer.concat([Buffer.from([ContentType.ApplicationData, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, rng.uint32() & 0xff, 0, 40]), rng.bytes(40)]);
      out.push(fake);
      return out;
    };
    const t = runUntilConnected(c, s, (from, d) => {
      const to = from === c ? s : c;
      for (const junk of mangle(d)) to.core.handleInput(0, junk);
      return d;
    });
    expect(t).toBe(0);
    expect(c.core.state).toBe('connected');
    expect(s.core.state).toBe('connected');
    expect(c.core.drops.total + s.core.drops.total).toBeGreaterThan(0);
    // After the handshake: data still flows around forged traffic.
    c.core.send(Buffer.from('ping'));
    pump(0, c, s, (from, d) => {
      const to = from === c ? s : c;
      for (const junk of mangle(d)) to.core.handleInput(0, junk);
      return d;
    });
    expect(s.events.filter((e) => e.type === 'data').map((e) => (e as { data: Buffer }).data.toString())).toEqual(['ping']);
    expect(c.core.state).toBe('connected');
    expect(s.core.state).toBe('connected');
  });

  it('a replayed application record is delivered once', () => {
    const [c, s] = makePeers(certs.ecdsaA, certs.ecdsaB);
    runUntilConnected(c, s);
    c.core.send(Buffer.from('once'));
    const d = c.core.pollTransmit()!;
    s.core.handleInput(0, d);
    s.core.handleInput(0, d);
    const data = [];
    for (let e = s.core.pollEvent(); e; e = s.core.pollEvent()) if (e.type === 'data') data.push(e.data.toString());
    expect(data).toEqual(['once']);
    expect(s.core.drops.count('replay')).toBe(1);
  });

  it('data sent before the peer saw our Finished is buffered and delivered on connect', () => {
    const [c, s] = makePeers(certs.ecdsaA, certs.ecdsaB);
    // Hold the server's flight 6; the server is connected and sends data first.
    const held: Buffer[] = [];
    runUntilConnected(c, s, (from, d) => {
      if (from === s && s.core.state === 'connected') {
        held.push(d);
        return undefined;
      }
      return d;
    }, 0);
    expect(s.core.state).toBe('connected');
    s.core.send(Buffer.from('early'));
    const early = s.core.pollTransmit()!;
    c.core.handleInput(0, early);
    for (const d of held) c.core.handleInput(0, d);
    const types: string[] = [];
    for (let e = c.core.pollEvent(); e; e = c.core.pollEvent()) types.push(e.type === 'data' ? `data:${e.data.toString()}` : e.type);
    expect(types).toEqual(['connected', 'data:early']);
  });
});
