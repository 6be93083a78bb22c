import { StunClass, StunMethod } from '../stun/constants.js';
import { StunMessage } from '../stun/message.js';
import type { TransportAddress } from '../transport/net.js';
import { TRANSPORT_UDP } from './constants.js';
import { signRequest, type LongTermAuth } from './long-term-auth.js';

/**
 * Builders for the TURN requests and indications of RFC 8656 and the
 * long-term credential attributes of RFC 8489 §9.2.
 */

/** RFC 8656 §7.1: Allocate with REQUESTED-TRANSPORT (UDP), optionally LIFETIME and REQUESTED-ADDRESS-FAMILY. */
export function buildAllocate(
  transactionId: Buffer,
  options: { lifetimeSec?: number | undefined; family?: 4 | 6 | undefined; software?: string | undefined },
): StunMessage {
  const msg = new StunMessage(StunMethod.Allocate, StunClass.Request, transactionId);
  msg.setRequestedTransport(TRANSPORT_UDP);
  if (options.lifetimeSec !== undefined) msg.setLifetime(options.lifetimeSec);
  // RFC 8656 §7.1 / RFC 6156: ask for an IPv6 relayed address explicitly (IPv4 is the default).
  if (options.family === 6) msg.setRequestedAddressFamily(6);
  if (options.software !== undefined) msg.setSoftware(options.software);
  return msg;
}

/** RFC 8656 §8.1: Refresh; LIFETIME 0 deletes the allocation. */
export function buildRefresh(transactionId: Buffer, lifetimeSec: number | undefined): StunMessage {
  const msg = new StunMessage(StunMethod.Refresh, StunClass.Request, transactionId);
  if (lifetimeSec !== undefined) msg.setLifetime(lifetimeSec);
  return msg;
}

/** RFC 8656 §9.1: CreatePermission with one XOR-PEER-ADDRESS (the port is ignored by the server). */
export function buildCreatePermission(transactionId: Buffer, peer: TransportAddress): StunMessage {
  return new StunMessage(StunMethod.CreatePermission, StunClass.Request, transactionId).addXorPeerAddress(peer);
}

/** RFC 8656 §12.1: ChannelBind with CHANNEL-NUMBER and XOR-PEER-ADDRESS. */
export function buildChannelBind(transactionId: Buffer, channel: number, peer: TransportAddress): StunMessage {
  return new StunMessage(StunMethod.ChannelBind, StunClass.Request, transactionId)
    .setChannelNumber(channel)
    .addXorPeerAddress(peer);
}

/**
 * Encodes a request, authenticated when `auth` is given: RFC 8489 §9.2.3.2
 * adds USERNAME (or USERHASH), REALM, NONCE (and the password algorithm
 * attributes when the server announced them), then MESSAGE-INTEGRITY or
 * MESSAGE-INTEGRITY-SHA256 as the last attribute.
 */
export function encodeRequest(msg: StunMessage, auth: LongTermAuth | undefined): Buffer {
  return auth ? signRequest(msg, auth) : msg.encode();
}

/** RFC 8656 §10.1: a Send indication carrying `data` to `peer` (no integrity: indications are not authenticated). */
export function encodeSendIndication(transactionId: Buffer, peer: TransportAddress, data: Uint8Array): Buffer {
  return new StunMessage(StunMethod.Send, StunClass.Indication, transactionId)
    .addXorPeerAddress(peer)
    .setData(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    .encode();
}

/** RFC 8489 §14.15: ALTERNATE-SERVER (encoded like MAPPED-ADDRESS). */
export function getAlternateServer(msg: StunMessage): TransportAddress | undefined {
  return msg.getAlternateServer();
}

/** Hex key of a transaction ID, for maps. */
export function transactionKey(transactionId: Buffer): string {
  return transactionId.toString('hex');
}
