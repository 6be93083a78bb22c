import { ownedCopy } from '../common/owned-bytes.js';
import type { Rng } from '../common/rng.js';
import type { TransportAddress } from '../transport/net.js';
import {
  StunAttr,
  StunClass,
  StunMessage,
  StunMethod,
  StunIntegrityKey,
  buildErrorResponse,
  newTransactionId,
  shortTermKey,
} from '../stun/index.js';
import type { IceRole } from './agent-config.js';

/** Largest STUN message the agent accepts; ICE checks are far smaller (oversized input is dropped). */
export const MAX_STUN_MESSAGE_BYTES = 1500;

export interface CheckRequestParams {
  localUfrag: string;
  remoteUfrag: string;
  /** Short-term key from the remote password (RFC 8489 §9.2.2). */
  remoteKey: IceKey;
  /** RFC 8445 §7.2.2: priority a peer-reflexive candidate from this base would get. */
  priority: number;
  role: IceRole;
  tieBreaker: bigint;
  useCandidate: boolean;
}

/** RFC 8445 §7.2.2: a connectivity check (Binding request). */
export function buildCheckRequest(rng: Rng, p: CheckRequestParams): { data: Buffer; transactionId: Buffer } {
  const transactionId = newTransactionId(rng);
  const m = new StunMessage(StunMethod.Binding, StunClass.Request, transactionId);
  // RFC 8445 §7.2.2: USERNAME is "<remote ufrag>:<local ufrag>".
  m.setUsername(`${p.remoteUfrag}:${p.localUfrag}`);
  m.setPriority(p.priority);
  if (p.role === 'controlling') m.setIceControlling(p.tieBreaker);
  else m.setIceControlled(p.tieBreaker);
  if (p.useCandidate) m.setUseCandidate();
  return { data: m.encode({ integrityKey: p.remoteKey, fingerprint: true }), transactionId };
}

/** RFC 8445 §7.3.1.2: success response carrying the source as XOR-MAPPED-ADDRESS, integrity with the local password. */
export function buildCheckSuccess(request: StunMessage, from: TransportAddress, localKey: IceKey): Buffer {
  const m = new StunMessage(StunMethod.Binding, StunClass.SuccessResponse, request.transactionId);
  m.setXorMappedAddress(from);
  return m.encode({ integrityKey: localKey, fingerprint: true });
}

/** An error response (e.g. 487 Role Conflict, 420 Unknown Attribute) with integrity and fingerprint. */
export function buildCheckError(
  request: StunMessage,
  code: number,
  reason: string,
  localKey: IceKey,
  unknownAttributes?: number[],
): Buffer {
  const m = buildErrorResponse(request, code, reason);
  if (unknownAttributes && unknownAttributes.length > 0 && !m.hasAttr(StunAttr.UnknownAttributes)) {
    m.setUnknownAttributes(unknownAttributes);
  }
  return m.encode({ integrityKey: localKey, fingerprint: true });
}

/** RFC 8445 §11: keepalive as a Binding indication (no response expected). */
export function buildKeepalive(rng: Rng): Buffer {
  return new StunMessage(StunMethod.Binding, StunClass.Indication, newTransactionId(rng)).encode({ fingerprint: true });
}

/** A plain Binding request to a STUN server (server-reflexive gathering, RFC 8445 §5.1.1.2). */
export function buildServerBindingRequest(rng: Rng): { data: Buffer; transactionId: Buffer } {
  const transactionId = newTransactionId(rng);
  const data = new StunMessage(StunMethod.Binding, StunClass.Request, transactionId).encode({ fingerprint: true });
  return { data, transactionId };
}

/**
 * A MESSAGE-INTEGRITY key as the agent holds it: the raw short-term key
 * (RFC 8489 §9.2.2). Kept as bytes rather than a precomputed
 * StunIntegrityKey (about 2 KiB of HMAC state and scratch each): an agent
 * signs a handful of messages per second at most, and thousands of idle
 * agents per process matter more than a few microseconds per check.
 */
export type IceKey = Buffer | StunIntegrityKey;

const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

export function iceKey(pwd: string): Buffer {
  // ICE passwords are ice-chars (RFC 8445 §5.3), for which OpaqueString (RFC 8265) is the
  // identity: skip the Unicode normalization. Anything else takes the full path.
  // Kept for the agent's life: out of Node's shared Buffer pool (see ownedCopy).
  return ownedCopy(PRINTABLE_ASCII.test(pwd) ? Buffer.from(pwd, 'latin1') : shortTermKey(pwd));
}

/** The same key with HMAC state precomputed, for phases that sign and verify many messages. */
export function toFastKey(k: IceKey): StunIntegrityKey {
  return k instanceof StunIntegrityKey ? k : new StunIntegrityKey(k);
}

/** A trace label for a Binding message. */
export function classLabel(m: StunMessage): string {
  switch (m.messageClass) {
    case StunClass.Request:
      return 'binding request';
    case StunClass.SuccessResponse:
      return 'binding success';
    case StunClass.ErrorResponse:
      return 'binding error';
    default:
      return 'binding indication';
  }
}
