import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IceAgent } from '../../src/agent/index.js';
import type { IceAgentConfig, IceConnection, IceConnectionState, IceRole } from '../../src/agent/index.js';
import { spawnGoPeer, type GoPeer, type GoPeerMessage } from '../support/go-peer.js';
import { loopbackIceConfig, waitUntil } from '../support/ice.js';
import { expectNoLeaks, snapshotResources } from '../support/leaks.js';
import { pionAvailable, pionBinary } from '../support/pion.js';

/**
 * tern-rtc's IceAgent ↔ Pion's ice.Agent (github.com/pion/ice/v2 from
 * Debian, test/interop/pion/ice-peer) over 127.0.0.1, both roles: JSON-line
 * signalling over the peer's stdin/stdout, connect, check the selected pair
 * on both sides, exchange datagrams both ways (the Go peer echoes ours and
 * we echo its), close, and check that nothing is left behind here. Variants
 * hold one side's candidates back until both are connected (peer-reflexive
 * discovery, then trickle after connection), start both agents in the same
 * role (role conflict), and keep an idle connection across several
 * keepalive/consent periods.
 */

const LOOPBACK = '127.0.0.1';
const DATAGRAMS = 20;
const CONNECT_TIMEOUT_MS = 10_000;
/** Longer than the 5 s disconnected timeouts and than one 4–6 s consent period. */
const IDLE_MS = 8000;

/** Whose candidates are held back until both sides are connected. */
type Hold = 'none' | 'pion-candidates' | 'tern-candidates';

function splitHostPort(hostPort: unknown): { address: string; port: number } {
  const s = String(hostPort);
  const i = s.lastIndexOf(':');
  return { address: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
}

function isFullStats(m: GoPeerMessage): boolean {
  return m.type === 'stats' && Number(m['received']) >= DATAGRAMS && Number(m['echoesReceived']) >= DATAGRAMS;
}

interface Session {
  tern: IceAgent;
  pion: GoPeer;
  /** Holds (true) or releases (false, flushing) Pion's signalling to us. */
  holdPionSignalling(hold: boolean): void;
  conn: IceConnection;
  remoteTypeAtConnect: string;
  ternStates: IceConnectionState[];
  /** Pion's datagrams to us and its echoes of ours, as received. */
  fromPion: string[];
  echoes: string[];
}

const available = pionAvailable();

describe.skipIf(!available)('ICE interop: tern ↔ Pion ice v2 on 127.0.0.1', () => {
  let binary = '';
  // A cold Go build cache compiles Pion and its dependencies first: allow for it.
  beforeAll(() => {
    binary = pionBinary('ice-peer');
  }, 300_000);

  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });

  interface ConnectOptions {
    timeout?: string;
    /** Default: the opposite of ours. */
    pionRole?: IceRole;
    tieBreaker?: bigint;
    /** Delay before our candidates reach Pion (our first checks then reach it first). */
    delayTernCandidatesMs?: number;
  }

  /** Spawns the Go peer, signals and connects; the session is closed after the test. */
  async function connect(ternRole: IceRole, hold: Hold, options: ConnectOptions = {}): Promise<Session> {
    const pionRole: IceRole = options.pionRole ?? (ternRole === 'controlling' ? 'controlled' : 'controlling');
    const timeout = options.timeout ?? '20s';
    const pion = spawnGoPeer(binary, ['-role', pionRole, '-count', String(DATAGRAMS), '-timeout', timeout]);
    const tern = new IceAgent({
      ...loopbackIceConfig(),
      ...(options.tieBreaker !== undefined ? { tieBreaker: options.tieBreaker } : {}),
    });
    open.push(async () => {
      tern.close();
      await pion.close();
    });
    const ternStates: IceConnectionState[] = [];
    tern.state$.subscribe((s) => ternStates.push(s));

    // Signalling: ours to the Go peer's stdin, its stdout lines to us.
    const toPion: GoPeerMessage[] = [];
    // Pion's candidates (string), end-of-candidates (null) and, after the
    // first, its credentials (ICE restart), in the order it printed them.
    const toTern: (string | null | { ufrag: string; pwd: string })[] = [];
    let holdToPion = hold === 'tern-candidates';
    let holdToTern = hold === 'pion-candidates';
    const flush = (): void => {
      if (!holdToPion) for (const m of toPion.splice(0)) pion.send(m);
      if (!holdToTern) {
        for (const c of toTern.splice(0)) {
          if (c !== null && typeof c === 'object') tern.setRemoteCredentials(c.ufrag, c.pwd);
          else tern.addRemoteCandidate(c);
        }
      }
    };
    tern.onCandidate((c) => {
      toPion.push(c === null ? { type: 'end-of-candidates' } : { type: 'candidate', candidate: c.toString() });
      flush();
    });
    if (options.delayTernCandidatesMs !== undefined) {
      holdToPion = true;
      const t = setTimeout(() => {
        holdToPion = false;
        flush();
      }, options.delayTernCandidatesMs);
      open.push(async () => clearTimeout(t));
    }
    let credentialsSeen = 0;
    const fromPionSignal = (m: GoPeerMessage): void => {
      if (m.type === 'candidate') toTern.push(String(m['candidate']));
      else if (m.type === 'end-of-candidates') toTern.push(null);
      else if (m.type === 'credentials' && ++credentialsSeen > 1) toTern.push({ ufrag: String(m['ufrag']), pwd: String(m['pwd']) });
      else return;
      flush();
    };
    for (const m of pion.messages) fromPionSignal(m);
    pion.onMessage(fromPionSignal);
    pion.send({ type: 'credentials', ufrag: tern.localCredentials.ufrag, pwd: tern.localCredentials.pwd });
    const creds = await pion.next('credentials');
    const gathered = tern.gather();

    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), CONNECT_TIMEOUT_MS);
    let conn: IceConnection;
    try {
      const ufrag = String(creds['ufrag']);
      const pwd = String(creds['pwd']);
      conn = await (ternRole === 'controlling' ? tern.dial(ufrag, pwd, abort.signal) : tern.accept(ufrag, pwd, abort.signal));
      await gathered;
      await pion.next('connected', CONNECT_TIMEOUT_MS);
    } finally {
      clearTimeout(timer);
    }
    const remoteTypeAtConnect = conn.remoteCandidate.type;
    holdToPion = false;
    holdToTern = false;
    flush();

    // Data: count what Pion sends and echo it; count Pion's echoes of ours.
    const fromPion: string[] = [];
    const echoes: string[] = [];
    conn.onMessage((d) => {
      const s = d.toString();
      if (s.startsWith('echo:')) echoes.push(s.slice(5));
      else if (s.startsWith('pion:')) {
        fromPion.push(s);
        conn.send(Buffer.from(`echo:${s}`));
      }
    });
    const holdPionSignalling = (h: boolean): void => {
      holdToTern = h;
      flush();
    };
    return { tern, pion, holdPionSignalling, conn, remoteTypeAtConnect, ternStates, fromPion, echoes };
  }

  async function checkSelectedPair({ tern, pion, conn }: Session): Promise<void> {
    const connected = await pion.next('connected');
    const theirLocal = splitHostPort(connected['local']);
    const theirRemote = splitHostPort(connected['remote']);
    expect(conn.localCandidate.address).toBe(LOOPBACK);
    expect(conn.remoteCandidate.address).toBe(LOOPBACK);
    expect(tern.getSelectedPair()).toBeDefined();
    expect(theirLocal.address).toBe(LOOPBACK);
    expect(theirRemote.address).toBe(LOOPBACK);
    // Both sides agree on the pair.
    expect(theirLocal.port).toBe(conn.remoteCandidate.port);
    expect(theirRemote.port).toBe(conn.localCandidate.port);
  }

  async function exchange(s: Session): Promise<void> {
    s.pion.send({ type: 'send' }); // our handler is in place: Pion may start sending
    for (let i = 0; i < DATAGRAMS; i++) s.conn.send(Buffer.from(`tern:${i}`));
    const stats = await s.pion.next(isFullStats, 5000);
    await waitUntil(
      `Pion's datagrams and echoes (got ${s.fromPion.length} and ${s.echoes.length})`,
      () => s.fromPion.length >= DATAGRAMS && s.echoes.length >= DATAGRAMS,
    );
    expect(stats['received']).toBe(DATAGRAMS);
    expect(new Set(s.echoes)).toEqual(new Set(Array.from({ length: DATAGRAMS }, (_, i) => `tern:${i}`)));
    expect(new Set(s.fromPion)).toEqual(new Set(Array.from({ length: DATAGRAMS }, (_, i) => `pion:${i}`)));
  }

  const cases: { ternRole: IceRole; hold: Hold }[] = [
    { ternRole: 'controlling', hold: 'none' },
    { ternRole: 'controlled', hold: 'none' },
    { ternRole: 'controlling', hold: 'pion-candidates' },
    { ternRole: 'controlled', hold: 'tern-candidates' },
  ];
  for (const { ternRole, hold } of cases) {
    const pionRole = ternRole === 'controlling' ? 'controlled' : 'controlling';
    const title = `tern ${ternRole}, Pion ${pionRole}${hold === 'none' ? '' : `, ${hold} trickled after connection`}`;
    it(title, async () => {
      const before = snapshotResources();
      const s = await connect(ternRole, hold);
      expect(s.tern.role).toBe(ternRole);
      if (hold === 'pion-candidates') expect(s.remoteTypeAtConnect).toBe('prflx');
      if (hold === 'tern-candidates') expect((await s.pion.next('connected'))['remoteType']).toBe('prflx');
      await checkSelectedPair(s);
      await exchange(s);
      expect(s.pion.messages.filter((m) => m.type === 'error')).toEqual([]);

      s.tern.close();
      s.tern.close(); // idempotent
      expect(s.tern.state).toBe('closed');
      expect(s.conn.closed).toBe(true);
      expect(await s.pion.close()).toBe(0);
      // Pion reports its own state change to closed from a goroutine: it may come after this line.
      expect(s.pion.messages.map((m) => m.type)).toContain('closed');
      await expectNoLeaks(before);
    });
  }

  // Pion ice v2.3.1 never resolves a role conflict itself: it silently drops
  // checks carrying its own role attribute and ignores 487. So here the
  // tie-breakers make us the side that must switch (RFC 8445 §7.3.1.1), and
  // our candidates reach Pion late, so our first checks (with the old role)
  // go unanswered: after switching we must check the pair again with the new
  // role (RFC 8445 §7.3.1.4, triggered check on an In-Progress pair).
  const conflicts: { role: IceRole; tieBreaker: bigint; becomes: IceRole }[] = [
    { role: 'controlling', tieBreaker: 1n, becomes: 'controlled' },
    { role: 'controlled', tieBreaker: (1n << 64n) - 1n, becomes: 'controlling' },
  ];
  for (const { role, tieBreaker, becomes } of conflicts) {
    it(`role conflict: both ${role}, tern switches to ${becomes}`, async () => {
      const s = await connect(role, 'none', { pionRole: role, tieBreaker, delayTernCandidatesMs: 300 });
      expect(s.tern.role).toBe(becomes);
      await checkSelectedPair(s);
      await exchange(s);
    });
  }

  // ICE restart (RFC 8445 §9) on both sides. Pion's Restart forgets the
  // remote credentials and candidates, so it restarts first; we restart, then
  // signal our new credentials (our candidates are re-announced by restart())
  // and only then take Pion's new credentials and candidates.
  for (const ternRole of ['controlling', 'controlled'] as const) {
    it(`ICE restart on both sides, tern ${ternRole}`, async () => {
      const s = await connect(ternRole, 'none');
      await exchange(s);
      const oldPair = s.tern.getSelectedPair();
      const oldUfrag = s.tern.localCredentials.ufrag;
      const mark = s.pion.messages.length;
      const after = (type: string) => (m: GoPeerMessage) => s.pion.messages.indexOf(m) >= mark && m.type === type;

      s.holdPionSignalling(true);
      s.pion.send({ type: 'restart' });
      await s.pion.next(after('end-of-candidates'));
      await s.tern.restart();
      expect(s.tern.localCredentials.ufrag).not.toBe(oldUfrag);
      s.pion.send({ type: 'credentials', ufrag: s.tern.localCredentials.ufrag, pwd: s.tern.localCredentials.pwd });
      s.holdPionSignalling(false);

      const selected = await s.pion.next(after('selected'), CONNECT_TIMEOUT_MS);
      await waitUntil('our new selected pair', () => {
        const p = s.tern.getSelectedPair();
        return p !== undefined && p.id !== oldPair?.id;
      });
      const pair = s.tern.getSelectedPair()!;
      expect(splitHostPort(selected['local'])).toEqual({ address: LOOPBACK, port: pair.remote.port });
      expect(splitHostPort(selected['remote'])).toEqual({ address: LOOPBACK, port: pair.local.port });

      // Data on the new pair: Pion echoes what we send now.
      const echoesBefore = s.echoes.length;
      for (let i = 0; i < DATAGRAMS; i++) s.conn.send(Buffer.from(`tern:restart:${i}`));
      await waitUntil(`echoes after the restart (got ${s.echoes.length - echoesBefore})`, () => s.echoes.length - echoesBefore >= DATAGRAMS);
      expect(s.ternStates.filter((x) => x === 'failed' || x === 'closed')).toEqual([]);
    });
  }

  it(
    `stays connected over ${IDLE_MS / 1000} s idle in both roles (keepalives and consent)`,
    async () => {
      const sessions = await Promise.all([
        connect('controlling', 'none', { timeout: '40s' }),
        connect('controlled', 'none', { timeout: '40s' }),
      ]);
      await new Promise<void>((resolve) => setTimeout(resolve, IDLE_MS));
      for (const s of sessions) {
        const role = s.tern.role;
        const pionStates = s.pion.messages.filter((m) => m.type === 'state').map((m) => m['state']);
        expect({ role, tern: s.ternStates }).toEqual({ role, tern: ['new', 'checking', 'connected'] });
        expect({ role, pion: pionStates }).toEqual({ role, pion: ['checking', 'connected'] });
        await exchange(s);
      }
    },
    IDLE_MS + 20_000,
  );
});
