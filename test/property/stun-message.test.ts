import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StunAttr, StunDecodeError, StunMessage } from '../../src/stun/index.js';
import type { StunClass } from '../../src/stun/index.js';

const KEY = Buffer.from('property-test-password');

/** Decodes and exercises every reader; anything but a message or a StunDecodeError fails the property. */
function decodeAndRead(data: Uint8Array): void {
  let m: StunMessage;
  try {
    m = StunMessage.decode(data);
  } catch (e) {
    if (!(e instanceof StunDecodeError)) throw e;
    return;
  }
  m.verifyIntegrity(KEY);
  m.verifyIntegritySha256(KEY);
  m.verifyFingerprint();
  m.getXorMappedAddress();
  m.getMappedAddress();
  m.getAlternateServer();
  m.getXorPeerAddresses();
  m.getXorRelayedAddresses();
  m.getUsername();
  m.getSoftware();
  m.getRealm();
  m.getNonce();
  m.getPriority();
  m.hasUseCandidate();
  m.getIceControlling();
  m.getIceControlled();
  m.getErrorCode();
  m.getUnknownAttributes();
  m.getLifetime();
  m.getData();
  m.getChannelNumber();
  m.getRequestedTransport();
  m.getRequestedAddressFamily();
  m.getEvenPort();
  m.getReservationToken();
  m.getConnectionId();
  m.unknownComprehensionRequired();
  // Whatever decoded must re-encode and decode again.
  StunMessage.decode(m.encode({ integrityKey: KEY, fingerprint: true }));
}

const KNOWN_TYPES = Object.values(StunAttr);

/** A raw attribute: mostly known types with values of plausible sizes, some unknown ones. */
const rawAttribute = fc.record({
  type: fc.oneof(fc.constantFrom(...KNOWN_TYPES), fc.integer({ min: 0, max: 0xffff })),
  value: fc.oneof(
    fc.constantFrom(0, 1, 4, 8, 20).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    fc.uint8Array({ maxLength: 64 }),
  ),
});

/** Builds wire bytes directly (bypassing encode's checks) with a valid header. */
function wire(method: number, cls: number, attrs: { type: number; value: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attrs) {
    const h = Buffer.alloc(4);
    h.writeUInt16BE(a.type, 0);
    h.writeUInt16BE(a.value.length, 2);
    parts.push(h, Buffer.from(a.value), Buffer.alloc((4 - (a.value.length % 4)) % 4));
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(20);
  const m = new StunMessage(method, cls as StunClass, Buffer.alloc(12, 7));
  head.writeUInt16BE(m.encode().readUInt16BE(0), 0);
  head.writeUInt16BE(body.length & 0xffff, 2);
  head.writeUInt32BE(0x2112a442, 4);
  head.fill(7, 8);
  return Buffer.concat([head, body]);
}

const validWire = fc
  .tuple(fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 3 }), fc.array(rawAttribute, { maxLength: 8 }))
  .map(([method, cls, attrs]) => wire(method, cls, attrs));

describe('STUN decoder robustness', () => {
  it('arbitrary bytes yield a message or StunDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => decodeAndRead(b)), { numRuns: 2000 });
  });

  it('arbitrary bytes behind a valid header yield a message or StunDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 0x3fff }), (body, type) => {
        const head = Buffer.alloc(20);
        head.writeUInt16BE(type, 0);
        head.writeUInt16BE(body.length & ~3, 2);
        head.writeUInt32BE(0x2112a442, 4);
        decodeAndRead(Buffer.concat([head, body]));
      }),
      { numRuns: 2000 },
    );
  });

  it('structurally valid messages with arbitrary attribute values never throw anything else', () => {
    fc.assert(fc.property(validWire, (b) => decodeAndRead(b)), { numRuns: 1000 });
  });

  it('mutated valid messages yield a message or StunDecodeError', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    );
    fc.assert(
      fc.property(validWire, fc.array(mutation, { minLength: 1, maxLength: 4 }), (orig, muts) => {
        let b = Buffer.from(orig);
        for (const m of muts) {
          const at = m.at % (b.length + 1);
          if (m.kind === 'flip' && at < b.length) b[at]! ^= 1 << m.bit;
          else if (m.kind === 'set' && at < b.length) b[at] = m.v;
          else if (m.kind === 'truncate') b = b.subarray(0, at);
          else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        }
        decodeAndRead(b);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('STUN encode → decode', () => {
  const address = fc.oneof(
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
    fc.ipV6(),
  );
  const transportAddress = fc.record({ address, port: fc.integer({ min: 0, max: 65535 }) });

  it('round-trips typed and unknown attributes, integrity and fingerprint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xfff }),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.option(fc.string({ maxLength: 40 })),
        fc.option(fc.integer({ min: 0, max: 0xffffffff })),
        fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
        fc.option(transportAddress),
        fc.array(transportAddress, { maxLength: 3 }),
        fc.array(fc.record({ type: fc.integer({ min: 0xc000, max: 0xffff }), value: fc.uint8Array({ maxLength: 30 }) }), { maxLength: 3 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.boolean(),
        (method, cls, tid, username, priority, tie, mapped, peers, unknown, key, fp) => {
          const m = new StunMessage(method, cls as StunClass, Buffer.from(tid));
          if (username !== null) m.setUsername(username);
          if (priority !== null) m.setPriority(priority);
          if (tie !== null) m.setIceControlling(tie);
          if (mapped !== null) m.setXorMappedAddress(mapped);
          for (const p of peers) m.addXorPeerAddress(p);
          for (const u of unknown) m.addAttr(u.type, Buffer.from(u.value));
          const k = Buffer.from(key);
          const d = StunMessage.decode(m.encode({ integrityKey: k, fingerprint: fp }));
          expect(d.method).toBe(method);
          expect(d.messageClass).toBe(cls);
          expect(d.transactionId.equals(Buffer.from(tid))).toBe(true);
          expect(d.verifyIntegrity(k)).toBe(true);
          expect(d.verifyFingerprint()).toBe(fp);
          expect(d.getUsername()).toBe(username ?? undefined);
          expect(d.getPriority()).toBe(priority ?? undefined);
          expect(d.getIceControlling()).toBe(tie ?? undefined);
          const norm = (a: { address: string; port: number }) => ({
            address: new StunMessage(1, 0, Buffer.alloc(12)).setMappedAddress(a).getMappedAddress()!.address,
            port: a.port,
          });
          expect(d.getXorMappedAddress()).toEqual(mapped === null ? undefined : norm(mapped));
          expect(d.getXorPeerAddresses()).toEqual(peers.map(norm));
          const without = d.attributes.filter((a) => a.type !== StunAttr.MessageIntegrity && a.type !== StunAttr.Fingerprint);
          expect(without.map((a) => [a.type, a.value.toString('hex')])).toEqual(
            m.attributes.map((a) => [a.type, a.value.toString('hex')]),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('IPv6 text survives a bytes → text → bytes round trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 65535 }), (ip, port) => {
        const v = Buffer.concat([Buffer.from([0, 2, port >> 8, port & 255]), Buffer.from(ip)]);
        const m = new StunMessage(1, 2, Buffer.alloc(12)).addAttr(StunAttr.MappedAddress, v);
        const a = m.getMappedAddress()!;
        const again = new StunMessage(1, 2, Buffer.alloc(12)).setMappedAddress(a);
        expect(again.getAttr(StunAttr.MappedAddress)!.equals(v)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
