/**
 * Ceilings for pc-media: what any pure-Node SRTP stack could reach with the
 * same 1200-byte packets, with none of a stack's own work (no ICE, no RTP
 * parsing, no routing, no RTCP), only the calls it cannot avoid.
 *
 * - `bare-gcm`: one thread, plain dgram plus AES-128-GCM seal on send and
 *   open on receive through node:crypto (a new cipher object per packet:
 *   Node cannot re-IV one).
 * - `bare-gcm-workers`: the best two-core layout measured here. The sending
 *   and the receiving socket each live in their own worker thread with their
 *   crypto; the main thread only hands plain packets over and takes them back,
 *   in batches of up to 32 per postMessage (transferred, not copied), which
 *   measured faster than SharedArrayBuffer rings woken by Atomics.
 *
 * Both run on 127.0.0.1 only.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const KEY = Buffer.alloc(16, 7);
const SALT = Buffer.alloc(12, 1);
const HEADER = 12;
const TAG = 16;
const BATCH = 32;

export interface CeilingPair {
  send(packet: Buffer): void;
  onReceive(cb: () => void): void;
  close(): void;
}

function ivFor(seq: number, iv: Buffer): Buffer {
  SALT.copy(iv);
  iv.writeUInt16BE(SALT.readUInt16BE(10) ^ seq, 10);
  return iv;
}

function seal(packet: Buffer, iv: Buffer): Buffer {
  const cipher = createCipheriv('aes-128-gcm', KEY, ivFor(packet.readUInt16BE(2), iv));
  cipher.setAAD(packet.subarray(0, HEADER));
  const body = cipher.update(packet.subarray(HEADER));
  cipher.final();
  return Buffer.concat([packet.subarray(0, HEADER), body, cipher.getAuthTag()]);
}

function open(packet: Buffer, iv: Buffer): Buffer {
  const tagAt = packet.length - TAG;
  const decipher = createDecipheriv('aes-128-gcm', KEY, ivFor(packet.readUInt16BE(2), iv));
  decipher.setAAD(packet.subarray(0, HEADER));
  decipher.setAuthTag(packet.subarray(tagAt));
  const body = decipher.update(packet.subarray(HEADER, tagAt));
  decipher.final();
  return Buffer.concat([packet.subarray(0, HEADER), body]);
}

function bindLoopback(port = 0): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(port, '127.0.0.1', () => resolve(s)));
}

/** One thread: dgram plus Node's per-packet GCM, nothing else. */
export async function bareGcmPair(): Promise<CeilingPair> {
  const [a, b] = await Promise.all([bindLoopback(), bindLoopback()]);
  const port = b.address().port;
  const sendIv = Buffer.alloc(12);
  const recvIv = Buffer.alloc(12);
  let onReceive: () => void = () => undefined;
  b.on('message', (m: Buffer) => {
    open(m, recvIv);
    onReceive();
  });
  return {
    send: (packet) => a.send(seal(packet, sendIv), port, '127.0.0.1'),
    onReceive: (cb) => {
      onReceive = cb;
    },
    close: () => {
      a.close();
      b.close();
    },
  };
}

/** Packs packets as [u16 length][bytes]… into one transferable buffer. */
function pack(packets: Buffer[]): ArrayBuffer {
  let total = 0;
  for (const p of packets) total += 2 + p.length;
  const out = Buffer.allocUnsafeSlow(total);
  let o = 0;
  for (const p of packets) {
    out.writeUInt16BE(p.length, o);
    p.copy(out, o + 2);
    o += 2 + p.length;
  }
  return out.buffer as ArrayBuffer;
}

function unpack(batch: ArrayBuffer, each: (packet: Buffer) => void): void {
  const b = Buffer.from(batch);
  for (let o = 0; o < b.length; ) {
    const len = b.readUInt16BE(o);
    each(b.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
}

interface CeilingWorkerData {
  role: 'send' | 'receive';
  port: number;
}

function startWorker(data: CeilingWorkerData): Promise<{ worker: Worker; port: number }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (port: number) => resolve({ worker, port }));
  });
}

/** Two workers (sending socket + seal, receiving socket + open); the main thread moves batches. */
export async function bareGcmWorkersPair(): Promise<CeilingPair> {
  const rx = await startWorker({ role: 'receive', port: 0 });
  const tx = await startWorker({ role: 'send', port: rx.port });
  let onReceive: () => void = () => undefined;
  rx.worker.on('message', (batch: ArrayBuffer) =>
    unpack(batch, (p) => {
      Buffer.from(p); // the copy a stack hands its reader
      onReceive();
    }),
  );
  let pending: Buffer[] = [];
  const flush = (): void => {
    const buf = pack(pending);
    pending = [];
    tx.worker.postMessage(buf, [buf]);
  };
  return {
    send: (packet) => {
      pending.push(packet);
      if (pending.length === 1) queueMicrotask(flush);
    },
    onReceive: (cb) => {
      onReceive = cb;
    },
    close: () => {
      void rx.worker.terminate();
      void tx.worker.terminate();
    },
  };
}

async function workerMain(data: CeilingWorkerData): Promise<void> {
  const port = parentPort!;
  const socket = await bindLoopback();
  const iv = Buffer.alloc(12);
  if (data.role === 'send') {
    port.on('message', (batch: ArrayBuffer) => unpack(batch, (p) => socket.send(seal(p, iv), data.port, '127.0.0.1')));
  } else {
    let out: Buffer[] = [];
    const flush = (): void => {
      if (out.length === 0) return;
      const buf = pack(out);
      out = [];
      port.postMessage(buf, [buf]);
    };
    socket.on('message', (m: Buffer) => {
      out.push(open(m, iv));
      if (out.length >= BATCH) flush();
      else if (out.length === 1) setImmediate(flush);
    });
  }
  port.postMessage(socket.address().port);
}

if (!isMainThread && (workerData as CeilingWorkerData | undefined)?.role !== undefined) {
  void workerMain(workerData as CeilingWorkerData);
}
