import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent } from '../../src/agent/index.js';
import type { IceAgentConfig, IceConnection, IceConnectionState, IceRole } from '../../src/agent/index.js';
import { loopbackIceConfig, waitUntil } from '../support/ice.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { WeriftIcePeer } from '../support/werift-ice-peer.js';

/**
 * tern-rtc's IceAgent ↔ werift-ice's Connection, both in this process,
 * both gathering only 127.0.0.1, in both roles: connect, check the selected
 * pair on both sides, exchange datagrams both ways, close, and check that no
 * socket or timer is left. Variants hold one side's candidates back until
 * both are connected (so the other learns it as peer-reflexive and the
 * candidates trickle in after connection), and hold an idle connection
 * across several keepalive/consent periods.
 */

const LOOPBACK = '127.0.0.1';
const DATAGRAMS = 20;
const CONNECT_TIMEOUT_MS = 10_000;
/** Longer than the 5 s disconnected timeout and than one 4–6 s consent period on each side. */
const IDLE_MS = 12_000;

/** Whose candidates are held back until both sides are connected. */
type Hold = 'none' | 'werift-candidates' | 'tern-candidates';

interface Session {
  tern: IceAgent;
  werift: WeriftIcePeer;
  conn: IceConnection;
  /** Type of our remote candidate when connect resolved (before held candidates trickle in). */
  remoteTypeAtConnect: string;
  ternStates: IceConnectionState[];
  weriftStates: string[];
  close(): Promise<void>;
}

/** Creates both agents, signals in-process and connects; `close()` releases both. */
async function connect(
  ternRole: IceRole,
  hold: Hold,
  register: (close: () => Promise<void>) => void,
  weriftRole: IceRole = ternRole === 'controlling' ? 'controlled' : 'controlling',
): Promise<Session> {
  const tern = new IceAgent(loopbackIceConfig());
  const werift = new WeriftIcePeer(weriftRole);
  const close = async (): Promise<void> => {
    tern.close();
    await werift.close();
  };
  register(close);
  const ternStates: IceConnectionState[] = [];
  const weriftStates: string[] = [];
  tern.state$.subscribe((s) => ternStates.push(s));
  werift.connection.stateChanged.subscribe((s) => weriftStates.push(s));

  const toWerift: (string | null)[] = [];
  const toTern: (string | null)[] = [];
  let holdToWerift = hold === 'tern-candidates';
  let holdToTern = hold === 'werift-candidates';
  const flush = (): void => {
    if (!holdToWerift) for (const c of toWerift.splice(0)) void werift.addRemoteCandidate(c);
    if (!holdToTern) for (const c of toTern.splice(0)) tern.addRemoteCandidate(c);
  };
  tern.onCandidate((c) => {
    toWerift.push(c === null ? null : c.toString());
    flush();
  });
  werift.onCandidate((c) => {
    toTern.push(c);
    flush();
  });

  werift.setRemoteCredentials(tern.localCredentials.ufrag, tern.localCredentials.pwd);
  await Promise.all([tern.gather(), werift.gather()]);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CONNECT_TIMEOUT_MS);
  let conn: IceConnection;
  try {
    const { ufrag, pwd } = werift.localCredentials;
    [conn] = await Promise.all([
      ternRole === 'controlling' ? tern.dial(ufrag, pwd, abort.signal) : tern.accept(ufrag, pwd, abort.signal),
      werift.connect(),
    ]);
  } finally {
    clearTimeout(timer);
  }
  const remoteTypeAtConnect = conn.remoteCandidate.type;
  // Trickle whatever was held back, after connection.
  holdToWerift = false;
  holdToTern = false;
  flush();
  return { tern, werift, conn, remoteTypeAtConnect, ternStates, weriftStates, close };
}

async function exchange({ werift, conn }: Session, tag: string, count = DATAGRAMS): Promise<void> {
  const atWerift: string[] = [];
  const atTern: string[] = [];
  const offWerift = werift.onData((d) => atWerift.push(d.toString()));
  conn.onMessage((d) => atTern.push(d.toString()));
  for (let i = 0; i < count; i++) {
    conn.send(Buffer.from(`tern:${tag}:${i}`));
    await werift.send(Buffer.from(`werift:${tag}:${i}`));
  }
  await waitUntil(
    `${count} datagrams each way (werift got ${atWerift.length}, tern got ${atTern.length})`,
    () => atWerift.length >= count && atTern.length >= count,
  );
  offWerift();
  expect(new Set(atWerift)).toEqual(new Set(Array.from({ length: count }, (_, i) => `tern:${tag}:${i}`)));
  expect(new Set(atTern)).toEqual(new Set(Array.from({ length: count }, (_, i) => `werift:${tag}:${i}`)));
}

function checkSelectedPair({ tern, werift, conn }: Session): void {
  expect(conn.localCandidate.address).toBe(LOOPBACK);
  expect(conn.remoteCandidate.address).toBe(LOOPBACK);
  expect(tern.getSelectedPair()).toBeDefined();
  const theirs = werift.selectedPair();
  expect(theirs).toBeDefined();
  expect(theirs!.local.address).toBe(LOOPBACK);
  expect(theirs!.remote.address).toBe(LOOPBACK);
  // Both sides agree on the pair.
  expect(theirs!.local.port).toBe(conn.remoteCandidate.port);
  expect(theirs!.remote.port).toBe(conn.localCandidate.port);
}

describe('ICE interop: tern ↔ werift-ice on 127.0.0.1', () => {
  const open: (() => Promise<void>)[] = [];
  const register = (close: () => Promise<void>): void => void open.push(close);
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });

  const cases: { ternRole: IceRole; hold: Hold }[] = [
    { ternRole: 'controlling', hold: 'none' },
    { ternRole: 'controlled', hold: 'none' },
    { ternRole: 'controlling', hold: 'werift-candidates' },
    { ternRole: 'controlled', hold: 'werift-candidates' },
    { ternRole: 'controlling', hold: 'tern-candidates' },
    { ternRole: 'controlled', hold: 'tern-candidates' },
  ];
  for (const { ternRole, hold } of cases) {
    const weriftRole = ternRole === 'controlling' ? 'controlled' : 'controlling';
    const title = `tern ${ternRole}, werift ${weriftRole}${hold === 'none' ? '' : `, ${hold} trickled after connection`}`;
    it(title, async () => {
      const before = snapshotResources();
      const s = await connect(ternRole, hold, register);
      expect(s.tern.role).toBe(ternRole);
      expect(['connected', 'completed']).toContain(s.tern.state);
      if (hold === 'werift-candidates') expect(s.remoteTypeAtConnect).toBe('prflx');
      checkSelectedPair(s);
      await exchange(s, 'a');

      let closeReason: Error | undefined | 'not called' = 'not called';
      s.conn.onClose((reason) => (closeReason = reason));
      s.tern.close();
      s.tern.close(); // idempotent
      await s.werift.close();
      expect(s.tern.state).toBe('closed');
      expect(s.conn.closed).toBe(true);
      await waitUntil('the connection to report close', () => closeReason !== 'not called', 1000);
      await expectNoLeaks(before);
    });
  }

  // Both agents start in the same role: the tie-breakers decide who switches
  // (RFC 8445 §7.3.1.1, §7.2.5.1); both must end in opposite roles, agree on
  // the pair and carry data.
  for (const role of ['controlling', 'controlled'] as const) {
    it(`role conflict: both start ${role}`, async () => {
      const s = await connect(role, 'none', register, role);
      const weriftRole: IceRole = s.werift.connection.iceControlling ? 'controlling' : 'controlled';
      expect(s.tern.role).not.toBe(weriftRole);
      checkSelectedPair(s);
      await exchange(s, 'conflict');
    });
  }

  // ICE restart (RFC 8445 §9) on both sides: each restarts, then takes the
  // other's new credentials and candidates; data must flow on the new pair.
  for (const ternRole of ['controlling', 'controlled'] as const) {
    it(`ICE restart on both sides, tern ${ternRole}`, async () => {
      const s = await connect(ternRole, 'none', register);
      await exchange(s, 'before');
      // Sockets are kept on both sides, so the new pair has the old addresses:
      // count selections instead of comparing pairs.
      let selections = 0;
      const sub = s.tern.selectedPair$.subscribe(() => selections++);
      // werift forgets its remote candidates on restart: restart it first, so
      // the candidates our restart() re-announces (forwarded by the session's
      // signalling) reach the new generation; then its gather() re-announces
      // its own to us.
      await s.werift.restart();
      await s.tern.restart();
      s.werift.setRemoteCredentials(s.tern.localCredentials.ufrag, s.tern.localCredentials.pwd);
      s.tern.setRemoteCredentials(s.werift.localCredentials.ufrag, s.werift.localCredentials.pwd);
      await s.werift.gather();
      await s.werift.connect();
      await waitUntil('a selection after the restart', () => selections > 0);
      sub.unsubscribe();
      checkSelectedPair(s);
      await exchange(s, 'after');
      expect(s.ternStates.filter((x) => x === 'failed' || x === 'closed')).toEqual([]);
    });
  }

  it(
    `stays connected over ${IDLE_MS / 1000} s idle in both roles (keepalives and consent)`,
    async () => {
      const sessions = await Promise.all([connect('controlling', 'none', register), connect('controlled', 'none', register)]);
      for (const s of sessions) await exchange(s, 'before');
      await new Promise<void>((resolve) => setTimeout(resolve, IDLE_MS));
      for (const s of sessions) {
        const role = s.tern.role;
        expect({ role, tern: s.ternStates }).toEqual({ role, tern: ['new', 'checking', 'connected'] });
        expect({ role, werift: s.weriftStates.filter((x) => x !== 'completed') }).toEqual({ role, werift: ['connected'] });
        await exchange(s, 'after');
      }
    },
    IDLE_MS + 15_000,
  );
});
