import { describe, expect, it } from 'vitest';
import type { RTCPeerConnection } from '../../../src/peerconnection/peer-connection.js';
import { Candidate } from '../../../src/candidate/index.js';
import { natCall, selectedTypes, STUN_IP, TURN_IP, TURN_PASS, TURN_USER } from '../../support/pc-nat-vnet.js';

/** Candidate types a peer connection signalled through onicecandidate so far. */
function trickled(pc: RTCPeerConnection): string[] {
  return pc.iceAgent.getLocalCandidates().map((c) => c.type);
}

/**
 * RTCPeerConnection with iceServers and iceTransportPolicy on the virtual
 * network (fake clock): TURN through symmetric NATs, relay policy where the
 * direct path works, setConfiguration, and the relays released on close.
 */
describe('peer connection ICE servers and transport policy (vnet)', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`connects two symmetric NATs through TURN over ${transport.toUpperCase()} and releases the allocations on close`, async () => {
      const call = await natCall({ natA: 'symmetric', natB: 'symmetric', servers: 'stun+turn', turnTransport: transport });
      try {
        expect(call.connectedMs).toBeLessThan(30_000);
        const ta = (await selectedTypes(call.a))!;
        const tb = (await selectedTypes(call.b))!;
        expect([ta.local, ta.remote]).toContain('relay');
        expect([tb.local, tb.remote]).toContain('relay');
        expect(trickled(call.a)).toContain('relay');
        expect(call.turn.stats.allocations).toBe(2);
      } finally {
        await call.close();
      }
      // Refresh with LIFETIME 0 (RFC 8656 §7) went out on close.
      expect(call.turn.stats.allocations).toBe(0);
    });
  }

  it("iceTransportPolicy 'relay' uses the relay although the direct path works, and signals only relayed candidates", async () => {
    const call = await natCall({ natA: 'eim', natB: 'none', servers: 'stun+turn', policyA: 'relay', policyB: 'relay' });
    try {
      expect(call.connectedMs).toBeLessThan(30_000);
      for (const pc of [call.a, call.b]) {
        expect(await selectedTypes(pc)).toEqual({ local: 'relay', remote: 'relay' });
        expect(new Set(trickled(pc))).toEqual(new Set(['relay']));
        // Pairing honours the policy too: no pair has a non-relay local candidate.
        const stats = [...(await pc.getStats()).values()];
        const locals = new Set(stats.filter((s) => s.type === 'candidate-pair').map((s) => s['localCandidateId']));
        for (const id of locals) expect(stats.find((s) => s.id === id)?.['candidateType']).toBe('relay');
      }
    } finally {
      await call.close();
    }
  });

  it("one side 'relay', the other 'all' behind an EIM NAT: the relay side's local candidate is relayed", async () => {
    const call = await natCall({ natA: 'eim', natB: 'eim', servers: 'stun+turn', policyA: 'relay' });
    try {
      expect(call.connectedMs).toBeLessThan(30_000);
      expect((await selectedTypes(call.a))!.local).toBe('relay');
      expect((await selectedTypes(call.b))!.remote).toBe('relay');
    } finally {
      await call.close();
    }
  });

  it('setConfiguration before gathering: the new servers and policy are used', async () => {
    const call = await natCall({
      natA: 'eim',
      natB: 'eim',
      servers: 'stun',
      configure: (pc) =>
        pc.setConfiguration({
          iceServers: [{ urls: [`turn:${TURN_IP}:3478`], username: TURN_USER, credential: TURN_PASS }],
          iceTransportPolicy: 'relay',
        }),
    });
    try {
      expect(call.connectedMs).toBeLessThan(30_000);
      expect(new Set(trickled(call.a))).toEqual(new Set(['relay']));
      expect((await selectedTypes(call.a))!.local).toBe('relay');
      expect(call.a.getConfiguration().iceTransportPolicy).toBe('relay');
    } finally {
      await call.close();
    }
  });

  it('setConfiguration after connecting applies at the ICE restart: relay policy, then back to all', async () => {
    const call = await natCall({ natA: 'eim', natB: 'eim', servers: 'stun' });
    const { a, b, clock } = call;
    try {
      expect(call.connectedMs).toBeLessThan(30_000);
      expect((await selectedTypes(a))!.local).not.toBe('relay');
      a.setConfiguration({
        iceServers: [{ urls: `stun:${STUN_IP}:3478` }, { urls: `turn:${TURN_IP}:3478`, username: TURN_USER, credential: TURN_PASS }],
        iceTransportPolicy: 'relay',
      });
      // Nothing changes before the restart.
      await clock.advance(3000);
      expect(call.turn.stats.allocations).toBe(0);
      const restart = async (): Promise<void> => {
        a.restartIce();
        await a.setLocalDescription(await a.createOffer());
        await b.setRemoteDescription(a.localDescription!);
        await b.setLocalDescription(await b.createAnswer());
        await a.setRemoteDescription(b.localDescription!);
      };
      await restart();
      expect(await clock.runUntil(() => a.iceAgent.getSelectedPair()?.local.type === 'relay', 20_000, 5)).toBe(true);
      expect(a.connectionState).toBe('connected');
      expect(trickled(a).every((t) => t === 'relay')).toBe(true);
      expect(call.turn.stats.allocations).toBe(1);

      a.setConfiguration({ iceServers: [{ urls: `stun:${STUN_IP}:3478` }], iceTransportPolicy: 'all' });
      await restart();
      expect(await clock.runUntil(() => { const t = a.iceAgent.getSelectedPair()?.local.type; return t !== undefined && t !== 'relay'; }, 20_000, 5)).toBe(true);
      expect(trickled(a)).toContain('host');
      expect(trickled(a)).not.toContain('relay');
      expect(a.connectionState).toBe('connected');
    } finally {
      await call.close();
    }
    expect(call.turn.stats.allocations).toBe(0);
  });

  it('keeps the allocations refreshed past their lifetime while the call lasts', async () => {
    const call = await natCall({ natA: 'symmetric', natB: 'symmetric', servers: 'turn' });
    try {
      expect(call.connectedMs).toBeLessThan(30_000);
      // Past the server's default lifetime (600 s) of virtual time.
      for (let i = 0; i < 70; i++) await call.clock.advance(10_000);
      expect(call.a.connectionState).toBe('connected');
      expect(call.b.connectionState).toBe('connected');
      expect(call.turn.stats.allocations).toBe(2);
    } finally {
      await call.close();
    }
    expect(call.turn.stats.allocations).toBe(0);
  });

  it('a lost allocation (TURN over TCP, server gone) withdraws its candidate; the direct call goes on', async () => {
    const call = await natCall({ natA: 'eim', natB: 'eim', servers: 'stun+turn', turnTransport: 'tcp' });
    try {
      expect(call.connectedMs).toBeLessThan(30_000);
      expect(trickled(call.a)).toContain('relay');
      expect((await selectedTypes(call.a))!.local).not.toBe('relay');
      call.turn.close();
      await call.clock.advance(1000);
      expect(trickled(call.a)).not.toContain('relay');
      const stats = [...(await call.a.getStats()).values()];
      expect(stats.filter((s) => s.type === 'local-candidate').map((s) => s['candidateType'])).not.toContain('relay');
      await call.clock.advance(10_000);
      expect(call.a.connectionState).toBe('connected');
    } finally {
      await call.close();
    }
  });

  it('relayed candidates carry the mapped address as related address', async () => {
    const call = await natCall({ natA: 'symmetric', natB: 'eim', servers: 'turn' });
    try {
      const relay = call.a.iceAgent.getLocalCandidates().find((c) => c.type === 'relay')!;
      expect(relay).toBeInstanceOf(Candidate);
      expect(relay.relatedAddress).toBe('203.0.113.1');
    } finally {
      await call.close();
    }
  });
});
