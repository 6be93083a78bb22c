import type { StunAttribute } from './message.js';
import { StunMessage } from './message.js';
import { StunClass, StunErrorCode } from './constants.js';

export interface ErrorResponseExtras {
  /** UNKNOWN-ATTRIBUTES for a 420 (defaults to the request's unknown comprehension-required types). */
  unknownAttributes?: number[];
  /** SOFTWARE (RFC 8489 §14.14). */
  software?: string;
  /** REALM and NONCE for a 401/438 challenge (RFC 8489 §9.2.4). */
  realm?: string;
  nonce?: string;
  /** Any further attributes, appended as given. */
  attributes?: StunAttribute[];
}

/**
 * RFC 8489 §6.3.4: an error response with the request's method and transaction
 * ID and an ERROR-CODE. For 420 (RFC 8489 §14.13) UNKNOWN-ATTRIBUTES lists
 * the comprehension-required attributes the request carried that are not
 * understood. The caller encodes it (with MESSAGE-INTEGRITY when the request
 * was authenticated and the error is not 400/401/420, per §9.1.4).
 */
export function buildErrorResponse(
  request: StunMessage,
  code: number,
  reason: string,
  extra: ErrorResponseExtras = {},
): StunMessage {
  const res = new StunMessage(request.method, StunClass.ErrorResponse, request.transactionId);
  res.setErrorCode(code, reason);
  if (code === StunErrorCode.UnknownAttribute) {
    res.setUnknownAttributes(extra.unknownAttributes ?? request.unknownComprehensionRequired());
  } else if (extra.unknownAttributes) {
    res.setUnknownAttributes(extra.unknownAttributes);
  }
  if (extra.realm !== undefined) res.setRealm(extra.realm);
  if (extra.nonce !== undefined) res.setNonce(extra.nonce);
  if (extra.software !== undefined) res.setSoftware(extra.software);
  for (const a of extra.attributes ?? []) res.addAttr(a.type, a.value);
  return res;
}

/** RFC 8489 §6.3: a success response skeleton with the request's method and transaction ID. */
export function buildSuccessResponse(request: StunMessage): StunMessage {
  return new StunMessage(request.method, StunClass.SuccessResponse, request.transactionId);
}
