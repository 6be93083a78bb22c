import { DropCounter } from '../common/drop-counter.js';
import { getLogger } from '../common/log.js';
import { encodeAddressValue } from '../stun/address.js';
import { StunAttr, StunClass, StunErrorCode, StunMethod } from '../stun/constants.js';
import { buildErrorResponse, buildSuccessResponse } from '../stun/error-response.js';
import { StunMessage, isStunMessage } from '../stun/message.js';
import { formatAddress, type TcpConnection, type TransportAddress } from '../transport/net.js';
import type { VirtualHost } from './host.js';
import type { VirtualTcpServer } from './tcp.js';
import type { VirtualUdpSocket } from './udp-socket.js';

const log = getLogger('stun').child('vnet-server');

/** RFC 8489 §18.4: the default STUN port. */
export const DEFAULT_VIRTUAL_STUN_PORT = 3478;
/** RFC 5780 §7: attributes of the NAT behaviour discovery usage. */
export const RFC5780_ATTR = { ChangeRequest: 0x0003, ResponseOrigin: 0x802b, OtherAddress: 0x802c } as const;
const CHANGE_IP = 0x04;
const CHANGE_PORT = 0x02;
/** Bytes a TCP client may leave unframed before the server drops it. */
const MAX_TCP_BUFFER_BYTES = 65536;
const STUN_HEADER_BYTES = 20;

export interface VirtualStunServerStats {
  requests: number;
  responses: number;
  dropped: Record<string, number>;
}

/**
 * A STUN Binding responder (RFC 8489 §5) on a virtual host, over UDP and TCP.
 * With an `otherAddress` it also answers as an RFC 5780 server: OTHER-ADDRESS
 * and RESPONSE-ORIGIN in every response, CHANGE-REQUEST honoured from the
 * alternate address and port (port + 1), so NAT type discovery can be tested.
 */
export class VirtualStunServer {
  readonly host: VirtualHost;
  /** The primary transport address (UDP and TCP). */
  readonly address: TransportAddress;
  /** RFC 5780 alternate address (other IP, port + 1), when configured. */
  readonly otherAddress: TransportAddress | undefined;
  readonly #sockets = new Map<string, VirtualUdpSocket>();
  #tcp: VirtualTcpServer | undefined;
  readonly #conns = new Set<TcpConnection>();
  readonly #drops = new DropCounter(log);
  #requests = 0;
  #responses = 0;
  #closed = false;

  /** @internal Created by {@link VirtualNetwork.addStunServer}. */
  constructor(host: VirtualHost, address: string, port: number, otherAddress: string | undefined, tcp: boolean) {
    this.host = host;
    this.address = { address, port };
    this.otherAddress = otherAddress === undefined ? undefined : { address: otherAddress, port: port + 1 };
    const ips = otherAddress === undefined ? [address] : [address, otherAddress];
    const ports = otherAddress === undefined ? [port] : [port, port + 1];
    for (const ip of ips) {
      for (const p of ports) {
        const s = host.bindUdpNow({ address: ip, port: p });
        s.onMessage((data, from) => this.#onDatagram(s, data, from));
        this.#sockets.set(`${ip}|${p}`, s);
      }
    }
    if (tcp) {
      this.#tcp = host.listenTcpNow({ address, port });
      this.#tcp.onConnection((conn) => this.#onTcp(conn));
    }
  }

  get stats(): VirtualStunServerStats {
    return { requests: this.#requests, responses: this.#responses, dropped: this.#drops.toJSON() };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#sockets.values()) s.close();
    this.#tcp?.close();
    for (const c of this.#conns) c.close();
    this.#conns.clear();
  }

  #onDatagram(socket: VirtualUdpSocket, data: Buffer, from: TransportAddress): void {
    const reply = this.#handle(data, from, socket.localAddress);
    if (!reply) return;
    const out = this.#sockets.get(`${reply.origin.address}|${reply.origin.port}`) ?? socket;
    out.send(reply.bytes, from);
  }

  #onTcp(conn: TcpConnection): void {
    this.#conns.add(conn);
    let buffered: Buffer = Buffer.alloc(0);
    conn.onClose(() => this.#conns.delete(conn));
    conn.onData((chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      // RFC 8489 §6.2.2: over TCP, messages are delimited by their length field.
      while (buffered.length >= STUN_HEADER_BYTES) {
        const total = STUN_HEADER_BYTES + buffered.readUInt16BE(2);
        if (buffered.length < total) break;
        const reply = this.#handle(buffered.subarray(0, total), conn.remoteAddress, conn.localAddress);
        buffered = buffered.subarray(total);
        if (reply) conn.write(reply.bytes);
      }
      if (buffered.length > MAX_TCP_BUFFER_BYTES) {
        this.#drops.drop('tcp-buffer-overflow');
        conn.close();
      }
    });
  }

  /** Answers one message: the one inbound try/catch; network input never throws past here. */
  #handle(data: Buffer, from: TransportAddress, local: TransportAddress): { bytes: Buffer; origin: TransportAddress } | undefined {
    try {
      return this.#answer(data, from, local);
    } catch (err) {
      this.#drops.drop('error', err);
      return undefined;
    }
  }

  #answer(data: Buffer, from: TransportAddress, local: TransportAddress): { bytes: Buffer; origin: TransportAddress } | undefined {
    if (this.#closed) return undefined;
    if (!isStunMessage(data)) {
      this.#drops.drop('not-stun');
      return undefined;
    }
    let req: StunMessage;
    try {
      req = StunMessage.decode(data);
    } catch (err) {
      this.#drops.drop('decode', err);
      return undefined;
    }
    if (req.messageClass !== StunClass.Request) {
      this.#drops.drop('not-request');
      return undefined;
    }
    this.#requests++;
    let origin = local;
    let res: StunMessage;
    const unknown = req.unknownComprehensionRequired().filter((t) => t !== RFC5780_ATTR.ChangeRequest || !this.otherAddress);
    if (req.method !== StunMethod.Binding) {
      res = buildErrorResponse(req, StunErrorCode.BadRequest, 'Bad Request');
    } else if (unknown.length > 0) {
      // RFC 8489 §6.3.1.1: 420 with the comprehension-required attributes not understood.
      res = buildErrorResponse(req, StunErrorCode.UnknownAttribute, 'Unknown Attribute', { unknownAttributes: unknown });
    } else {
      res = buildSuccessResponse(req).setXorMappedAddress(from);
      const other = this.otherAddress;
      if (other) {
        origin = this.#changedOrigin(req, local);
        res.addAttr(RFC5780_ATTR.ResponseOrigin, encodeAddressValue(origin));
        res.addAttr(RFC5780_ATTR.OtherAddress, encodeAddressValue(other));
      }
    }
    if (log.traceEnabled) log.trace(`binding from ${formatAddress(from)} answered from ${formatAddress(origin)}`);
    this.#responses++;
    return { bytes: res.encode({ fingerprint: req.hasAttr(StunAttr.Fingerprint) }), origin };
  }

  /** RFC 5780 §6.1: CHANGE-REQUEST picks the address (and/or port) the response leaves from. */
  #changedOrigin(req: StunMessage, local: TransportAddress): TransportAddress {
    const cr = req.getAttr(RFC5780_ATTR.ChangeRequest);
    if (!cr || cr.length < 4) return local;
    const flags = cr.readUInt32BE(0);
    const other = this.otherAddress!;
    const address = flags & CHANGE_IP ? (local.address === this.address.address ? other.address : this.address.address) : local.address;
    const port = flags & CHANGE_PORT ? (local.port === this.address.port ? other.port : this.address.port) : local.port;
    return { address, port };
  }
}
