import { StunClass, StunMethod, StunAttr } from '../../../src/stun/constants.js';
import { longTermKey } from '../../../src/stun/credentials.js';
import { buildErrorResponse, buildSuccessResponse } from '../../../src/stun/error-response.js';
import { StunMessage } from '../../../src/stun/message.js';
import type { TransportAddress } from '../../../src/transport/net.js';
import { decodeChannelData } from '../../../src/turn/channel-data.js';

/**
 * A scripted, sans-IO TURN server for unit tests: long-term credentials with
 * a rotating nonce, Allocate/Refresh/CreatePermission/ChannelBind, Send
 * indications and ChannelData recorded, plus knobs to misbehave.
 */
export class MiniTurnServer {
  realm = 'tern';
  nonce = 'nonce-0';
  #nonceSeq = 0;
  readonly key: Buffer;
  grantedLifetimeSec = 600;
  relayed: TransportAddress = { address: '203.0.113.5', port: 50000 };
  mapped: TransportAddress = { address: '198.51.100.7', port: 40000 };
  /** Answer the next N authenticated requests with 438 and a new nonce. */
  staleNext = 0;
  /** Drop (do not answer) requests of these methods. */
  readonly silent = new Set<number>();
  /** Answer requests of a method with this error (signed unless `unsigned`). */
  readonly errors = new Map<
    number,
    { code: number; reason: string; unsigned?: boolean; alternate?: TransportAddress; once?: boolean }
  >();
  /** Corrupt the MESSAGE-INTEGRITY of the next N success responses. */
  corruptNext = 0;
  readonly requests: StunMessage[] = [];
  readonly sendIndications: Array<{ peer: TransportAddress; data: Buffer }> = [];
  readonly channelData: Array<{ channel: number; data: Buffer; wireLength: number }> = [];
  readonly permissions = new Map<string, number>();
  readonly channels = new Map<number, TransportAddress>();
  allocated = false;

  constructor(
    readonly username = 'user',
    readonly password = 'pass',
  ) {
    this.key = longTermKey(username, this.realm, password);
  }

  requestsOf(method: number): StunMessage[] {
    return this.requests.filter((m) => m.method === method);
  }

  rotateNonce(): void {
    this.nonce = `nonce-${++this.#nonceSeq}`;
  }

  /** Handles one message from the client; returns the responses. */
  handle(bytes: Buffer): Buffer[] {
    if ((bytes[0]! & 0xc0) === 0x40) {
      const cd = decodeChannelData(bytes);
      if (cd) this.channelData.push({ channel: cd.channel, data: Buffer.from(cd.data), wireLength: bytes.length });
      return [];
    }
    const msg = StunMessage.decode(bytes);
    if (msg.messageClass === StunClass.Indication) {
      if (msg.method === StunMethod.Send) {
        this.sendIndications.push({ peer: msg.getXorPeerAddresses()[0]!, data: msg.getData()! });
      }
      return [];
    }
    this.requests.push(msg);
    if (this.silent.has(msg.method)) return [];
    const username = msg.getUsername();
    if (username === undefined || !msg.hasAttr(StunAttr.MessageIntegrity)) {
      return [buildErrorResponse(msg, 401, 'Unauthorized', { realm: this.realm, nonce: this.nonce }).encode()];
    }
    if (!msg.verifyIntegrity(this.key) || username !== this.username) {
      return [buildErrorResponse(msg, 401, 'Unauthorized', { realm: this.realm, nonce: this.nonce }).encode()];
    }
    if (this.staleNext > 0 || msg.getNonce() !== this.nonce) {
      if (this.staleNext > 0) {
        this.staleNext--;
        this.rotateNonce();
      }
      return [buildErrorResponse(msg, 438, 'Stale Nonce', { realm: this.realm, nonce: this.nonce }).encode()];
    }
    const err = this.errors.get(msg.method);
    if (err) {
      if (err.once) this.errors.delete(msg.method);
      const res = buildErrorResponse(msg, err.code, err.reason);
      if (err.alternate) res.setAlternateServer(err.alternate);
      return [err.unsigned ? res.encode() : res.encode({ integrityKey: this.key })];
    }
    const res = buildSuccessResponse(msg);
    switch (msg.method) {
      case StunMethod.Allocate:
        this.allocated = true;
        res.setXorRelayedAddress(this.relayed).setXorMappedAddress(this.mapped).setLifetime(this.grantedLifetimeSec);
        break;
      case StunMethod.Refresh: {
        const lifetime = msg.getLifetime() ?? this.grantedLifetimeSec;
        if (lifetime === 0) this.allocated = false;
        res.setLifetime(Math.min(lifetime, this.grantedLifetimeSec));
        break;
      }
      case StunMethod.CreatePermission:
        for (const p of msg.getXorPeerAddresses()) this.permissions.set(p.address, (this.permissions.get(p.address) ?? 0) + 1);
        break;
      case StunMethod.ChannelBind:
        this.channels.set(msg.getChannelNumber()!, msg.getXorPeerAddresses()[0]!);
        break;
    }
    const out = res.encode({ integrityKey: this.key });
    if (this.corruptNext > 0) {
      this.corruptNext--;
      out[out.length - 1]! ^= 0xff;
    }
    return [out];
  }

  dataIndication(peer: TransportAddress, data: Buffer): Buffer {
    return new StunMessage(StunMethod.Data, StunClass.Indication, Buffer.alloc(12, 7))
      .addXorPeerAddress(peer)
      .setData(data)
      .encode();
  }
}
