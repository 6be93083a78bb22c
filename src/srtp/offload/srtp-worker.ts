/**
 * The SRTP worker thread (started by {@link SrtpWorkerPool}): holds the SRTP
 * contexts of the sessions the main thread opened on it, and answers each
 * batch of packets with one batch of results, in order.
 */
import { parentPort } from 'node:worker_threads';
import { srtpContextsFromDtls, type SrtpKeyPair } from '../dtls-keying.js';
import { SrtpError } from '../errors.js';
import { BatchWriter, readBatch, SrtpOp, SrtpOpStatus } from './batch.js';
import type { SrtpWorkerControl } from './control.js';

const port = parentPort;
if (port === null) throw new Error('srtp-worker runs only as a worker thread');

const sessions = new Map<number, SrtpKeyPair>();
const results = new BatchWriter();

function run(keys: SrtpKeyPair, op: SrtpOp, bytes: Buffer): Buffer {
  switch (op) {
    case SrtpOp.ProtectRtp:
      return keys.local.protectRtp(bytes);
    case SrtpOp.ProtectRtcp:
      return keys.local.protectRtcp(bytes);
    case SrtpOp.UnprotectRtp:
      return keys.remote.unprotectRtp(bytes);
    default:
      return keys.remote.unprotectRtcp(bytes);
  }
}

function onBatch(batch: ArrayBuffer): void {
  readBatch(batch, (id, op, _status, bytes) => {
    const keys = sessions.get(id);
    if (keys === undefined) return; // closed while the batch was in flight
    try {
      results.append(id, op, SrtpOpStatus.Ok, run(keys, op, bytes));
    } catch (err) {
      const reason = err instanceof SrtpError ? err.code : 'srtp-worker-error';
      results.append(id, op, SrtpOpStatus.Dropped, Buffer.from(reason, 'latin1'));
    }
  });
  const out = results.take();
  if (out !== undefined) port!.postMessage(out, [out]);
}

port.on('message', (m: ArrayBuffer | SrtpWorkerControl) => {
  if (m instanceof ArrayBuffer) return onBatch(m);
  if (m.type === 'open') {
    const material = Buffer.from(m.material);
    sessions.set(m.id, srtpContextsFromDtls(m.profile, material, m.role, m.replayWindow !== undefined ? { replayWindow: m.replayWindow } : {}));
    material.fill(0);
  } else {
    sessions.delete(m.id);
  }
});
