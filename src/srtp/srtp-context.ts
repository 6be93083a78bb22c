import { InvalidArgumentError } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import { createSrtpTransform, type SrtpCipherBackend } from './transform-factory.js';
import { SrtpError, SrtpErrorCode } from './errors.js';
import { deriveSrtpSessionKeys, type SrtpDerivedKeys } from './key-derivation.js';
import { srtpProfileSpec, type SrtpProfileSpec } from './profile-spec.js';
import type { SrtpProtectionProfile } from './protection-profile.js';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from './replay-window.js';
import { MAX_SRTCP_INDEX, MAX_SRTP_INDEX, SEQ_MODULUS, estimateSrtpIndex } from './rollover.js';
import { SsrcStateMap } from './ssrc-state-map.js';
import { RTCP_CLEAR_HEADER, SRTCP_E_FLAG, SRTCP_INDEX_SIZE, type SrtpTransform } from './transform.js';

/**
 * Bound on per-SSRC states per direction and protocol. A WebRTC session
 * carries tens of SSRCs (media, RTX, FEC, simulcast layers); 1024 leaves room
 * for large SFU bundles while capping what forged SSRCs could allocate.
 */
export const DEFAULT_MAX_SSRCS = 1024;

export interface SrtpContextOptions {
  profile: SrtpProtectionProfile;
  masterKey: Buffer;
  masterSalt: Buffer;
  /** Replay window in packets, per SSRC (default 64, RFC 3711 §3.3.2 minimum); up to 32768. */
  replayWindow?: number;
  /** Per-SSRC states kept per direction and protocol before LRU eviction (default 1024). */
  maxSsrcs?: number;
  /** Where the cipher work runs (default `auto`: the native accelerator when it is loaded). */
  cipherBackend?: SrtpCipherBackend;
}

export interface SrtpContextStats {
  rtpProtected: number;
  rtpUnprotected: number;
  rtcpProtected: number;
  rtcpUnprotected: number;
  /** Rejected or failed packets by SrtpError code. */
  errors: Record<SrtpErrorCode, number>;
  /** Per-SSRC states evicted by the maxSsrcs bound. */
  ssrcEvictions: number;
  /** Live per-SSRC states (outbound RTP, inbound RTP, outbound RTCP, inbound RTCP). */
  ssrcs: { rtpOut: number; rtpIn: number; rtcpOut: number; rtcpIn: number };
}

class RtpStream {
  /** Highest authenticated (or sent) 48-bit index; -1 before the first packet. */
  highestIndex = -1;
  /** ROC used for the first packet (RFC 3711 §3.3.1: 0, or signalled). */
  initialRoc = 0;
  window: ReplayWindow | undefined;
}

class RtcpStream {
  /** Next outbound SRTCP index (RFC 3711 §3.4: starts at zero). */
  nextIndex = 0;
  window: ReplayWindow | undefined;
}

const log = getLogger('srtp');

/**
 * SRTP/SRTCP cryptographic context for one master key (RFC 3711 §3.2), with
 * lazily created, bounded per-SSRC state (rollover counter, replay list,
 * SRTCP index). Synchronous and clock-free: a sans-IO core usable from any
 * driver. Protect never fails on a valid packet; unprotect throws only
 * `SrtpError`, and counts every rejection in {@link stats}.
 *
 * In WebRTC one context protects what we send (keyed with our write key)
 * and another unprotects what we receive: see `srtpContextsFromDtls`.
 */
export class SrtpContext {
  readonly profile: SrtpProtectionProfile;
  readonly spec: SrtpProfileSpec;
  readonly replayWindow: number;
  /** Where this context's cipher work runs. */
  readonly cipherBackend: 'native' | 'node';
  #transform: SrtpTransform;
  readonly #aead: boolean;
  readonly #rtpOut: SsrcStateMap<RtpStream>;
  readonly #rtpIn: SsrcStateMap<RtpStream>;
  readonly #rtcpOut: SsrcStateMap<RtcpStream>;
  readonly #rtcpIn: SsrcStateMap<RtcpStream>;
  #rtpProtected = 0;
  #rtpUnprotected = 0;
  #rtcpProtected = 0;
  #rtcpUnprotected = 0;
  readonly #errors: Record<SrtpErrorCode, number> = {
    ERR_SRTP_DECODE: 0,
    ERR_SRTP_AUTH: 0,
    ERR_SRTP_REPLAY: 0,
    ERR_SRTP_KEY_EXHAUSTED: 0,
  };

  constructor(options: SrtpContextOptions) {
    this.spec = srtpProfileSpec(options.profile);
    this.profile = this.spec.profile;
    const keys = deriveSrtpSessionKeys(this.spec, options.masterKey, options.masterSalt);
    this.replayWindow = new ReplayWindow(options.replayWindow ?? DEFAULT_REPLAY_WINDOW).size;
    const maxSsrcs = options.maxSsrcs ?? DEFAULT_MAX_SSRCS;
    if (!Number.isInteger(maxSsrcs) || maxSsrcs < 1) throw new InvalidArgumentError(`maxSsrcs must be a positive integer`);
    const { transform, backend } = createSrtpTransform(this.spec, keys, options.cipherBackend);
    this.#transform = transform;
    this.cipherBackend = backend;
    this.#aead = this.spec.kind === 'aead-aes-gcm';
    this.#rtpOut = new SsrcStateMap(maxSsrcs);
    this.#rtpIn = new SsrcStateMap(maxSsrcs);
    this.#rtcpOut = new SsrcStateMap(maxSsrcs);
    this.#rtcpIn = new SsrcStateMap(maxSsrcs);
  }

  /**
   * A context from already derived session keys (no RFC 3711 §4.3 KDF): for
   * test vectors stated in session keys (RFC 7714 §16-17) and for SDES
   * set-ups that carry them.
   */
  static fromSessionKeys(
    profile: SrtpProtectionProfile,
    keys: SrtpDerivedKeys,
    options: Omit<SrtpContextOptions, 'profile' | 'masterKey' | 'masterSalt'> = {},
  ): SrtpContext {
    const spec = srtpProfileSpec(profile);
    const ctx = new SrtpContext({
      ...options,
      profile,
      masterKey: Buffer.alloc(spec.keyLength),
      masterSalt: Buffer.alloc(spec.saltLength),
    });
    ctx.#transform = createSrtpTransform(spec, keys, options.cipherBackend).transform;
    return ctx;
  }

  /** Bytes protectRtp adds to a packet (the tag). */
  get rtpOverhead(): number {
    return this.spec.rtpTagLength;
  }

  /** Bytes protectRtcp adds to a packet (E||index word and tag). */
  get rtcpOverhead(): number {
    return this.spec.rtcpTagLength + SRTCP_INDEX_SIZE;
  }

  get stats(): SrtpContextStats {
    return {
      rtpProtected: this.#rtpProtected,
      rtpUnprotected: this.#rtpUnprotected,
      rtcpProtected: this.#rtcpProtected,
      rtcpUnprotected: this.#rtcpUnprotected,
      errors: { ...this.#errors },
      ssrcEvictions:
        this.#rtpOut.evictions + this.#rtpIn.evictions + this.#rtcpOut.evictions + this.#rtcpIn.evictions,
      ssrcs: { rtpOut: this.#rtpOut.size, rtpIn: this.#rtpIn.size, rtcpOut: this.#rtcpOut.size, rtcpIn: this.#rtcpIn.size },
    };
  }

  /**
   * Sets the rollover counter an SSRC starts from, in both directions (RFC
   * 3711 §3.3.1; e.g. when joining a stream whose ROC was signalled). Resets
   * that SSRC's index and replay state.
   */
  setRolloverCounter(ssrc: number, roc: number): void {
    if (!Number.isInteger(roc) || roc < 0 || roc > 0xffffffff) throw new InvalidArgumentError(`bad ROC ${roc}`);
    for (const map of [this.#rtpOut, this.#rtpIn]) {
      const s = new RtpStream();
      s.initialRoc = roc;
      map.set(ssrc >>> 0, s);
    }
  }

  /** The current rollover counter of an SSRC, or undefined when no packet went that way. */
  getRolloverCounter(ssrc: number, direction: 'outbound' | 'inbound'): number | undefined {
    const s = (direction === 'outbound' ? this.#rtpOut : this.#rtpIn).get(ssrc >>> 0);
    if (!s) return undefined;
    return s.highestIndex < 0 ? s.initialRoc : Math.floor(s.highestIndex / SEQ_MODULUS);
  }

  /** Sets the next outbound SRTCP index of an SSRC (tests, resumption). */
  setRtcpIndex(ssrc: number, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index > MAX_SRTCP_INDEX) throw new InvalidArgumentError(`bad SRTCP index ${index}`);
    const s = new RtcpStream();
    s.nextIndex = index;
    this.#rtcpOut.set(ssrc >>> 0, s);
  }

  #fail(code: SrtpErrorCode, message: string): SrtpError {
    this.#errors[code]++;
    if (log.traceEnabled) log.trace(`${code}: ${message}`);
    return new SrtpError(code, message);
  }

  /** RFC 3550 §5.1 header length (fixed part, CSRCs, extension); throws ERR_SRTP_DECODE. */
  #rtpHeaderLength(p: Buffer, available: number): number {
    if (available < 12) throw this.#fail(SrtpErrorCode.Decode, `RTP packet too short (${p.length} bytes)`);
    const b0 = p[0]!;
    if (b0 >>> 6 !== 2) throw this.#fail(SrtpErrorCode.Decode, `RTP version ${b0 >>> 6}`);
    let len = 12 + ((b0 & 0x0f) << 2);
    if (b0 & 0x10) {
      if (len + 4 > available) throw this.#fail(SrtpErrorCode.Decode, 'RTP extension header truncated');
      len += 4 + (p.readUInt16BE(len + 2) << 2);
    }
    if (len > available) throw this.#fail(SrtpErrorCode.Decode, `RTP header (${len}) longer than the packet`);
    return len;
  }

  /** RFC 3711 §3.3: encrypts and tags one RTP packet. */
  protectRtp(packet: Uint8Array): Buffer {
    const p = asBuffer(packet);
    const headerLength = this.#rtpHeaderLength(p, p.length);
    const seq = (p[2]! << 8) | p[3]!;
    const ssrc = p.readUInt32BE(8);
    let s = this.#rtpOut.get(ssrc);
    if (s === undefined) {
      s = new RtpStream();
      this.#rtpOut.set(ssrc, s);
      if (log.debugEnabled) log.debug(`new outbound SRTP stream ssrc ${ssrc} seq ${seq}`);
    }
    let index = estimateSrtpIndex(s.highestIndex, s.initialRoc, seq);
    // A guess before ROC 0 (a jump of over 2^15 while ROC is 0) means ROC 0.
    if (index < 0) index += SEQ_MODULUS;
    if (index > MAX_SRTP_INDEX) throw this.#fail(SrtpErrorCode.KeyExhausted, `SRTP index space exhausted for ssrc ${ssrc}`);
    const roc = Math.floor(index / SEQ_MODULUS);
    const out = this.#transform.protectRtp(p, headerLength, ssrc, roc, seq);
    if (index > s.highestIndex) {
      if (s.highestIndex >= 0 && roc !== Math.floor(s.highestIndex / SEQ_MODULUS) && log.traceEnabled) {
        log.trace(`outbound ssrc ${ssrc} ROC -> ${roc}`);
      }
      s.highestIndex = index;
    }
    this.#rtpProtected++;
    return out;
  }

  /**
   * RFC 3711 §3.3: verifies, replay-checks and decrypts one SRTP packet.
   * Throws SrtpError ERR_SRTP_DECODE, ERR_SRTP_REPLAY or ERR_SRTP_AUTH.
   */
  unprotectRtp(packet: Uint8Array): Buffer {
    return this.#unprotectRtp(packet, false);
  }

  /**
   * unprotectRtp for a packet nobody else reads afterwards (a datagram
   * straight from the socket): the native ciphers decrypt it where it lies
   * and return a view of it, saving an allocation and a copy. Its bytes are
   * unspecified after a failed call.
   */
  unprotectRtpInPlace(packet: Uint8Array): Buffer {
    return this.#unprotectRtp(packet, true);
  }

  #unprotectRtp(packet: Uint8Array, inPlace: boolean): Buffer {
    const p = asBuffer(packet);
    const t = this.#transform;
    const headerLength = this.#rtpHeaderLength(p, p.length - t.rtpOverhead);
    const seq = (p[2]! << 8) | p[3]!;
    const ssrc = p.readUInt32BE(8);
    // State is created only once a packet authenticates, so forged SSRCs
    // cannot evict real streams.
    const s = this.#rtpIn.get(ssrc);
    let index: number;
    if (s === undefined) {
      index = seq;
    } else {
      index = estimateSrtpIndex(s.highestIndex, s.initialRoc, seq);
      if (index < 0) index += SEQ_MODULUS;
      if (s.window !== undefined && !s.window.check(index)) {
        throw this.#fail(SrtpErrorCode.Replay, `SRTP replay ssrc ${ssrc} index ${index}`);
      }
    }
    if (index > MAX_SRTP_INDEX) throw this.#fail(SrtpErrorCode.Decode, `SRTP index beyond 2^48`);
    const roc = Math.floor(index / SEQ_MODULUS);
    const out = t.unprotectRtp(p, headerLength, ssrc, roc, seq, inPlace);
    if (out === undefined) throw this.#fail(SrtpErrorCode.Auth, `SRTP authentication failed ssrc ${ssrc} seq ${seq}`);
    if (s === undefined) {
      const created = new RtpStream();
      created.window = new ReplayWindow(this.replayWindow);
      created.window.accept(index);
      created.highestIndex = index;
      this.#rtpIn.set(ssrc, created);
      if (log.debugEnabled) log.debug(`new inbound SRTP stream ssrc ${ssrc} seq ${seq}`);
    } else {
      if (s.window === undefined) s.window = new ReplayWindow(this.replayWindow);
      s.window.accept(index);
      if (index > s.highestIndex) {
        if (s.highestIndex >= 0 && roc !== Math.floor(s.highestIndex / SEQ_MODULUS) && log.traceEnabled) {
          log.trace(`inbound ssrc ${ssrc} ROC -> ${roc}`);
        }
        s.highestIndex = index;
      }
    }
    this.#rtpUnprotected++;
    return out;
  }

  /** RFC 3711 §3.4: encrypts (E = 1) and tags one (compound) RTCP packet. */
  protectRtcp(packet: Uint8Array): Buffer {
    const p = asBuffer(packet);
    if (p.length < RTCP_CLEAR_HEADER) throw this.#fail(SrtpErrorCode.Decode, `RTCP packet too short (${p.length} bytes)`);
    if (p[0]! >>> 6 !== 2) throw this.#fail(SrtpErrorCode.Decode, `RTCP version ${p[0]! >>> 6}`);
    const ssrc = p.readUInt32BE(4);
    let s = this.#rtcpOut.get(ssrc);
    if (s === undefined) {
      s = new RtcpStream();
      this.#rtcpOut.set(ssrc, s);
      if (log.debugEnabled) log.debug(`new outbound SRTCP stream ssrc ${ssrc}`);
    }
    const index = s.nextIndex;
    // RFC 3711 §9.2: after 2^31 SRTCP packets the master key must be replaced.
    if (index > MAX_SRTCP_INDEX) throw this.#fail(SrtpErrorCode.KeyExhausted, `SRTCP index space exhausted for ssrc ${ssrc}`);
    const out = this.#transform.protectRtcp(p, ssrc, index);
    s.nextIndex = index + 1;
    this.#rtcpProtected++;
    return out;
  }

  /**
   * RFC 3711 §3.4: verifies, replay-checks and (when E = 1) decrypts one
   * SRTCP packet. Throws SrtpError ERR_SRTP_DECODE, ERR_SRTP_REPLAY or ERR_SRTP_AUTH.
   */
  unprotectRtcp(packet: Uint8Array): Buffer {
    const p = asBuffer(packet);
    const t = this.#transform;
    const len = p.length;
    if (len < RTCP_CLEAR_HEADER + SRTCP_INDEX_SIZE + t.rtcpTagLength) {
      throw this.#fail(SrtpErrorCode.Decode, `SRTCP packet too short (${len} bytes)`);
    }
    if (p[0]! >>> 6 !== 2) throw this.#fail(SrtpErrorCode.Decode, `RTCP version ${p[0]! >>> 6}`);
    // RFC 3711 §3.4: E||index follows the encrypted portion; RFC 7714 §9: after the AEAD tag.
    const word = p.readUInt32BE(this.#aead ? len - SRTCP_INDEX_SIZE : len - SRTCP_INDEX_SIZE - t.rtcpTagLength);
    const encrypted = (word & SRTCP_E_FLAG) !== 0;
    const index = word & MAX_SRTCP_INDEX;
    const ssrc = p.readUInt32BE(4);
    const s = this.#rtcpIn.get(ssrc);
    if (s?.window !== undefined && !s.window.check(index)) {
      throw this.#fail(SrtpErrorCode.Replay, `SRTCP replay ssrc ${ssrc} index ${index}`);
    }
    const out = t.unprotectRtcp(p, ssrc, index, encrypted);
    if (out === undefined) throw this.#fail(SrtpErrorCode.Auth, `SRTCP authentication failed ssrc ${ssrc} index ${index}`);
    if (s === undefined) {
      const created = new RtcpStream();
      created.window = new ReplayWindow(this.replayWindow);
      created.window.accept(index);
      this.#rtcpIn.set(ssrc, created);
    } else {
      if (s.window === undefined) s.window = new ReplayWindow(this.replayWindow);
      s.window.accept(index);
    }
    this.#rtcpUnprotected++;
    return out;
  }
}

function asBuffer(packet: Uint8Array): Buffer {
  return Buffer.isBuffer(packet) ? packet : Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
}
