import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent } from '../../src/agent/index.js';
import type { IceAgentConfig, IceConnection, IceRole } from '../../src/agent/index.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { WeriftIcePeer } from '../support/werift-ice-peer.js';

/**
 * tern-rtc's IceAgent ↔ werift-ice's Connection, both in this process,
 * both gathering only 127.0.0.1, in both roles: connect, check the selected
 * pair on both sides, exchange datagrams both ways, close, and check that no
 * socket or timer is left.
 */

const LOOPBACK = '127.0.0.1';
const DATAGRAMS = 20;
const CONNECT_TIMEOUT_MS = 10_000;

function loopbackConfig(): IceAgentConfig {
  return {
    networkTypes: ['udp4'],
    interfaceFilter: (name) => name === 'lo',
    ipFilter: (ip) => ip === LOOPBACK,
    includeLoopback: true,
  };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}

interface Pair {
  tern: IceAgent;
  werift: WeriftIcePeer;
  conn: IceConnection;
}

/** Signals in-process (trickle both ways) and connects; the caller closes. */
async function connect(tern: IceAgent, werift: WeriftIcePeer, ternRole: IceRole, trickleLate: boolean): Promise<IceConnection> {
  const weriftCandidates: (string | null)[] = [];
  const ternCandidates: (string | null)[] = [];
  tern.onCandidate((c) => ternCandidates.push(c === null ? null : c.toString()));
  werift.onCandidate((c) => weriftCandidates.push(c));
  const deliver = (): void => {
    for (const c of ternCandidates.splice(0)) void werift.addRemoteCandidate(c);
    for (const c of weriftCandidates.splice(0)) tern.addRemoteCandidate(c);
  };
  let live = false;
  tern.onCandidate(() => live && deliver());
  werift.onCandidate(() => live && deliver());

  werift.setRemoteCredentials(tern.localCredentials.ufrag, tern.localCredentials.pwd);
  await Promise.all([tern.gather(), werift.gather()]);
  if (!trickleLate) {
    live = true;
    deliver();
  }

  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CONNECT_TIMEOUT_MS);
  try {
    const { ufrag, pwd } = werift.localCredentials;
    const ternSide =
      ternRole === 'controlling' ? tern.dial(ufrag, pwd, abort.signal) : tern.accept(ufrag, pwd, abort.signal);
    const weriftSide = werift.connect();
    if (trickleLate) {
      // Candidates only after both sides started checking: the first checks
      // come from addresses the receiver has not been told about (prflx).
      await new Promise<void>((resolve) => setTimeout(resolve, 50));
      live = true;
      deliver();
    }
    const [conn] = await Promise.all([ternSide, weriftSide]);
    return conn;
  } finally {
    clearTimeout(timer);
  }
}

async function exchange({ werift, conn }: Pair): Promise<void> {
  const atWerift: string[] = [];
  const atTern: string[] = [];
  werift.onData((d) => atWerift.push(d.toString()));
  conn.onMessage((d) => atTern.push(d.toString()));
  for (let i = 0; i < DATAGRAMS; i++) {
    conn.send(Buffer.from(`tern:${i}`));
    await werift.send(Buffer.from(`werift:${i}`));
  }
  await waitFor(
    `${DATAGRAMS} datagrams each way (werift got ${atWerift.length}, tern got ${atTern.length})`,
    () => atWerift.length >= DATAGRAMS && atTern.length >= DATAGRAMS,
  );
  expect(new Set(atWerift)).toEqual(new Set(Array.from({ length: DATAGRAMS }, (_, i) => `tern:${i}`)));
  expect(new Set(atTern)).toEqual(new Set(Array.from({ length: DATAGRAMS }, (_, i) => `werift:${i}`)));
}

function checkSelectedPair({ tern, werift, conn }: Pair): void {
  expect(conn.localCandidate.address).toBe(LOOPBACK);
  expect(conn.remoteCandidate.address).toBe(LOOPBACK);
  expect(tern.getSelectedPair()).toBeDefined();
  const theirs = werift.selectedPair();
  expect(theirs).toBeDefined();
  expect(theirs!.local.address).toBe(LOOPBACK);
  expect(theirs!.remote.address).toBe(LOOPBACK);
  // The two sides agree on the pair.
  expect(theirs!.local.port).toBe(conn.remoteCandidate.port);
  expect(theirs!.remote.port).toBe(conn.localCandidate.port);
}

describe('ICE interop: tern ↔ werift-ice on 127.0.0.1', () => {
  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });

  const cases: { ternRole: IceRole; trickleLate: boolean }[] = [
    { ternRole: 'controlling', trickleLate: false },
    { ternRole: 'controlled', trickleLate: false },
    { ternRole: 'controlling', trickleLate: true },
    { ternRole: 'controlled', trickleLate: true },
  ];
  for (const { ternRole, trickleLate } of cases) {
    const title = `tern ${ternRole}, werift ${ternRole === 'controlling' ? 'controlled' : 'controlling'}${
      trickleLate ? ', candidates trickled after checks start' : ''
    }`;
    it(title, async () => {
      const before = snapshotResources();
      const tern = new IceAgent(loopbackConfig());
      const werift = new WeriftIcePeer(ternRole === 'controlling' ? 'controlled' : 'controlling');
      open.push(async () => {
        tern.close();
        await werift.close();
      });
      const conn = await connect(tern, werift, ternRole, trickleLate);
      const pair: Pair = { tern, werift, conn };
      expect(tern.role).toBe(ternRole);
      expect(['connected', 'completed']).toContain(tern.state);
      checkSelectedPair(pair);
      await exchange(pair);

      let closeReason: Error | undefined | 'not called' = 'not called';
      conn.onClose((reason) => (closeReason = reason));
      tern.close();
      tern.close(); // idempotent
      await werift.close();
      expect(tern.state).toBe('closed');
      expect(conn.closed).toBe(true);
      await waitFor('the connection to report close', () => closeReason !== 'not called', 1000);
      await expectNoLeaks(before);
    });
  }
});
