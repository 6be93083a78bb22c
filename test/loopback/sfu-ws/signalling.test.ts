import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_SIGNAL_BYTES } from '../../../src/sfu-ws/index.js';
import { waitFor } from '../../support/pc.js';
import { grant, SfuClient, startSfu } from './sfu-client.js';

/** A raw websocket collecting parsed messages. */
function raw(url: string, headers: Record<string, string> = {}): { ws: WebSocket; messages: { type: string; code?: string }[]; closed: () => boolean; failure: () => string | undefined } {
  const ws = new WebSocket(url, { headers });
  const messages: { type: string; code?: string }[] = [];
  let closed = false;
  let failure: string | undefined;
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as { type: string }));
  ws.on('close', () => (closed = true));
  ws.on('error', (e) => (failure = e.message));
  return { ws, messages, closed: () => closed, failure: () => failure };
}

describe('sfu-ws signalling edge', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('frees a client that never answers, and one that never joins', async () => {
    const { sfu, join, wsUrl } = await startSfu(cleanups, { answerTimeoutMs: 500, joinTimeoutMs: 300 });
    const mute = await join('half', { answer: false });
    await waitFor(() => sfu.rooms.get('half')?.peers.size === 1);
    await waitFor(() => mute.errors.includes('answer-timeout') && mute.closedCode !== undefined, 5000);
    await waitFor(() => sfu.rooms.size === 0 && sfu.mux!.stats.transports === 0);
    const idle = raw(wsUrl);
    cleanups.push(() => idle.ws.terminate());
    await waitFor(() => idle.messages.some((m) => m.code === 'join-timeout') && idle.closed());
    expect((await sfu.stats()).connections).toBe(0);
  });

  it('answers malformed and oversized messages with an error to that client only, and keeps serving it', async () => {
    const { join } = await startSfu(cleanups);
    const a = await join('m', { publish: false });
    const b = await join('m', { publish: false });
    await waitFor(() => a.role !== undefined && b.role !== undefined);
    for (const bad of ['not json', '[]', '{"type":"answer"}', '{"type":"candidate","candidate":{"candidate":5}}', '{"type":"nope"}', JSON.stringify({ type: 'layer', trackId: 'x'.repeat(500), rid: 'h' })]) a.send(bad);
    a.send(JSON.stringify({ type: 'answer', sdp: 'x'.repeat(MAX_SIGNAL_BYTES + 10) }));
    await waitFor(() => a.errors.filter((e) => e === 'bad-message').length === 7);
    expect(b.errors).toEqual([]);
    // Still connected and in the room.
    a.send({ type: 'candidate', candidate: null });
    await new Promise((r) => setTimeout(r, 100));
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
    // A frame beyond the hard cap closes only that websocket.
    a.ws.send('x'.repeat(4 * MAX_SIGNAL_BYTES + 1));
    await waitFor(() => a.closedCode !== undefined);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('rate-limits each client, and limits connections per address', async () => {
    const { wsUrl, base } = await startSfu(cleanups, { messageRatePerSec: 5, messageBurst: 5, maxConnectionsPerAddress: 3 });
    const g = await grant(base, 'rl');
    const a = new SfuClient(wsUrl, g.token, { publish: false });
    cleanups.push(() => a.close());
    await waitFor(() => a.role !== undefined);
    for (let i = 0; i < 20; i++) a.send({ type: 'candidate', candidate: null });
    await waitFor(() => a.errors.includes('rate-limited'));
    const others = [raw(wsUrl), raw(wsUrl), raw(wsUrl)];
    for (const o of others) cleanups.push(() => o.ws.terminate());
    await waitFor(() => others.some((o) => o.messages.some((m) => m.code === 'too-many-connections')));
    expect(others.filter((o) => o.messages.some((m) => m.code === 'too-many-connections'))).toHaveLength(1);
  });

  it('refuses a foreign Origin when an allow-list is set, and accepts its own and listed ones', async () => {
    const { wsUrl } = await startSfu(cleanups, { allowedOrigins: ['https://app.example'] });
    const host = new URL(wsUrl).host;
    const evil = raw(wsUrl, { origin: 'https://evil.example' });
    const own = raw(wsUrl, { origin: `http://${host}` });
    const listed = raw(wsUrl, { origin: 'https://app.example' });
    for (const x of [evil, own, listed]) cleanups.push(() => x.ws.terminate());
    await waitFor(() => evil.failure() !== undefined);
    expect(evil.failure()).toMatch(/403/);
    await waitFor(() => own.ws.readyState === WebSocket.OPEN && listed.ws.readyState === WebSocket.OPEN);
  });

  it('shuts down gracefully: clients are told, peer connections and ports close', async () => {
    const { sfu, join } = await startSfu(cleanups);
    const a = await join('s');
    const b = await join('s');
    await waitFor(() => a.flowing().length === 1 && b.flowing().length === 1);
    const server = [...sfu.rooms.get('s')!.peers.values()];
    await sfu.close();
    for (const c of [a, b]) await waitFor(() => c.messages.some((m) => m.type === 'shutdown') && c.closedCode !== undefined);
    for (const p of server) expect(p.pc.connectionState).toBe('closed');
    expect(sfu.mux!.closed).toBe(true);
  });
});
