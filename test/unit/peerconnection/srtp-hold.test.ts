import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../../src/common/fake-clock.js';
import { SeededRng } from '../../../src/common/rng.js';
import type { IceConnection } from '../../../src/agent/ice-connection.js';
import { Candidate } from '../../../src/candidate/candidate.js';
import { DtlsCertificate } from '../../../src/dtls/certificate.js';
import { DtlsSrtpTransport } from '../../../src/peerconnection/dtls-srtp-transport.js';
import { SRTP_HOLD_MAX_PACKETS, SrtpHoldBuffer } from '../../../src/peerconnection/srtp-hold-buffer.js';
import { ReceiverReport, serializeRtcp } from '../../../src/rtcp/index.js';
import { RtpPacket } from '../../../src/rtp/rtp-packet.js';
import { SrtpProtectionProfile } from '../../../src/srtp/protection-profile.js';

/**
 * One end of an ICE connection whose datagrams wait in `outbox` until the
 * test hands them to the other end, all at once: a receive batch, as a
 * batched UDP socket reads it.
 */
class BatchIce implements IceConnection {
  readonly outbox: Buffer[] = [];
  readonly localCandidate = Candidate.parse('candidate:1 1 udp 2130706431 127.0.0.1 10000 typ host');
  readonly remoteCandidate = Candidate.parse('candidate:2 1 udp 2130706431 127.0.0.1 10001 typ host');
  #handler: ((d: Buffer) => void) | undefined;
  #closed = false;
  get closed(): boolean {
    return this.#closed;
  }
  send(data: Uint8Array): void {
    if (!this.#closed) this.outbox.push(Buffer.from(data));
  }
  onMessage(handler: (d: Buffer) => void): void {
    this.#handler = handler;
  }
  onClose(): void {}
  close(): void {
    this.#closed = true;
  }
  /** Delivers `batch` synchronously, one datagram after the other. */
  receive(batch: Buffer[]): void {
    for (const d of batch) this.#handler?.(d);
  }
}

function rtp(seq: number, size = 20): Buffer {
  return new RtpPacket({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000, ssrc: 0x1234 }, Buffer.alloc(size, seq & 0xff)).serialize();
}

let certA: DtlsCertificate;
let certB: DtlsCertificate;
beforeAll(async () => {
  [certA, certB] = await Promise.all([DtlsCertificate.generate(), DtlsCertificate.generate()]);
});

interface Pair {
  server: DtlsSrtpTransport;
  client: DtlsSrtpTransport;
  serverIce: BatchIce;
  clientIce: BatchIce;
  rtpAtClient: number[];
  rtcpAtClient: number;
}

function makePair(): Pair {
  const clock = new FakeClock();
  const serverIce = new BatchIce();
  const clientIce = new BatchIce();
  const pair: Pair = { serverIce, clientIce, rtpAtClient: [], rtcpAtClient: 0 } as unknown as Pair;
  const common = { clock, srtpProfiles: [SrtpProtectionProfile.AEAD_AES_128_GCM] };
  pair.server = new DtlsSrtpTransport({
    ...common,
    ice: serverIce,
    role: 'server',
    certificate: certA,
    remoteFingerprints: [{ algorithm: 'sha-256', value: certB.fingerprint('sha-256') }],
    rng: new SeededRng(1),
    onRtp: () => undefined,
    onRtcp: () => undefined,
  });
  pair.client = new DtlsSrtpTransport({
    ...common,
    ice: clientIce,
    role: 'client',
    certificate: certB,
    remoteFingerprints: [{ algorithm: 'sha-256', value: certA.fingerprint('sha-256') }],
    rng: new SeededRng(2),
    onRtp: (p) => pair.rtpAtClient.push(p.readUInt16BE(2)),
    onRtcp: () => void pair.rtcpAtClient++,
  });
  return pair;
}

/**
 * Runs the handshake, handing each side's datagrams to the other in batches.
 * `serverReady` runs the moment the server's transport is keyed, before its
 * final flight has left its outbox: what it sends then shares the flight's batch.
 * `reorder` puts that media ahead of the final flight in the batch.
 */
async function handshake(p: Pair, serverReady: () => void, reorder = false): Promise<void> {
  const serverStarted = p.server.start().then(serverReady);
  const clientStarted = p.client.start();
  for (let i = 0; i < 20 && (p.server.state !== 'connected' || p.client.state !== 'connected'); i++) {
    await flushMicrotasks();
    const toClient = p.serverIce.outbox.splice(0);
    if (reorder && p.server.state === 'connected') {
      const media = toClient.filter((d) => d[0]! >= 128);
      const dtls = toClient.filter((d) => d[0]! < 128);
      p.clientIce.receive([...media, ...dtls]);
    } else {
      p.clientIce.receive(toClient);
    }
    p.serverIce.receive(p.clientIce.outbox.splice(0));
  }
  await Promise.all([serverStarted, clientStarted]);
  await flushMicrotasks();
}

describe('DTLS to SRTP hand-over: media before the keys is held, not dropped', () => {
  it('delivers SRTP and SRTCP from the final flight’s receive batch, in order', async () => {
    const p = makePair();
    let batchHadMedia = false;
    await handshake(p, () => {
      for (let seq = 100; seq < 105; seq++) expect(p.server.writeRtp(rtp(seq))).toBe(true);
      expect(p.server.writeRtcp(serializeRtcp([new ReceiverReport({ ssrc: 1, reports: [] })]))).toBe(true);
      // The final flight (DTLS) is still in the outbox, ahead of the media.
      batchHadMedia = p.serverIce.outbox.some((d) => d[0]! < 64) && p.serverIce.outbox.some((d) => d[0]! >= 128);
    });
    expect(batchHadMedia).toBe(true);
    expect(p.client.state).toBe('connected');
    expect(p.rtpAtClient).toEqual([100, 101, 102, 103, 104]);
    expect(p.rtcpAtClient).toBe(1);
    expect(p.client.drops.total).toBe(0);
    // Later media flows straight through.
    p.server.writeRtp(rtp(105));
    p.clientIce.receive(p.serverIce.outbox.splice(0));
    expect(p.rtpAtClient).toEqual([100, 101, 102, 103, 104, 105]);
    p.server.close();
    p.client.close();
  });

  it('delivers media that overtook the final flight', async () => {
    const p = makePair();
    await handshake(p, () => {
      for (let seq = 7; seq < 10; seq++) p.server.writeRtp(rtp(seq));
    }, true);
    expect(p.rtpAtClient).toEqual([7, 8, 9]);
    expect(p.client.drops.total).toBe(0);
    p.server.close();
    p.client.close();
  });

  it('holds at most SRTP_HOLD_MAX_PACKETS, keeps the oldest and counts the rest', async () => {
    const p = makePair();
    const extra = 10;
    await handshake(p, () => {
      for (let i = 0; i < SRTP_HOLD_MAX_PACKETS + extra; i++) p.server.writeRtp(rtp(i));
    });
    expect(p.rtpAtClient.length).toBe(SRTP_HOLD_MAX_PACKETS);
    expect(p.rtpAtClient.slice(0, 3)).toEqual([0, 1, 2]);
    expect(p.client.drops.count('srtp-hold-full')).toBe(extra);
    p.server.close();
    p.client.close();
  });

  it('discards held media when the transport closes before the keys exist', async () => {
    const p = makePair();
    void p.client.start().catch(() => undefined);
    p.clientIce.receive([rtp(1), rtp(2)]);
    expect(p.rtpAtClient).toEqual([]);
    p.client.close();
    expect(p.client.drops.count('srtp-held-at-close')).toBe(2);
    p.clientIce.receive([rtp(3)]);
    expect(p.rtpAtClient).toEqual([]);
    p.server.close();
  });
});

describe('SrtpHoldBuffer', () => {
  it('is bounded by packets and by bytes, and drains in arrival order', () => {
    const b = new SrtpHoldBuffer(4, 100);
    expect(b.push('rtp', Buffer.alloc(40, 1))).toBe(true);
    expect(b.push('rtcp', Buffer.alloc(40, 2))).toBe(true);
    expect(b.push('rtp', Buffer.alloc(40, 3))).toBe(false); // 120 bytes > 100
    expect(b.push('rtp', Buffer.alloc(10, 4))).toBe(true);
    expect(b.push('rtp', Buffer.alloc(10, 5))).toBe(true);
    expect(b.push('rtp', Buffer.alloc(1, 6))).toBe(false); // 4 packets
    expect(b.size).toBe(4);
    expect(b.bytes).toBe(100);
    const out: string[] = [];
    expect(b.drain((k, d) => out.push(`${k}${d[0]}`))).toBe(4);
    expect(out).toEqual(['rtp1', 'rtcp2', 'rtp4', 'rtp5']);
    expect(b.size).toBe(0);
    expect(b.push('rtp', Buffer.alloc(90))).toBe(true);
    expect(b.clear()).toBe(1);
    expect(b.bytes).toBe(0);
  });
});
