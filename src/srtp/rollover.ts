/**
 * SRTP packet index estimation, RFC 3711 §3.3.1 and Appendix A.
 *
 * The index i = 2^16 * ROC + SEQ is implicit in SRTP: the receiver guesses
 * the sender's rollover counter from the highest index it has authenticated
 * (`highestIndex`, whose low 16 bits are s_l and high bits ROC):
 *
 *   if s_l < 2^15:  v = ROC - 1 if SEQ - s_l > 2^15, else ROC
 *   else:           v = ROC + 1 if s_l - 2^15 > SEQ, else ROC
 *
 * so a packet reordered across a wrap (SEQ 65535 after SEQ 2) gets ROC - 1
 * and the first packet after the wrap gets ROC + 1.
 */
export const SEQ_MODULUS = 0x10000;
const SEQ_HALF = 0x8000;

/**
 * The estimated 48-bit index of a packet with sequence number `seq`.
 * `highestIndex` < 0 means no packet was seen yet: the index is then
 * `initialRoc * 2^16 + seq`. A negative result means the packet would
 * belong before ROC 0 (older than anything the sender can have sent).
 */
export function estimateSrtpIndex(highestIndex: number, initialRoc: number, seq: number): number {
  if (highestIndex < 0) return initialRoc * SEQ_MODULUS + seq;
  const sl = highestIndex % SEQ_MODULUS;
  const roc = (highestIndex - sl) / SEQ_MODULUS;
  let v = roc;
  if (sl < SEQ_HALF) {
    if (seq - sl > SEQ_HALF) v = roc - 1;
  } else if (sl - SEQ_HALF > seq) {
    v = roc + 1;
  }
  return v * SEQ_MODULUS + seq;
}

/** Largest SRTP packet index (RFC 3711 §3.2.1: 2^48 packets per master key). */
export const MAX_SRTP_INDEX = 2 ** 48 - 1;
/** Largest SRTCP index (RFC 3711 §3.4: 31 bits). */
export const MAX_SRTCP_INDEX = 0x7fffffff;
