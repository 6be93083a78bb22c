/**
 * Load client for the TURN server benchmarks, run as a child process
 * (`node --import tsx bench/turn-load.ts <mode>`), speaking raw TURN over
 * tern-rtc's batched UDP sockets so the client costs as little as possible.
 *
 * Env: SERVER_PORT, USER, PASS, REALM. Modes (one JSON line on stdout):
 * - `relay`: one allocation with a channel to a local peer; both sides blast
 *   1,200-byte payloads (ChannelData from the client, plain UDP from the
 *   peer to the relayed address); prints the median of RUNS windows of
 *   datagrams relayed per second, both directions summed.
 * - `allocs`: COUNT allocations from COUNT sockets, CONCURRENCY at a time;
 *   prints allocations per second.
 * - `idle`: COUNT allocations, then prints `{"ready":N}` and holds them
 *   (refreshing nothing) until stdin closes.
 */
import { StunClass, StunMethod } from '../src/stun/constants.js';
import { longTermKey } from '../src/stun/credentials.js';
import { StunMessage } from '../src/stun/message.js';
import type { TransportAddress, UdpSocket } from '../src/transport/net.js';
import { nodeNet } from '../src/transport/node-net.js';
import { cryptoRng } from '../src/common/rng.js';

const HOST = '127.0.0.1';
const server: TransportAddress = { address: HOST, port: Number(process.env['SERVER_PORT']) };
const user = process.env['USER_NAME'] ?? 'bench';
const pass = process.env['PASS'] ?? 'bench';
const realm = process.env['REALM'] ?? 'bench';
const key = longTermKey(user, realm, pass);

interface Session {
  socket: UdpSocket;
  nonce: string | undefined;
  pending: Map<string, (m: StunMessage) => void>;
  onData?: (data: Buffer) => void;
}

async function open(): Promise<Session> {
  const socket = await nodeNet.bindUdp({ address: HOST, port: 0 });
  const s: Session = { socket, nonce: undefined, pending: new Map() };
  socket.onMessage((data) => {
    if ((data[0]! & 0xc0) !== 0) return s.onData?.(data);
    let m: StunMessage;
    try {
      m = StunMessage.decode(data);
    } catch {
      return;
    }
    const tid = m.transactionId.toString('hex');
    const cb = s.pending.get(tid);
    if (cb) {
      s.pending.delete(tid);
      cb(m);
    }
  });
  return s;
}

/** One request with retransmissions (500 ms, 5 tries) and the 401/438 dance. */
async function request(s: Session, build: () => StunMessage, signed = true): Promise<StunMessage> {
  for (let round = 0; round < 3; round++) {
    const msg = build();
    const tid = cryptoRng.bytes(12);
    msg.transactionId = tid;
    if (signed && s.nonce) msg.setUsername(user).setRealm(realm).setNonce(s.nonce);
    const wire = signed && s.nonce ? msg.encode({ integrityKey: key }) : msg.encode();
    const res = await new Promise<StunMessage>((resolve, reject) => {
      let tries = 0;
      const send = (): void => {
        if (tries++ >= 5) {
          s.pending.delete(tid.toString('hex'));
          return reject(new Error('request timed out'));
        }
        s.socket.send(wire, server);
        timer = setTimeout(send, 500);
      };
      let timer: ReturnType<typeof setTimeout>;
      s.pending.set(tid.toString('hex'), (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      send();
    });
    const code = res.getErrorCode()?.code;
    if ((code === 401 || code === 438) && res.getNonce()) {
      s.nonce = res.getNonce();
      continue;
    }
    if (res.messageClass !== StunClass.SuccessResponse) throw new Error(`request failed: ${code}`);
    return res;
  }
  throw new Error('authentication failed');
}

async function allocate(s: Session): Promise<TransportAddress> {
  const res = await request(s, () => new StunMessage(StunMethod.Allocate, StunClass.Request, Buffer.alloc(12)).setRequestedTransport(17));
  return res.getXorRelayedAddress()!;
}

async function relayMode(): Promise<void> {
  const runs = Number(process.env['RUNS'] ?? 3);
  const windowMs = Number(process.env['WINDOW_MS'] ?? 1500);
  const client = await open();
  const peer = await nodeNet.bindUdp({ address: HOST, port: 0 });
  const relayed = await allocate(client);
  await request(client, () => new StunMessage(StunMethod.ChannelBind, StunClass.Request, Buffer.alloc(12)).setChannelNumber(0x4000).addXorPeerAddress(peer.localAddress));
  let received = 0;
  client.onData = () => received++;
  peer.onMessage(() => received++);
  const payload = Buffer.alloc(1200, 0x80);
  const channelData = Buffer.alloc(1204, 0x80);
  channelData.writeUInt16BE(0x4000, 0);
  channelData.writeUInt16BE(1200, 2);
  let running = true;
  const pump = (): void => {
    if (!running) return;
    for (let i = 0; i < 32; i++) {
      client.socket.send(channelData, server);
      peer.send(payload, relayed);
    }
    setImmediate(pump);
  };
  pump();
  await new Promise((r) => setTimeout(r, 500));
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = received;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    rates.push(((received - start) * 1000) / (performance.now() - t0));
  }
  running = false;
  rates.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ pps: rates[rates.length >> 1] })}\n`);
  client.socket.close();
  peer.close();
}

async function manyAllocations(count: number, concurrency: number): Promise<Session[]> {
  const sessions = await Promise.all(Array.from({ length: count }, () => open()));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sessions.length) await allocate(sessions[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return sessions;
}

async function allocsMode(): Promise<void> {
  const count = Number(process.env['COUNT'] ?? 1000);
  const t0 = performance.now();
  const sessions = await manyAllocations(count, Number(process.env['CONCURRENCY'] ?? 32));
  const rate = (count * 1000) / (performance.now() - t0);
  process.stdout.write(`${JSON.stringify({ rate })}\n`);
  for (const s of sessions) s.socket.close();
}

async function idleMode(): Promise<void> {
  const count = Number(process.env['COUNT'] ?? 1000);
  const sessions = await manyAllocations(count, 32);
  process.stdout.write(`${JSON.stringify({ ready: sessions.length })}\n`);
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  for (const s of sessions) s.socket.close();
}

const mode = process.argv[2];
const run = mode === 'relay' ? relayMode : mode === 'allocs' ? allocsMode : idleMode;
run().then(
  () => setTimeout(() => process.exit(0), 300),
  (err: unknown) => {
    process.stderr.write(`turn-load: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
