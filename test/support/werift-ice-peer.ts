import { Candidate as WeriftCandidate, Connection } from 'werift-ice';

/**
 * werift-ice's `Connection` run in-process and kept on 127.0.0.1, for
 * interop tests and benchmarks.
 *
 * Loopback only: werift-ice gathers on every non-internal IPv4/IPv6 address
 * unless told otherwise, and its `interfaceAddresses` filter falls back to all
 * addresses when nothing matches. So: `useIpv4`/`useIpv6` off (no
 * addresses from os.networkInterfaces()), `additionalHostAddresses:
 * ['127.0.0.1']` (the only host address), `interfaceAddresses.udp4 =
 * 127.0.0.1` (the socket's bind address), no TCP. Its constructor also puts a
 * default STUN server (stun.l.google.com) in `stunServer`, which it would
 * contact while gathering: that field is cleared right after construction.
 * mDNS is used only to resolve remote `.local` candidates, which we never
 * hand it.
 */
export type WeriftIceRole = 'controlling' | 'controlled';

export interface WeriftIceAddress {
  readonly address: string;
  readonly port: number;
}

export interface WeriftIceSelectedPair {
  readonly local: WeriftIceAddress & { readonly type: string };
  readonly remote: WeriftIceAddress & { readonly type: string };
}

export interface WeriftIcePeerOptions {
  /** The only address gathered and bound. Default 127.0.0.1. */
  address?: string;
}

const LOOPBACK = '127.0.0.1';

export class WeriftIcePeer {
  readonly role: WeriftIceRole;
  readonly connection: Connection;
  #candidateListeners = new Set<(sdp: string | null) => void>();
  #dataListeners = new Set<(data: Buffer) => void>();
  #closed = false;
  #gathered = false;

  constructor(role: WeriftIceRole, options: WeriftIcePeerOptions = {}) {
    const address = options.address ?? LOOPBACK;
    this.role = role;
    this.connection = new Connection(role === 'controlling', {
      useIpv4: false,
      useIpv6: false,
      useTcp: false,
      additionalHostAddresses: [address],
      interfaceAddresses: { udp4: address },
    });
    // The constructor defaults stunServer to stun.l.google.com:19302.
    delete (this.connection as { stunServer?: unknown }).stunServer;
    this.connection.onIceCandidate.subscribe((c) => this.#emitCandidate(`candidate:${c.toSdp()}`));
    this.connection.onData.subscribe((data) => {
      for (const l of this.#dataListeners) l(data);
    });
  }

  get localCredentials(): { ufrag: string; pwd: string } {
    return { ufrag: this.connection.localUsername, pwd: this.connection.localPassword };
  }

  get state(): string {
    return this.connection.state;
  }

  /** Candidates as SDP attribute values (`candidate:...`); `null` = end-of-candidates. */
  onCandidate(listener: (sdp: string | null) => void): () => void {
    this.#candidateListeners.add(listener);
    return () => this.#candidateListeners.delete(listener);
  }

  /** Gathers host candidates; resolves with them (as `candidate:...` strings) when complete. */
  async gather(): Promise<string[]> {
    await this.connection.gatherCandidates();
    if (!this.#gathered) {
      this.#gathered = true;
      this.#emitCandidate(null);
    }
    return this.localCandidates();
  }

  localCandidates(): string[] {
    return this.connection.localCandidates.map((c) => `candidate:${c.toSdp()}`);
  }

  setRemoteCredentials(ufrag: string, pwd: string): void {
    this.connection.setRemoteParams({ iceLite: false, usernameFragment: ufrag, password: pwd });
  }

  /** Adds a remote candidate (`candidate:...`, `a=candidate:...` or bare); `null` = end-of-candidates. */
  async addRemoteCandidate(sdp: string | null): Promise<void> {
    if (sdp === null || sdp === '') {
      await this.connection.addRemoteCandidate(undefined);
      return;
    }
    const bare = sdp.replace(/^a=/, '').replace(/^candidate:/, '');
    await this.connection.addRemoteCandidate(WeriftCandidate.fromSdp(bare));
  }

  /**
   * ICE restart: new local credentials and generation, check list and remote
   * side forgotten (sockets kept). Then signal, `setRemoteCredentials`,
   * `gather()` (re-announces the host candidates), add the peer's candidates
   * and `connect()` again.
   */
  async restart(): Promise<void> {
    await this.connection.restart();
    this.#gathered = false;
  }

  /** Runs the checks; resolves once a pair is nominated (werift state "connected"). */
  async connect(): Promise<void> {
    await this.connection.connect();
  }

  selectedPair(): WeriftIceSelectedPair | undefined {
    const pair = this.connection.nominated;
    if (!pair) return undefined;
    const local = pair.localCandidate;
    const [remoteAddress, remotePort] = pair.remoteAddr;
    return {
      local: { address: local.host, port: local.port, type: local.type },
      remote: { address: remoteAddress, port: remotePort, type: pair.remoteCandidate.type },
    };
  }

  send(data: Uint8Array): Promise<void> {
    return this.connection.send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  onData(listener: (data: Buffer) => void): () => void {
    this.#dataListeners.add(listener);
    return () => this.#dataListeners.delete(listener);
  }

  /** Closes sockets and timers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#candidateListeners.clear();
    this.#dataListeners.clear();
    await this.connection.close();
  }

  #emitCandidate(sdp: string | null): void {
    for (const l of this.#candidateListeners) l(sdp);
  }
}

/**
 * Connects two werift-ice peers on loopback (trickled signalling in-process).
 * Used by benchmarks; resolves when both sides are connected.
 */
export async function connectWeriftPair(a: WeriftIcePeer, b: WeriftIcePeer): Promise<void> {
  a.setRemoteCredentials(b.localCredentials.ufrag, b.localCredentials.pwd);
  b.setRemoteCredentials(a.localCredentials.ufrag, a.localCredentials.pwd);
  const report = (err: unknown): void => console.error('werift-ice addRemoteCandidate failed:', err);
  a.onCandidate((c) => void b.addRemoteCandidate(c).catch(report));
  b.onCandidate((c) => void a.addRemoteCandidate(c).catch(report));
  await Promise.all([a.gather(), b.gather()]);
  await Promise.all([a.connect(), b.connect()]);
}
