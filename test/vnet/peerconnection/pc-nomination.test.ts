import { describe, expect, it } from 'vitest';
import { DEFAULT_RELAY_ACCEPTANCE_MIN_WAIT_MS, DEFAULT_SRFLX_ACCEPTANCE_MIN_WAIT_MS } from '../../../src/agent/agent-config.js';
import { natCall, selectedTypes } from '../../support/pc-nat-vnet.js';

/**
 * The nomination rule (src/agent/selectors.ts, nominationDue) through
 * RTCPeerConnection on the virtual network, fake clock, 20 ms per link:
 * NAT and relay calls connect without Pion's fixed acceptance waits, and
 * fall back to them when the peer never signals end-of-candidates.
 */
describe('nomination without fixed waits (vnet)', () => {
  it('two endpoint-independent NATs with STUN: connected well before the 500 ms srflx wait', async () => {
    let selectedAt = Infinity;
    let start = 0;
    const call = await natCall({
      natA: 'eim',
      natB: 'eim',
      servers: 'stun',
      configure: (a, clock) => {
        start = clock.now();
        a.iceAgent.onSelectedPairChange(() => (selectedAt = Math.min(selectedAt, clock.now())));
      },
    });
    try {
      expect((await selectedTypes(call.a))!.remote).toBe('srflx');
      expect(selectedAt - start).toBeLessThan(DEFAULT_SRFLX_ACCEPTANCE_MIN_WAIT_MS);
      expect(call.connectedMs).toBeLessThanOrEqual(450);
    } finally {
      await call.close();
    }
  });

  it('two symmetric NATs through TURN: connected before the 2 s relay wait alone', async () => {
    const call = await natCall({ natA: 'symmetric', natB: 'symmetric', servers: 'stun+turn' });
    try {
      const t = (await selectedTypes(call.a))!;
      expect([t.local, t.remote]).toContain('relay');
      expect(call.connectedMs).toBeLessThan(DEFAULT_RELAY_ACCEPTANCE_MIN_WAIT_MS);
    } finally {
      await call.close();
    }
  });

  it("without end-of-candidates a better candidate may still come: Pion's srflx wait applies", async () => {
    let selectedAt = Infinity;
    let start = 0;
    const call = await natCall({
      natA: 'eim',
      natB: 'eim',
      servers: 'stun',
      endOfCandidates: false,
      configure: (a, clock) => {
        start = clock.now();
        a.iceAgent.onSelectedPairChange(() => (selectedAt = Math.min(selectedAt, clock.now())));
      },
    });
    try {
      expect(call.connectedMs).toBeLessThan(30_000);
      expect(selectedAt - start).toBeGreaterThanOrEqual(DEFAULT_SRFLX_ACCEPTANCE_MIN_WAIT_MS);
    } finally {
      await call.close();
    }
  });
});
