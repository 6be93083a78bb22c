import { DTLS_1_2, RECORD_HEADER_LENGTH } from '../constants.js';
import type { CipherSuiteParams } from '../cipher-suites/cipher-suite.js';
import { Aead, TAG_LENGTH } from './aead.js';
import { writeRecordHeader, type RawRecord } from './header.js';
import { ownedCopy } from '../../common/owned-bytes.js';
import type { NativeDtlsCrypto } from '../native/binding.js';

const TWO_32 = 0x1_0000_0000;

/**
 * AEAD record protection for one direction of one epoch (RFC 5246 §6.2.3.3),
 * with its key and implicit IV precomputed. Nonces:
 * - AES-GCM, RFC 5288 §3: nonce = salt(4, from the key block) || explicit(8); the explicit
 *   part is sent in front of the ciphertext and is the record's epoch||sequence (unique per key).
 * - ChaCha20-Poly1305, RFC 7905 §2: nonce = iv(12) XOR (0^32 || epoch(2) || sequence(6)), nothing explicit.
 * Additional data, RFC 5246 §6.2.3.3 with RFC 6347 §4.1.2.1's 64-bit epoch||sequence:
 * seq_num(8) || type(1) || version(2) || plaintext length(2).
 */
export class RecordProtection {
  readonly #aead: Aead;
  readonly #iv: Buffer;
  readonly #recordIvLength: number;
  readonly #gcm: boolean;
  /** Scratch nonce and AAD, reused: createCipheriv copies them. */
  readonly #nonce = Buffer.alloc(12);
  readonly #aad = Buffer.alloc(13);

  constructor(suite: CipherSuiteParams, key: Uint8Array, iv: Uint8Array, native?: NativeDtlsCrypto) {
    this.#aead = new Aead(suite.aead, key, native);
    this.#iv = ownedCopy(iv);
    this.#recordIvLength = suite.recordIvLength;
    this.#gcm = suite.aead !== 'chacha20-poly1305';
    if (this.#gcm) this.#iv.copy(this.#nonce, 0, 0, 4);
  }

  /** Bytes added to a plaintext: explicit nonce and tag. */
  get overhead(): number {
    return this.#recordIvLength + TAG_LENGTH;
  }

  #setNonce(epoch: number, sequence: number): void {
    const n = this.#nonce;
    const hi = ((epoch << 16) | Math.floor(sequence / TWO_32)) >>> 0;
    const lo = sequence % TWO_32 >>> 0;
    if (this.#gcm) {
      n.writeUInt32BE(hi, 4);
      n.writeUInt32BE(lo, 8);
    } else {
      const iv = this.#iv;
      n.writeUInt32BE(iv.readUInt32BE(0), 0);
      n.writeUInt32BE((iv.readUInt32BE(4) ^ hi) >>> 0, 4);
      n.writeUInt32BE((iv.readUInt32BE(8) ^ lo) >>> 0, 8);
    }
  }

  #setAad(type: number, epoch: number, sequence: number, version: number, length: number): void {
    const a = this.#aad;
    a.writeUInt16BE(epoch, 0);
    a.writeUInt16BE(Math.floor(sequence / TWO_32), 2);
    a.writeUInt32BE(sequence % TWO_32 >>> 0, 4);
    a[8] = type;
    a.writeUInt16BE(version, 9);
    a.writeUInt16BE(length, 11);
  }

  /** Encrypts `plaintext` into a complete record (header included). */
  seal(type: number, epoch: number, sequence: number, plaintext: Uint8Array): Buffer {
    const fragmentLength = this.#recordIvLength + plaintext.length + TAG_LENGTH;
    const out = Buffer.allocUnsafe(RECORD_HEADER_LENGTH + fragmentLength);
    writeRecordHeader(out, 0, type, epoch, sequence, fragmentLength);
    this.#setNonce(epoch, sequence);
    this.#setAad(type, epoch, sequence, DTLS_1_2, plaintext.length);
    let o = RECORD_HEADER_LENGTH;
    if (this.#recordIvLength) o += this.#nonce.copy(out, o, 4, 12);
    this.#aead.sealInto(this.#nonce, this.#aad, plaintext, out, o);
    return out;
  }

  /** Decrypts a record; undefined when it does not authenticate. */
  open(record: RawRecord): Buffer | undefined {
    const f = record.fragment;
    const plaintextLength = f.length - this.#recordIvLength - TAG_LENGTH;
    if (plaintextLength < 0) return undefined;
    if (this.#gcm) f.copy(this.#nonce, 4, 0, 8);
    else this.#setNonce(record.epoch, record.sequence);
    this.#setAad(record.type, record.epoch, record.sequence, record.version, plaintextLength);
    return this.#aead.open(this.#nonce, this.#aad, f.subarray(this.#recordIvLength));
  }
}
