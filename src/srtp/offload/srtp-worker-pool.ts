import type { Worker } from 'node:worker_threads';
import { InvalidArgumentError } from '../../common/errors.js';
import { getLogger } from '../../common/log.js';
import { startModuleWorker } from '../../common/module-worker.js';
import type { SrtpDtlsRole } from '../dtls-keying.js';
import type { SrtpProtectionProfile } from '../protection-profile.js';
import { BatchWriter, MAX_ENTRY_BYTES, readBatch, SrtpOp, SrtpOpStatus } from './batch.js';
import type { SrtpWorkerControl } from './control.js';

const log = getLogger('srtp');

/**
 * Entries that make a batch go without waiting for the end of the loop turn,
 * so the worker starts on it while this thread fills the next. Measured with
 * pc-media (64 packets in flight): 8 beat 4, 16, 32 and whole loop turns.
 */
const EAGER_BATCH = 8;

/** Largest pool {@link SrtpWorkerPool} accepts. */
export const MAX_SRTP_WORKERS = 64;

export interface SrtpOffloadKeys {
  profile: SrtpProtectionProfile;
  /** The DTLS exporter output (RFC 5764 §4.2); copied. */
  keyingMaterial: Uint8Array;
  role: SrtpDtlsRole;
  replayWindow?: number;
}

/** Where a session's results go, on the main thread, in the order the packets were handed over. */
export interface SrtpOffloadHandlers {
  /** A protected RTP or RTCP packet, ready for the wire (a view into the batch: send it now). */
  protected(packet: Buffer, rtcp: boolean): void;
  /** An authenticated, decrypted RTP packet (the caller's to keep). */
  rtp(packet: Buffer): void;
  /** An authenticated, decrypted compound RTCP packet (the caller's to keep). */
  rtcp(packet: Buffer): void;
  /** A packet the worker refused (SrtpError code, e.g. `ERR_SRTP_AUTH`), or lost with its worker. */
  dropped(reason: string): void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly sessions: Map<number, SrtpOffloadSession>;
  readonly requests: BatchWriter;
  flushQueued: boolean;
  failed: boolean;
}

/**
 * SRTP on worker threads: a session's packets are handed to its worker in
 * batches (one postMessage per event-loop turn, buffers transferred) and
 * its results come back the same way, so the main thread keeps the sockets,
 * ICE, DTLS and RTP while the per-packet ciphers run on other cores.
 *
 * Node's crypto API needs a new cipher object per SRTP packet (about 5–6 µs
 * per packet and direction on a 2-core machine); on one thread that, with
 * dgram's own 10 µs, caps a Node stack near 40k packets a second. Workers are
 * started when the first session opens and stopped when the last one closes,
 * and never keep the process alive.
 */
export class SrtpWorkerPool {
  readonly size: number;
  readonly #workers: PoolWorker[] = [];
  #nextId = 1;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_SRTP_WORKERS) {
      throw new InvalidArgumentError(`SRTP worker count must be an integer 1..${MAX_SRTP_WORKERS}, got ${size}`);
    }
    this.size = size;
  }

  /** Worker threads running now (for tests and stats). */
  get workerCount(): number {
    return this.#workers.length;
  }

  /** Keys a new session on the least loaded worker (starting one while fewer than `size` run). */
  open(keys: SrtpOffloadKeys, handlers: SrtpOffloadHandlers): SrtpOffloadSession {
    const pw = this.#pick();
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xfffffffe ? 1 : this.#nextId + 1;
    const session = new SrtpOffloadSession(id, handlers, (op, packet) => this.#enqueue(pw, id, op, packet), () => this.#release(pw, id));
    pw.sessions.set(id, session);
    const open: SrtpWorkerControl = {
      type: 'open',
      id,
      profile: keys.profile,
      material: Uint8Array.from(keys.keyingMaterial),
      role: keys.role,
      ...(keys.replayWindow !== undefined ? { replayWindow: keys.replayWindow } : {}),
    };
    pw.worker.postMessage(open);
    return session;
  }

  /** Stops every worker; their sessions end (`dropped('srtp-worker-lost')`) with what they had in flight. */
  close(): void {
    for (const pw of [...this.#workers]) this.#fail(pw);
  }

  #pick(): PoolWorker {
    let best: PoolWorker | undefined;
    for (const pw of this.#workers) if (!pw.failed && (best === undefined || pw.sessions.size < best.sessions.size)) best = pw;
    if (best !== undefined && (best.sessions.size === 0 || this.#workers.length >= this.size)) return best;
    return this.#start();
  }

  #start(): PoolWorker {
    const worker = startModuleWorker(import.meta.url, 'srtp-worker');
    worker.unref();
    const pw: PoolWorker = { worker, sessions: new Map(), requests: new BatchWriter(), flushQueued: false, failed: false };
    worker.on('message', (batch: ArrayBuffer) => this.#onResults(pw, batch));
    worker.on('error', (err) => {
      log.warn(`SRTP worker failed: ${err.message}`);
      this.#fail(pw);
    });
    worker.on('exit', () => this.#fail(pw));
    this.#workers.push(pw);
    log.debug(`SRTP worker started (${this.#workers.length}/${this.size})`);
    return pw;
  }

  #enqueue(pw: PoolWorker, id: number, op: SrtpOp, packet: Uint8Array): boolean {
    if (pw.failed || packet.length > MAX_ENTRY_BYTES) return false;
    pw.requests.append(id, op, SrtpOpStatus.Ok, packet);
    // A full batch goes at once, so the worker starts on it while this thread fills the next.
    if (pw.requests.count >= EAGER_BATCH) return this.#flush(pw), true;
    if (!pw.flushQueued) {
      pw.flushQueued = true;
      // After the poll phase, not per microtask: the datagrams one loop turn reads arrive as separate
      // callbacks, each followed by a microtask checkpoint, and should still travel as one batch.
      setImmediate(() => {
        pw.flushQueued = false;
        this.#flush(pw);
      });
    }
    return true;
  }

  #flush(pw: PoolWorker): void {
    const batch = pw.requests.take();
    if (batch !== undefined && !pw.failed) pw.worker.postMessage(batch, [batch]);
  }

  #onResults(pw: PoolWorker, batch: ArrayBuffer): void {
    readBatch(batch, (id, op, status, bytes) => {
      try {
        pw.sessions.get(id)?.deliver(op, status, bytes);
      } catch (err) {
        // Handlers must not throw; one that does loses its packet, never the batch or the process.
        log.warn(`SRTP result handler threw: ${(err as Error).message}`);
      }
    });
  }

  #release(pw: PoolWorker, id: number): void {
    if (!pw.sessions.delete(id)) return;
    if (pw.sessions.size === 0) this.#stop(pw);
    else if (!pw.failed) pw.worker.postMessage({ type: 'close', id } satisfies SrtpWorkerControl);
  }

  #stop(pw: PoolWorker): void {
    const i = this.#workers.indexOf(pw);
    if (i >= 0) this.#workers.splice(i, 1);
    pw.failed = true;
    void pw.worker.terminate();
    log.debug(`SRTP worker stopped (${this.#workers.length} left)`);
  }

  #fail(pw: PoolWorker): void {
    if (pw.failed) return;
    this.#stop(pw);
    for (const s of pw.sessions.values()) s.workerLost();
  }
}

/**
 * One DTLS-SRTP association's keys on a worker. Each call copies the packet
 * into the next batch and returns false only when the worker is gone or the
 * packet cannot travel; its result comes back through the handlers.
 */
export class SrtpOffloadSession {
  readonly id: number;
  readonly #handlers: SrtpOffloadHandlers;
  readonly #enqueue: (op: SrtpOp, packet: Uint8Array) => boolean;
  readonly #release: () => void;
  #closed = false;

  constructor(id: number, handlers: SrtpOffloadHandlers, enqueue: (op: SrtpOp, packet: Uint8Array) => boolean, release: () => void) {
    this.id = id;
    this.#handlers = handlers;
    this.#enqueue = enqueue;
    this.#release = release;
  }

  get closed(): boolean {
    return this.#closed;
  }

  protectRtp(packet: Uint8Array): boolean {
    return !this.#closed && this.#enqueue(SrtpOp.ProtectRtp, packet);
  }

  protectRtcp(packet: Uint8Array): boolean {
    return !this.#closed && this.#enqueue(SrtpOp.ProtectRtcp, packet);
  }

  unprotectRtp(packet: Uint8Array): boolean {
    return !this.#closed && this.#enqueue(SrtpOp.UnprotectRtp, packet);
  }

  unprotectRtcp(packet: Uint8Array): boolean {
    return !this.#closed && this.#enqueue(SrtpOp.UnprotectRtcp, packet);
  }

  /** Forgets the keys on the worker (stopping it when it was the last session); results in flight are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
  }

  /** @internal A result from the worker. */
  deliver(op: SrtpOp, status: SrtpOpStatus, bytes: Buffer): void {
    if (this.#closed) return;
    const h = this.#handlers;
    if (status !== SrtpOpStatus.Ok) return h.dropped(bytes.toString('latin1'));
    switch (op) {
      case SrtpOp.ProtectRtp:
        return h.protected(bytes, false);
      case SrtpOp.ProtectRtcp:
        return h.protected(bytes, true);
      case SrtpOp.UnprotectRtp:
        return h.rtp(Buffer.from(bytes));
      default:
        return h.rtcp(Buffer.from(bytes));
    }
  }

  /** @internal The worker died: everything in flight is gone. */
  workerLost(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.dropped('srtp-worker-lost');
  }
}
