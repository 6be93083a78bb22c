import { shortTermKey } from '../stun/index.js';
import type { FramedTcpConnection } from '../agent/tcp/framed-tcp-connection.js';
import { tcpKey } from '../agent/tcp/framed-tcp-connection.js';
import { familyOf, type AddressFamily, type TransportAddress, type UdpMessageHandler, type UdpSocket } from '../transport/net.js';
import type { IceMuxAgent, MuxProtocol, TransportClosedReason } from './ice-mux-types.js';

/** One routed 5-tuple (a UDP remote address or one accepted TCP connection). */
export interface MuxTuple {
  readonly id: number;
  readonly protocol: MuxProtocol;
  readonly remote: TransportAddress;
  readonly key: string;
  readonly transport: IceMuxTransport;
  readonly conn: FramedTcpConnection | undefined;
}

/** What a transport and its sockets need from their server. */
export interface MuxServerLink {
  udpSend(data: Uint8Array, to: TransportAddress): void;
  /** The agent sends to `to`: route that address's answers to this transport (Pion's registerConnForAddress). */
  claimUdp(transport: IceMuxTransport, to: TransportAddress): void;
  dropOutbound(reason: string, detail: string): void;
  transportClosing(transport: IceMuxTransport, reason: TransportClosedReason): void;
  ufragChanged(transport: IceMuxTransport, previous: string): void;
}

/**
 * One agent's registration on a single-port server: its ufrag and key for
 * routing new tuples, its tuples, and the UDP/TCP socket views the agent
 * uses as host bases.
 */
export class IceMuxTransport {
  readonly id: number;
  readonly agent: IceMuxAgent;
  readonly udpTuples = new Map<string, MuxTuple>();
  readonly tcpTuples = new Map<string, MuxTuple>();
  readonly udpSocket: MuxUdpSocket | undefined;
  readonly tcpSocket: MuxTcpSocket | undefined;
  #ufrag: string;
  #key: Buffer;
  #closed = false;
  #closeReason: TransportClosedReason | undefined;
  readonly #link: MuxServerLink;
  readonly #unsubscribe: () => void;

  constructor(id: number, agent: IceMuxAgent, link: MuxServerLink, udpLocal: TransportAddress | undefined, tcpLocal: TransportAddress | undefined) {
    this.id = id;
    this.agent = agent;
    this.#link = link;
    this.#ufrag = agent.localCredentials.ufrag;
    this.#key = shortTermKey(agent.localCredentials.pwd);
    this.udpSocket = udpLocal ? new MuxUdpSocket(this, link, udpLocal) : undefined;
    this.tcpSocket = tcpLocal ? new MuxTcpSocket(this, link, tcpLocal) : undefined;
    // RFC 8445 §9: an ICE restart brings a new ufrag; existing tuples keep routing.
    this.#unsubscribe = agent.onLocalCredentialsChange((c) => {
      if (this.#closed) return;
      const previous = this.#ufrag;
      this.#ufrag = c.ufrag;
      this.#key = shortTermKey(c.pwd);
      if (previous !== c.ufrag) link.ufragChanged(this, previous);
    });
  }

  get ufrag(): string {
    return this.#ufrag;
  }

  /** MESSAGE-INTEGRITY key (RFC 8489 §9.1.1 short-term) for the current password. */
  get integrityKey(): Buffer {
    return this.#key;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get closeReason(): TransportClosedReason | undefined {
    return this.#closeReason;
  }

  /** Remote key of the agent's selected pair on `protocol`, if any (never evicted). */
  selectedKey(protocol: MuxProtocol): string | undefined {
    let pair;
    try {
      pair = this.agent.getSelectedPair();
    } catch {
      return undefined;
    }
    return pair && pair.local.transport === protocol ? tcpKey(pair.remote) : undefined;
  }

  /** Frees every tuple and the ufrag; `closed` by the user also closes the agent. */
  close(reason: TransportClosedReason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#unsubscribe();
    this.udpSocket?.markClosed();
    this.tcpSocket?.markClosed();
    this.#link.transportClosing(this, reason);
  }
}

/** What the UDP and TCP bases of a transport share: the inbound handler and the close state. */
abstract class MuxSocketBase implements UdpSocket {
  #handler: UdpMessageHandler | undefined;
  #closed = false;

  constructor(
    protected readonly transport: IceMuxTransport,
    protected readonly link: MuxServerLink,
    readonly localAddress: TransportAddress,
  ) {}

  abstract send(data: Uint8Array, to: TransportAddress): void;

  get family(): AddressFamily {
    return familyOf(this.localAddress.address);
  }

  get closed(): boolean {
    return this.#closed;
  }

  onMessage(handler: UdpMessageHandler): void {
    this.#handler = handler;
  }

  deliver(data: Buffer, from: TransportAddress): void {
    const h = this.#handler;
    if (h !== undefined) h(data, from);
  }

  markClosed(): void {
    this.#closed = true;
    this.#handler = undefined;
  }

  close(): void {
    if (this.#closed) return;
    this.transport.close('agent-closed');
  }
}

/** The agent's UDP host base on the shared socket. */
export class MuxUdpSocket extends MuxSocketBase {
  #lastTo: TransportAddress | undefined;

  send(data: Uint8Array, to: TransportAddress): void {
    if (this.closed) return;
    // The selected pair sends to one cached address object: claim it once.
    if (to !== this.#lastTo) {
      this.link.claimUdp(this.transport, to);
      this.#lastTo = to;
    }
    this.link.udpSend(data, to);
  }

  /** A tuple of this transport went away: claim again on the next send. */
  forgetLastDestination(): void {
    this.#lastTo = undefined;
  }
}

/** The agent's passive ICE-TCP base on the shared listener (RFC 6544 §4.1). */
export class MuxTcpSocket extends MuxSocketBase {
  send(data: Uint8Array, to: TransportAddress): void {
    if (this.closed) return;
    const t = this.transport.tcpTuples.get(tcpKey(to));
    // RFC 6544 §6.2: a passive candidate never connects out.
    if (t?.conn) t.conn.write(data);
    else this.link.dropOutbound('tcp-no-connection', tcpKey(to));
  }
}
