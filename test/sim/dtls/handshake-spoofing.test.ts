import { beforeAll, describe, expect, it } from 'vitest';
import { ContentType, HandshakeType } from '../../../src/dtls/constants.js';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { encodeHandshakeMessage } from '../../../src/dtls/handshake/header.js';
import { plaintextRecord } from '../../../src/dtls/record/header.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

/** An unauthenticated epoch-0 handshake record, as a blind off-path attacker could send. */
function spoof(msgType: number, messageSeq: number, recordSeq: number, body: Buffer = Buffer.alloc(40, 7)): Buffer {
  return plaintextRecord(ContentType.Handshake, 0, recordSeq, encodeHandshakeMessage(msgType, messageSeq, body));
}

describe('DTLS handshake against spoofed plaintext messages', () => {
  it('a client waiting for the first reply drops a Certificate before ServerHello and still connects', async () => {
    const p = startPair({ seed: 41, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    // message_seq 0 is where the HelloVerifyRequest goes, 1 where the ServerHello goes.
    p.pipe[0].deliver(spoof(HandshakeType.Certificate, 0, 5));
    p.pipe[0].deliver(spoof(HandshakeType.Certificate, 1, 6));
    p.pipe[0].deliver(spoof(HandshakeType.ServerKeyExchange, 0, 7));
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const client = p.results.client as DtlsConnection;
    expect(client).toBeInstanceOf(DtlsConnection);
    expect(p.results.server).toBeInstanceOf(DtlsConnection);
    expect(client.drops.count('unexpected-handshake-message')).toBeGreaterThanOrEqual(2);
    expect(client.session.extendedMasterSecret).toBe(true);
  });

  it('without HelloVerifyRequest, a spoofed message at the ServerHello slot does not take it', async () => {
    const p = startPair({ seed: 42, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB, server: { disableHelloVerify: true } });
    p.pipe[0].deliver(spoof(HandshakeType.ServerHelloDone, 0, 3, Buffer.alloc(0)));
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const client = p.results.client as DtlsConnection;
    expect(client).toBeInstanceOf(DtlsConnection);
    expect(p.results.server).toBeInstanceOf(DtlsConnection);
    expect(client.drops.count('unexpected-handshake-message')).toBe(1);
  });

  it('the server drops an unexpected message in place of the client Certificate and still connects', async () => {
    const p = startPair({ seed: 43, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB });
    let injected = false;
    // When flight 4 leaves the server, a ServerHello-typed message claims message_seq 2 (flight 5's first).
    p.pipe[1].setFilter((d) => {
      if (!injected && d.length > 300) {
        injected = true;
        p.pipe[1].deliver(spoof(HandshakeType.ServerHello, 2, 50));
      }
      return true;
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    expect(injected).toBe(true);
    const server = p.results.server as DtlsConnection;
    expect(server).toBeInstanceOf(DtlsConnection);
    expect(p.results.client).toBeInstanceOf(DtlsConnection);
    expect(server.drops.count('unexpected-handshake-message')).toBe(1);
  });

  it('a HelloRequest mid-handshake is ignored by both sides (RFC 5246 §7.4.1.1)', async () => {
    const p = startPair({ seed: 44, clientCert: certs.rsaA, serverCert: certs.rsaB });
    p.pipe[0].deliver(spoof(HandshakeType.HelloRequest, 0, 9, Buffer.alloc(0)));
    let injected = false;
    p.pipe[1].setFilter((d) => {
      if (!injected && d.length > 300) {
        injected = true;
        p.pipe[0].deliver(spoof(HandshakeType.HelloRequest, 1, 10, Buffer.alloc(0)));
        p.pipe[1].deliver(spoof(HandshakeType.HelloRequest, 2, 51, Buffer.alloc(0)));
      }
      return true;
    });
    expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
    const client = p.results.client as DtlsConnection;
    const server = p.results.server as DtlsConnection;
    expect(client).toBeInstanceOf(DtlsConnection);
    expect(server).toBeInstanceOf(DtlsConnection);
    expect(client.drops.count('hello-request-during-handshake')).toBe(2);
    expect(server.drops.count('hello-request-during-handshake')).toBe(1);
  });
});
