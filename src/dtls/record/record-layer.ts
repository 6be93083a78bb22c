import type { CipherSuiteParams } from '../cipher-suites/cipher-suite.js';
import type { KeyBlock } from '../prf.js';
import type { DtlsRole } from '../types.js';
import { MAX_SEQUENCE, plaintextRecord, type RawRecord } from './header.js';
import { RecordProtection } from './protection.js';
import { ReplayWindow } from './replay-window.js';
import type { NativeDtlsCrypto } from '../native/binding.js';

export type OpenResult = Buffer | 'replay' | 'bad-mac' | 'no-keys' | 'bad-epoch';

/**
 * Epochs 0 (plaintext) and 1 (the negotiated AEAD) in both directions, with
 * per-epoch write sequence numbers and read replay windows (RFC 6347 §4.1).
 * Renegotiation is refused, so no later epoch exists.
 */
export class RecordLayer {
  readonly #writeSeq = [0, 0];
  readonly #replay = [new ReplayWindow(), new ReplayWindow()];
  #write: RecordProtection | undefined;
  #read: RecordProtection | undefined;

  constructor(
    private readonly role: DtlsRole,
    private readonly native?: NativeDtlsCrypto,
  ) {}

  get hasKeys(): boolean {
    return this.#read !== undefined;
  }

  /** Bytes epoch `epoch` adds to a plaintext besides the 13-byte header. */
  overhead(epoch: number): number {
    return epoch === 0 ? 0 : (this.#write?.overhead ?? 0);
  }

  installKeys(suite: CipherSuiteParams, keys: KeyBlock): void {
    const client = this.role === 'client';
    const n = this.native;
    this.#write = new RecordProtection(suite, client ? keys.clientWriteKey : keys.serverWriteKey, client ? keys.clientWriteIv : keys.serverWriteIv, n);
    this.#read = new RecordProtection(suite, client ? keys.serverWriteKey : keys.clientWriteKey, client ? keys.serverWriteIv : keys.clientWriteIv, n);
  }

  /** Sets the next write sequence number of `epoch` (never moves it backwards). */
  advanceWriteSequence(epoch: number, next: number): void {
    if (next > this.#writeSeq[epoch]!) this.#writeSeq[epoch] = next;
  }

  /** A complete record of `type` in `epoch`; `sequence` overrides the counter (stateless HelloVerifyRequest). */
  seal(type: number, epoch: number, payload: Uint8Array, sequence?: number): Buffer {
    const seq = sequence ?? this.#writeSeq[epoch]!++;
    // RFC 6347 §4.1: a sequence number must not wrap within an epoch.
    if (seq > MAX_SEQUENCE) throw new RangeError('DTLS sequence number exhausted');
    if (epoch === 0) return plaintextRecord(type, 0, seq, payload);
    return this.#write!.seal(type, epoch, seq, payload);
  }

  /**
   * RFC 6347 §4.1.2.6/§4.1.2.7: replay check, then authentication; the window moves only for
   * authentic records. Epoch 0 has no authentication, so its window moves only when the caller
   * reports the record as used ({@link acceptPlaintext}): a forged plaintext record with a huge
   * sequence number that is then discarded cannot make the genuine records after it look old.
   */
  open(record: RawRecord): OpenResult {
    const epoch = record.epoch;
    if (epoch > 1) return 'bad-epoch';
    const window = this.#replay[epoch]!;
    if (!window.check(record.sequence)) return 'replay';
    if (epoch === 0) return record.fragment;
    if (!this.#read) return 'no-keys';
    const plaintext = this.#read.open(record);
    if (!plaintext) return 'bad-mac';
    window.accept(record.sequence);
    return plaintext;
  }

  /** Marks an epoch-0 record as received once its content was used. */
  acceptPlaintext(record: RawRecord): void {
    if (record.epoch === 0) this.#replay[0]!.accept(record.sequence);
  }
}
