import { Subject, type Observable } from 'rxjs';
import type { ExternalHostSocket } from '../agent/gatherer.js';
import { FramedTcpConnection, tcpKey } from '../agent/tcp/framed-tcp-connection.js';
import { systemClock, type Clock, type TimerHandle } from '../common/clock.js';
import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import { StunMessage } from '../stun/index.js';
import { nodeNet } from '../transport/node-net.js';
import { formatAddress, type Net, type TcpConnection, type TcpServer, type TransportAddress, type UdpSocket } from '../transport/net.js';
import { IceMuxError } from './errors.js';
import {
  DEFAULT_MAX_TCP_TUPLES_PER_TRANSPORT,
  DEFAULT_MAX_UDP_TUPLES_PER_TRANSPORT,
  DEFAULT_MUX_TCP_BACKLOG,
  DEFAULT_TCP_FIRST_FRAME_TIMEOUT_MS,
  type IceMux,
  type IceMuxAgent,
  type IceMuxServerOptions,
  type MuxProtocol,
  type MuxTransportClosedEvent,
  type MuxTupleEvent,
  type MuxTupleRemovedEvent,
  type MuxUfragEvent,
  type TransportClosedReason,
  type TupleRemovedReason,
} from './ice-mux-types.js';
import { IceMuxTransport, type MuxServerLink, type MuxTuple } from './ice-mux-transport.js';
import { peekBindingRequestUfrag } from './stun-username-peek.js';

export interface IceMuxStats {
  readonly transports: number;
  readonly udpTuples: number;
  readonly tcpTuples: number;
  /** Accepted TCP connections not yet routed (waiting for their first frame). */
  readonly tcpUnrouted: number;
  readonly routedPackets: number;
  readonly drops: Record<string, number>;
}

/**
 * A single-port ICE server (mediasoup's WebRtcServer, Pion's UDPMux/TCPMux):
 * one UDP socket and one TCP listener shared by any number of agents. The
 * first STUN Binding request of a new 5-tuple is routed by the local part of
 * its USERNAME (RFC 8445 §7.2.2) after a cheap shape check and, by default,
 * a MESSAGE-INTEGRITY check with that transport's password; later packets
 * are routed by 5-tuple. Anything else arriving on an unknown tuple is
 * dropped without reply, traced and counted.
 */
export class IceMuxServer implements IceMux {
  readonly #clock: Clock;
  readonly #log: ScopedLogger;
  readonly #drops: DropCounter;
  readonly #udp: UdpSocket | undefined;
  readonly #tcp: TcpServer | undefined;
  readonly #maxUdp: number;
  readonly #maxTcp: number;
  readonly #firstFrameMs: number;
  readonly #verifyIntegrity: boolean;
  readonly #byUfrag = new Map<string, IceMuxTransport>();
  readonly #transports = new Map<number, IceMuxTransport>();
  readonly #byAgent = new Map<IceMuxAgent, IceMuxTransport>();
  readonly #udpTuples = new Map<string, MuxTuple>();
  readonly #unrouted = new Map<FramedTcpConnection, TimerHandle>();
  #tcpTupleCount = 0;
  #nextTransportId = 1;
  #nextTupleId = 1;
  #closed = false;
  routedPackets = 0;
  readonly #tupleAdded$ = new Subject<MuxTupleEvent>();
  readonly #tupleRemoved$ = new Subject<MuxTupleRemovedEvent>();
  readonly #ufrag$ = new Subject<MuxUfragEvent>();
  readonly #transportClosed$ = new Subject<MuxTransportClosedEvent>();
  readonly #link: MuxServerLink;

  /** Binds the UDP socket and/or the TCP listener. */
  static async listen(options: IceMuxServerOptions): Promise<IceMuxServer> {
    if (!options.udp && !options.tcp) throw new IceMuxError('ERR_ICE_MUX_CONFIG', 'IceMuxServer needs a udp and/or tcp address');
    const net = options.net ?? nodeNet;
    const udp = options.udp ? await net.bindUdp({ address: options.udp.address, port: options.udp.port }) : undefined;
    let tcp: TcpServer | undefined;
    try {
      if (options.tcp) {
        tcp = await net.listenTcp({ address: options.tcp.address, port: options.tcp.port, backlog: options.tcp.backlog ?? DEFAULT_MUX_TCP_BACKLOG });
      }
    } catch (err) {
      udp?.close();
      throw err;
    }
    return new IceMuxServer(options, net, udp, tcp);
  }

  /**
   * Serves on a UDP socket and/or TCP listener owned by the caller, for a
   * shared port whose dispatcher hands ICE its traffic (the TURN server's
   * `SharedPort` passes views of its own socket and listener). `options.udp`
   * and `options.tcp` are ignored; closing the server closes what was given.
   */
  static attach(options: Omit<IceMuxServerOptions, 'udp' | 'tcp'>, sockets: { udp?: UdpSocket; tcp?: TcpServer }): IceMuxServer {
    if (!sockets.udp && !sockets.tcp) throw new IceMuxError('ERR_ICE_MUX_CONFIG', 'IceMuxServer.attach needs a udp socket and/or a tcp server');
    return new IceMuxServer(options, options.net ?? nodeNet, sockets.udp, sockets.tcp);
  }

  private constructor(options: Omit<IceMuxServerOptions, 'udp' | 'tcp'>, net: Net, udp: UdpSocket | undefined, tcp: TcpServer | undefined) {
    this.#clock = options.clock ?? systemClock;
    const where = udp ? formatAddress(udp.localAddress) : formatAddress(tcp!.localAddress);
    this.#log = getLogger('mux').child(where);
    this.#drops = new DropCounter(this.#log);
    this.#maxUdp = Math.max(1, options.maxUdpTuplesPerTransport ?? DEFAULT_MAX_UDP_TUPLES_PER_TRANSPORT);
    this.#maxTcp = Math.max(1, options.maxTcpTuplesPerTransport ?? DEFAULT_MAX_TCP_TUPLES_PER_TRANSPORT);
    this.#firstFrameMs = options.tcpFirstFrameTimeoutMs ?? DEFAULT_TCP_FIRST_FRAME_TIMEOUT_MS;
    this.#verifyIntegrity = options.verifyIntegrity ?? true;
    this.#udp = udp;
    this.#tcp = tcp;
    this.#link = {
      udpSend: (data, to) => this.#udp?.send(data, to),
      claimUdp: (t, to) => this.#claimUdp(t, to),
      dropOutbound: (reason, detail) => this.#drops.drop(reason, detail),
      transportClosing: (t, reason) => this.#onTransportClosing(t, reason),
      ufragChanged: (t, previous) => this.#onUfragChanged(t, previous),
    };
    udp?.onMessage((data, from) => this.#onUdp(data, from));
    tcp?.onConnection((conn) => this.#onTcpConnection(conn));
    this.#log.debug(`listening udp ${udp ? formatAddress(udp.localAddress) : '-'} tcp ${tcp ? formatAddress(tcp.localAddress) : '-'}`);
  }

  get udpAddress(): TransportAddress | undefined {
    return this.#udp?.localAddress;
  }

  get tcpAddress(): TransportAddress | undefined {
    return this.#tcp?.localAddress;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get drops(): DropCounter {
    return this.#drops;
  }

  get tupleAdded$(): Observable<MuxTupleEvent> {
    return this.#tupleAdded$.asObservable();
  }

  get tupleRemoved$(): Observable<MuxTupleRemovedEvent> {
    return this.#tupleRemoved$.asObservable();
  }

  /** A transport's local ufrag was set (registration) or changed (ICE restart). */
  get ufrag$(): Observable<MuxUfragEvent> {
    return this.#ufrag$.asObservable();
  }

  get transportClosed$(): Observable<MuxTransportClosedEvent> {
    return this.#transportClosed$.asObservable();
  }

  get stats(): IceMuxStats {
    return {
      transports: this.#transports.size,
      udpTuples: this.#udpTuples.size,
      tcpTuples: this.#tcpTupleCount,
      tcpUnrouted: this.#unrouted.size,
      routedPackets: this.routedPackets,
      drops: this.#drops.toJSON(),
    };
  }

  transportOf(agent: IceMuxAgent): IceMuxTransport | undefined {
    return this.#byAgent.get(agent);
  }

  transportByUfrag(ufrag: string): IceMuxTransport | undefined {
    return this.#byUfrag.get(ufrag);
  }

  /** Registers `agent` and returns its host bases on the shared port(s) (`IceAgentConfig.mux`). */
  hostSocketsFor(agent: IceMuxAgent): ExternalHostSocket[] {
    const t = this.register(agent);
    const out: ExternalHostSocket[] = [];
    if (t.udpSocket) out.push({ socket: t.udpSocket, transport: 'udp' });
    if (t.tcpSocket) out.push({ socket: t.tcpSocket, transport: 'tcp', tcpType: 'passive' });
    return out;
  }

  /** Registers an agent by its current local ufrag; throws when closed or the ufrag is taken. */
  register(agent: IceMuxAgent): IceMuxTransport {
    if (this.#closed) throw new IceMuxError('ERR_ICE_MUX_CLOSED', 'single-port ICE server is closed');
    const existing = this.#byAgent.get(agent);
    if (existing && !existing.closed) return existing;
    const ufrag = agent.localCredentials.ufrag;
    if (this.#byUfrag.has(ufrag)) throw new IceMuxError('ERR_ICE_MUX_UFRAG_IN_USE', `ufrag ${ufrag} is already registered`);
    const t = new IceMuxTransport(this.#nextTransportId++, agent, this.#link, this.#udp?.localAddress, this.#tcp?.localAddress);
    this.#transports.set(t.id, t);
    this.#byAgent.set(agent, t);
    this.#byUfrag.set(ufrag, t);
    this.#log.debug(`transport ${t.id} registered ufrag ${ufrag}`);
    this.#ufrag$.next({ transportId: t.id, ufrag, previous: undefined });
    return t;
  }

  // ---- routing ----------------------------------------------------------------

  #onUdp(data: Buffer, from: TransportAddress): void {
    const key = tcpKey(from);
    const tuple = this.#udpTuples.get(key);
    if (tuple !== undefined) {
      this.routedPackets++;
      tuple.transport.udpSocket!.deliver(data, from);
      return;
    }
    try {
      const t = this.#route(data, 'udp', key);
      if (!t) return;
      const added = this.#addTuple(t, 'udp', from, key, undefined);
      if (!added) return;
      this.routedPackets++;
      t.udpSocket!.deliver(data, from);
    } catch (err) {
      // The single inbound catch of the UDP path: nothing from the network throws past it.
      this.#drops.drop('udp-inbound-error', err);
    }
  }

  /** Routes the first packet of a new tuple: cheap shape + USERNAME check, then (optionally) integrity. */
  #route(data: Buffer, protocol: MuxProtocol, key: string): IceMuxTransport | undefined {
    const peek = peekBindingRequestUfrag(data);
    if (!peek.ok) {
      this.#drops.drop(`${protocol}-first-${peek.reason}`, key);
      return undefined;
    }
    const t = this.#byUfrag.get(peek.ufrag);
    if (!t) {
      this.#drops.drop(`${protocol}-unknown-ufrag`, `${key} ${peek.ufrag}`);
      return undefined;
    }
    if (this.#verifyIntegrity) {
      let ok = false;
      try {
        ok = StunMessage.decode(data).verifyIntegrity(t.integrityKey);
      } catch {
        ok = false;
      }
      if (!ok) {
        this.#drops.drop(`${protocol}-bad-integrity`, key);
        return undefined;
      }
    }
    return t;
  }

  #addTuple(t: IceMuxTransport, protocol: MuxProtocol, remote: TransportAddress, key: string, conn: FramedTcpConnection | undefined): MuxTuple | undefined {
    const map = protocol === 'udp' ? t.udpTuples : t.tcpTuples;
    if (map.size >= (protocol === 'udp' ? this.#maxUdp : this.#maxTcp)) {
      const keep = t.selectedKey(protocol);
      let victim: MuxTuple | undefined;
      for (const x of map.values()) {
        if (x.key !== keep) {
          victim = x;
          break;
        }
      }
      if (!victim) {
        this.#drops.drop(`${protocol}-tuples-full`, key);
        return undefined;
      }
      this.#removeTuple(victim, 'evicted');
    }
    const tuple: MuxTuple = { id: this.#nextTupleId++, protocol, remote: { address: remote.address, port: remote.port }, key, transport: t, conn };
    map.set(key, tuple);
    if (protocol === 'udp') this.#udpTuples.set(key, tuple);
    else this.#tcpTupleCount++;
    if (this.#log.traceEnabled) this.#log.trace(`tuple ${tuple.id} ${protocol} ${formatAddress(remote)} -> transport ${t.id}`);
    this.#tupleAdded$.next({ transportId: t.id, tupleId: tuple.id, protocol, remote: tuple.remote });
    return tuple;
  }

  #removeTuple(tuple: MuxTuple, reason: TupleRemovedReason): void {
    const t = tuple.transport;
    const map = tuple.protocol === 'udp' ? t.udpTuples : t.tcpTuples;
    if (map.get(tuple.key) !== tuple) return;
    map.delete(tuple.key);
    if (tuple.protocol === 'udp') {
      if (this.#udpTuples.get(tuple.key) === tuple) this.#udpTuples.delete(tuple.key);
      t.udpSocket?.forgetLastDestination();
    } else {
      this.#tcpTupleCount--;
      tuple.conn?.close();
    }
    if (this.#log.traceEnabled) this.#log.trace(`tuple ${tuple.id} ${tuple.protocol} ${formatAddress(tuple.remote)} removed (${reason})`);
    this.#tupleRemoved$.next({ transportId: t.id, tupleId: tuple.id, protocol: tuple.protocol, remote: tuple.remote, reason });
  }

  #claimUdp(t: IceMuxTransport, to: TransportAddress): void {
    if (t.closed || this.#closed) return;
    const key = tcpKey(to);
    if (this.#udpTuples.has(key)) return; // already routed (to this or another transport: first owner keeps it)
    this.#addTuple(t, 'udp', to, key, undefined);
  }

  // ---- TCP (RFC 6544 passive, RFC 4571 framing) --------------------------------

  #onTcpConnection(conn: TcpConnection): void {
    if (this.#closed) {
      conn.close();
      return;
    }
    let tuple: MuxTuple | undefined;
    const framed: FramedTcpConnection = new FramedTcpConnection(
      conn.remoteAddress,
      (frame, from) => {
        if (framed.closed) return;
        if (tuple !== undefined) {
          this.routedPackets++;
          tuple.transport.tcpSocket!.deliver(frame, from);
          return;
        }
        try {
          const t = this.#route(frame, 'tcp', framed.key);
          const added = t ? this.#addTuple(t, 'tcp', from, framed.key, framed) : undefined;
          if (!t || !added) {
            framed.close();
            return;
          }
          this.#settle(framed);
          tuple = added;
          this.routedPackets++;
          t.tcpSocket!.deliver(frame, from);
        } catch (err) {
          this.#drops.drop('tcp-inbound-error', err);
          framed.close();
        }
      },
      this.#drops,
      this.#clock.now(),
    );
    framed.onClose(() => {
      this.#settle(framed);
      if (tuple) this.#removeTuple(tuple, 'connection-closed');
    });
    const timer = this.#clock.setTimer(() => {
      if (!this.#unrouted.has(framed)) return;
      this.#drops.drop('tcp-first-frame-timeout', framed.key);
      framed.close();
    }, this.#firstFrameMs);
    this.#unrouted.set(framed, timer);
    if (this.#log.traceEnabled) this.#log.trace(`tcp connection from ${formatAddress(conn.remoteAddress)}`);
    framed.attach(conn);
  }

  /** The connection was routed or closed: its first-frame timer goes. */
  #settle(framed: FramedTcpConnection): void {
    const timer = this.#unrouted.get(framed);
    if (timer === undefined) return;
    this.#unrouted.delete(framed);
    this.#clock.clearTimer(timer);
  }

  // ---- lifecycle -----------------------------------------------------------------

  #onUfragChanged(t: IceMuxTransport, previous: string): void {
    if (this.#byUfrag.get(previous) === t) this.#byUfrag.delete(previous);
    const other = this.#byUfrag.get(t.ufrag);
    if (other && other !== t) {
      this.#log.warn(`transport ${t.id}: ufrag ${t.ufrag} already belongs to transport ${other.id}; new tuples go there`);
    } else {
      this.#byUfrag.set(t.ufrag, t);
    }
    this.#log.debug(`transport ${t.id} ufrag ${previous} -> ${t.ufrag}`);
    this.#ufrag$.next({ transportId: t.id, ufrag: t.ufrag, previous });
  }

  #onTransportClosing(t: IceMuxTransport, reason: TransportClosedReason): void {
    const tupleReason: TupleRemovedReason = reason === 'server-closed' ? 'server-closed' : 'transport-closed';
    for (const x of [...t.udpTuples.values()]) this.#removeTuple(x, tupleReason);
    for (const x of [...t.tcpTuples.values()]) this.#removeTuple(x, tupleReason);
    if (this.#byUfrag.get(t.ufrag) === t) this.#byUfrag.delete(t.ufrag);
    this.#transports.delete(t.id);
    if (this.#byAgent.get(t.agent) === t) this.#byAgent.delete(t.agent);
    this.#log.debug(`transport ${t.id} closed (${reason})`);
    this.#transportClosed$.next({ transportId: t.id, ufrag: t.ufrag, reason });
    if (reason !== 'agent-closed') {
      const why = reason === 'server-closed' ? 'single-port ICE server closed' : 'single-port ICE transport closed';
      try {
        t.agent.close(new IceMuxError('ERR_ICE_MUX_CLOSED', why));
      } catch (err) {
        this.#log.error('agent close threw', err);
      }
    }
  }

  /** Closes every transport (their agents see ERR_ICE_MUX_CLOSED), the socket and the listener. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of [...this.#transports.values()]) t.close('server-closed');
    for (const [framed, timer] of [...this.#unrouted]) {
      this.#clock.clearTimer(timer);
      framed.close();
    }
    this.#unrouted.clear();
    this.#udp?.close();
    this.#tcp?.close();
    this.#log.debug('closed');
    this.#tupleAdded$.complete();
    this.#tupleRemoved$.complete();
    this.#ufrag$.complete();
    this.#transportClosed$.complete();
  }
}
