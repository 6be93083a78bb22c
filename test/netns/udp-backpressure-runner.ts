/**
 * Runs inside a loopback-only network namespace (udp-backpressure.test.ts):
 * slows `lo` down with a rate-limiting qdisc, so the kernel holds sent
 * datagrams and the sender's socket buffer fills, then sends a burst far
 * larger than that buffer in one turn. Prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { NodeNet, type UdpBackend } from '../../src/transport/node-net.js';
import type { NativeUdpSocket } from '../../src/transport/native/native-udp-socket.js';

const backend = (process.argv[2] ?? 'native') as UdpBackend;
// Larger than the 2 MiB socket buffer the sockets ask for (the kernel doubles it for overhead), below the 4096 queue bound.
const COUNT = 3500;
const SIZE = 1200;

execFileSync('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'tbf', 'rate', '20mbit', 'burst', '16kb', 'latency', '1s']);
const net = new NodeNet({ udpBackend: backend });
const a = await net.bindUdp({ address: '127.0.0.1', port: 0 });
const b = await net.bindUdp({ address: '127.0.0.1', port: 0 });
const got: number[] = [];
b.onMessage((d) => got.push(d.readUInt16BE(0)));
for (let i = 0; i < COUNT; i++) {
  const d = Buffer.alloc(SIZE);
  d.writeUInt16BE(i, 0);
  a.send(d, b.localAddress);
}
await Promise.resolve();
const pendingAfterFlush = backend === 'native' ? (a as NativeUdpSocket).pendingCount : -1;
const end = Date.now() + 10_000;
while (got.length < COUNT && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
const inOrder = got.every((v, i) => v === i);
const sendErrors = backend === 'native' ? (a as NativeUdpSocket).sendErrors : 0;
a.close();
b.close();
console.log(JSON.stringify({ received: got.length, inOrder, pendingAfterFlush, sendErrors }));
process.exit(0);
