import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/pc.js';
import { post, SfuClient, startSfu } from './sfu-client.js';

const SECRET = 'host-secret-123';

describe('sfu-ws rooms, invites and join tokens', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('POST /rooms needs the host secret and returns a host link and a participant link', async () => {
    const { base } = await startSfu(cleanups, { hostSecret: SECRET });
    expect((await post(`${base}/rooms`)).status).toBe(401);
    expect((await post(`${base}/rooms`, {}, { authorization: 'Bearer wrong-secret' })).status).toBe(401);
    const r = await post(`${base}/rooms`, { maxParticipants: 3 }, { authorization: `Bearer ${SECRET}` });
    expect(r.status).toBe(201);
    expect(r.body['hostLink']).toMatch(new RegExp(`^${base}/\\?room=\\w+&invite=\\w{24}$`));
    expect(r.body['participantLink']).not.toBe(r.body['hostLink']);
    expect(r.body['maxParticipants']).toBe(3);
    // With a secret, rooms are not open: an unknown room, or a known one without an invite, admits nobody.
    expect((await post(`${base}/rooms/nosuchroom/join`)).status).toBe(404);
    expect((await post(`${base}/rooms/${String(r.body['room'])}/join`)).status).toBe(403);
    expect((await post(`${base}/rooms/${String(r.body['room'])}/join`, { invite: 'x'.repeat(24) })).status).toBe(403);
  });

  it('the host link admits the host, the participant link participants; the host removes a participant; the cap holds', async () => {
    const { base, join, sfu } = await startSfu(cleanups, { hostSecret: SECRET });
    const r = await post(`${base}/rooms`, { maxParticipants: 3 }, { authorization: `Bearer ${SECRET}` });
    const room = String(r.body['room']);
    const invite = (link: unknown): string => new URL(String(link)).searchParams.get('invite')!;
    // A participant who arrives first does not become host in a secured room.
    const p1 = await join(room, { invite: invite(r.body['participantLink']) });
    await waitFor(() => p1.role !== undefined);
    expect(p1.role).toBe('participant');
    const host = await join(room, { invite: invite(r.body['hostLink']) });
    const p2 = await join(room, { invite: invite(r.body['participantLink']) });
    await waitFor(() => host.role === 'host' && p2.role === 'participant' && host.flowing().length === 2);
    // Full: a fourth is refused a token.
    const full = await post(`${base}/rooms/${room}/join`, { invite: invite(r.body['participantLink']) });
    expect(full.status).toBe(409);
    // A participant may not remove anybody.
    p1.send({ type: 'remove', peerId: p2.peerId });
    await waitFor(() => p1.errors.includes('forbidden'));
    // The host removes p2: p2 is told and closed, and the others stop receiving it.
    host.send({ type: 'remove', peerId: p2.peerId });
    await waitFor(() => p2.messages.some((m) => m.type === 'removed') && p2.closedCode !== undefined);
    await waitFor(() => sfu.rooms.get(room)!.peers.size === 2 && p1.peers.length === 2);
    expect((await sfu.stats()).tracks).toBe(4);
  });

  it('an unsecured room’s first joiner is host', async () => {
    const { base, join } = await startSfu(cleanups);
    const r = await post(`${base}/rooms`);
    expect(r.status).toBe(201);
    const invite = new URL(String(r.body['participantLink'])).searchParams.get('invite')!;
    const a = await join(String(r.body['room']), { invite, publish: false });
    const b = await join(String(r.body['room']), { invite, publish: false });
    await waitFor(() => a.role !== undefined && b.role !== undefined);
    expect([a.role, b.role]).toEqual(['host', 'participant']);
  });

  it('refuses a wrong, a reused and an expired join token', async () => {
    const { base, wsUrl } = await startSfu(cleanups, { joinTokenTtlMs: 300 });
    const connect = (token: string): SfuClient => {
      const c = new SfuClient(wsUrl, token, { publish: false });
      cleanups.push(() => c.close());
      return c;
    };
    const wrong = connect('A'.repeat(24));
    await waitFor(() => wrong.errors.includes('bad-token') && wrong.closedCode !== undefined);
    const g = (await post(`${base}/rooms/t/join`)).body;
    const first = connect(String(g['token']));
    await waitFor(() => first.role !== undefined);
    const again = connect(String(g['token']));
    await waitFor(() => again.errors.includes('bad-token'));
    const late = (await post(`${base}/rooms/t/join`)).body;
    await new Promise((r) => setTimeout(r, 400));
    const expired = connect(String(late['token']));
    await waitFor(() => expired.errors.includes('bad-token'));
  });

  it('makes the join token the ICE password of the peer’s connection', async () => {
    const { join } = await startSfu(cleanups);
    const c = await join('ice', { publish: false });
    await waitFor(() => c.messages.some((m) => m.type === 'offer'));
    const offer = c.messages.find((m) => m.type === 'offer') as { sdp: string };
    const pwd = /a=ice-pwd:(\S+)/.exec(offer.sdp)![1];
    const ufrag = /a=ice-ufrag:(\S+)/.exec(offer.sdp)![1];
    expect(pwd).toBe(c.token);
    expect(ufrag).toHaveLength(8);
    await waitFor(() => c.pc.connectionState === 'connected');
  });

  it('a client without the right ICE password never completes ICE on the shared port', async () => {
    const { join, sfu } = await startSfu(cleanups);
    const rogue = await join('ice', { publish: false, mungeOffer: (sdp) => sdp.replace(/a=ice-pwd:\S+/g, `a=ice-pwd:${'Z'.repeat(24)}`) });
    await waitFor(() => rogue.answers > 0);
    await new Promise((r) => setTimeout(r, 2000));
    expect(rogue.pc.connectionState).not.toBe('connected');
    const server = [...sfu.rooms.get('ice')!.peers.values()][0]!;
    expect(server.pc.connectionState).not.toBe('connected');
  });
});
