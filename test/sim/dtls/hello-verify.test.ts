import { beforeAll, describe, expect, it } from 'vitest';
import { ContentType, HandshakeType } from '../../../src/dtls/constants.js';
import { DtlsConnection } from '../../../src/dtls/dtls-connection.js';
import { makeCerts, startPair, type Certs } from './helpers.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
});

/** Handshake types of the plaintext (epoch 0) records in one datagram's first record. */
function firstHandshakeType(d: Buffer): number | undefined {
  const epoch = d.readUInt16BE(3);
  return d[0] === ContentType.Handshake && epoch === 0 ? d[13] : undefined;
}

describe('DTLS HelloVerifyRequest on and off', () => {
  for (const disableHelloVerify of [false, true]) {
    it(`disableHelloVerify=${disableHelloVerify}: ${disableHelloVerify ? 'the first ClientHello is answered with flight 4' : 'the server answers with a cookie first'}`, async () => {
      const p = startPair({ seed: 70, clientCert: certs.ecdsaA, serverCert: certs.ecdsaB, server: { disableHelloVerify } });
      const fromServer: number[] = [];
      const fromClient: number[] = [];
      p.pipe[1].setFilter((d) => {
        const t = firstHandshakeType(d);
        if (t !== undefined) fromServer.push(t);
        return true;
      });
      p.pipe[0].setFilter((d) => {
        const t = firstHandshakeType(d);
        if (t !== undefined) fromClient.push(t);
        return true;
      });
      expect(await p.clock.runUntil(p.settled, 10_000)).toBe(true);
      expect(p.results.client).toBeInstanceOf(DtlsConnection);
      expect(p.results.server).toBeInstanceOf(DtlsConnection);
      // The first ClientHello left when startPair started the client, before the filters were set.
      const hellos = fromClient.filter((t) => t === HandshakeType.ClientHello).length;
      if (disableHelloVerify) {
        expect(fromServer[0]).toBe(HandshakeType.ServerHello);
        expect(fromServer).not.toContain(HandshakeType.HelloVerifyRequest);
        expect(hellos).toBe(0);
      } else {
        expect(fromServer[0]).toBe(HandshakeType.HelloVerifyRequest);
        expect(hellos).toBe(1);
      }
    });
  }
});
