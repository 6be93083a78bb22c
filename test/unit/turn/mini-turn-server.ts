import { createHash } from 'node:crypto';
import { StunAttr, StunClass, StunMethod } from '../../../src/stun/constants.js';
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
  key: Buffer;
  /**
   * RFC 8489 §9.2.1 security features: a nonce cookie announcing password
   * algorithms (offered in this order) and, optionally, username anonymity.
   */
  #modern: { algorithms: number[]; userhash: boolean } | undefined;
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
    this.#nonceSeq++;
    this.nonce = this.#modern ? `${this.#cookie()}n${this.#nonceSeq}` : `nonce-${this.#nonceSeq}`;
  }

  /** Switches to RFC 8489 security features; the key follows the first offered algorithm the client takes. */
  enableSecurityFeatures(algorithms: number[], userhash: boolean): void {
    this.#modern = { algorithms, userhash };
    this.rotateNonce();
    this.key =
      algorithms[0] === 2
        ? createHash('sha256').update(`${this.username}:${this.realm}:${this.password}`).digest()
        : longTermKey(this.username, this.realm, this.password);
  }

  #cookie(): string {
    const bits = Buffer.from([0x80 | (this.#modern?.userhash ? 0x40 : 0), 0, 0]);
    return `obMatJos2${bits.toString('base64')}`;
  }

  #passwordAlgorithms(): Buffer {
    const b = Buffer.alloc(4 * this.#modern!.algorithms.length);
    this.#modern!.algorithms.forEach((a, i) => b.writeUInt16BE(a, 4 * i));
    return b;
  }

  #challenge(msg: StunMessage, code: number, reason: string): Buffer {
    const res = buildErrorResponse(msg, code, reason, { realm: this.realm, nonce: this.nonce });
    if (this.#modern) res.addAttr(StunAttr.PasswordAlgorithms, this.#passwordAlgorithms());
    return res.encode();
  }

  #sign(res: StunMessage): Buffer {
    return this.#modern ? res.encode({ integritySha256Key: this.key }) : res.encode({ integrityKey: this.key });
  }

  /** RFC 8489 §9.2.4 checks of the modern mode: USERHASH, echoed algorithms, MESSAGE-INTEGRITY-SHA256. */
  #modernAuthOk(msg: StunMessage): boolean {
    const m = this.#modern!;
    if (m.userhash) {
      const expected = createHash('sha256').update(`${this.username}:${this.realm}`).digest();
      if (!msg.getAttr(StunAttr.Userhash)?.equals(expected) || msg.getUsername() !== undefined) return false;
    } else if (msg.getUsername() !== this.username) return false;
    if (!msg.getAttr(StunAttr.PasswordAlgorithms)?.equals(this.#passwordAlgorithms())) return false;
    if (msg.getAttr(StunAttr.PasswordAlgorithm)?.readUInt16BE(0) !== m.algorithms[0]) return false;
    return msg.verifyIntegritySha256(this.key);
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
    const signed = msg.hasAttr(StunAttr.MessageIntegrity) || msg.hasAttr(StunAttr.MessageIntegritySha256);
    if (!signed) return [this.#challenge(msg, 401, 'Unauthorized')];
    const authOk = this.#modern
      ? this.#modernAuthOk(msg)
      : msg.verifyIntegrity(this.key) && msg.getUsername() === this.username;
    if (!authOk) return [this.#challenge(msg, 401, 'Unauthorized')];
    if (this.staleNext > 0 || msg.getNonce() !== this.nonce) {
      if (this.staleNext > 0) {
        this.staleNext--;
        this.rotateNonce();
      }
      return [this.#challenge(msg, 438, 'Stale Nonce')];
    }
    const err = this.errors.get(msg.method);
    if (err) {
      if (err.once) this.errors.delete(msg.method);
      const res = buildErrorResponse(msg, err.code, err.reason);
      if (err.alternate) res.setAlternateServer(err.alternate);
      return [err.unsigned ? res.encode() : this.#sign(res)];
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
    const out = this.#sign(res);
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
