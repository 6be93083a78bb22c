import type { Observable } from 'rxjs';
import { LazyState } from '../common/lazy-subjects.js';
import type { Clock } from '../common/clock.js';
import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import type { IceConnection } from '../agent/ice-connection.js';
import type { DtlsCertificate } from '../dtls/certificate.js';
import type { DtlsCertificateCache } from '../dtls/certificate-cache.js';
import { DtlsConnection } from '../dtls/dtls-connection.js';
import type { DtlsCloseReason, DtlsFingerprint, DtlsRole } from '../dtls/types.js';
import { SRTP_EXPORTER_LABEL, srtpContextsFromDtls, srtpKeyingMaterialLength } from '../srtp/dtls-keying.js';
import type { SrtpContext } from '../srtp/srtp-context.js';
import type { SrtpOffloadHandlers, SrtpOffloadSession, SrtpWorkerPool } from '../srtp/offload/srtp-worker-pool.js';
import type { SrtpProtectionProfile } from '../srtp/protection-profile.js';
import { SrtpError } from '../srtp/errors.js';
import { classifyPacket } from '../transport/demux.js';
import type { DatagramTransport } from '../transport/datagram-transport.js';
import type { MediaPipe } from './media-pipe.js';
import { SrtpHoldBuffer, type HeldKind } from './srtp-hold-buffer.js';

const baseLog = getLogger('pc');

/** SCTP packets kept while the association is not yet attached (an INIT and a retransmission or two). */
const EARLY_APPLICATION_DATA = 16;

export type DtlsTransportState = 'new' | 'connecting' | 'connected' | 'closed' | 'failed';

export interface DtlsSrtpTransportOptions {
  ice: IceConnection;
  role: DtlsRole;
  certificate: DtlsCertificate;
  remoteFingerprints: DtlsFingerprint[];
  srtpProfiles?: SrtpProtectionProfile[];
  extendedMasterSecret?: 'require' | 'request' | 'disable';
  retransmitInitialMs?: number;
  replayWindow?: number;
  /** Runs SRTP on these worker threads instead of inline (SettingEngine.setSRTPWorkers). */
  srtpWorkers?: SrtpWorkerPool;
  certificateCache?: DtlsCertificateCache;
  clock: Clock;
  rng: Rng;
  logId?: string;
  onRtp(packet: Buffer): void;
  onRtcp(packet: Buffer): void;
}

/**
 * DTLS-SRTP over the ICE connection (RFC 5764): the handshake on a
 * demultiplexed view of the ICE data path (RFC 7983), then SRTP keyed from
 * the exporter with the negotiated profile. Implements {@link MediaPipe}.
 */
export class DtlsSrtpTransport implements MediaPipe {
  readonly #o: DtlsSrtpTransportOptions;
  readonly #log: ScopedLogger;
  readonly #state$ = new LazyState<DtlsTransportState>('new');
  readonly drops: DropCounter;
  #dtls: DtlsConnection | undefined;
  #view: DtlsView | undefined;
  #local: SrtpContext | undefined;
  #remote: SrtpContext | undefined;
  #offload: SrtpOffloadSession | undefined;
  /** SRTP/SRTCP that arrived before the keys were installed (bounded, see SrtpHoldBuffer). */
  readonly #held = new SrtpHoldBuffer();
  #sctpHandler: ((packet: Buffer) => void) | undefined;
  #early: Buffer[] | undefined;
  #closed = false;
  bytesSent = 0;
  bytesReceived = 0;
  packetsSent = 0;
  packetsReceived = 0;

  constructor(options: DtlsSrtpTransportOptions) {
    this.#o = options;
    this.#log = options.logId ? baseLog.child(options.logId) : baseLog;
    this.drops = new DropCounter(this.#log);
  }

  get state(): DtlsTransportState {
    return this.#state$.value;
  }

  get state$(): Observable<DtlsTransportState> {
    return this.#state$.asObservable();
  }

  /** Calls `listener` on every later state change (a plain callback; it must not throw). */
  onStateChange(listener: (state: DtlsTransportState) => void): () => void {
    return this.#state$.listen(listener);
  }

  get dtls(): DtlsConnection | undefined {
    return this.#dtls;
  }

  get srtpProfile(): SrtpProtectionProfile | undefined {
    return this.#dtls?.srtpProfile;
  }

  now(): number {
    return this.#o.clock.now();
  }

  wallMs(): number {
    return this.#o.clock.wallMs();
  }

  /** Runs the DTLS handshake and keys SRTP. Rejects with the DTLS error. */
  async start(): Promise<void> {
    const o = this.#o;
    this.#state$.set('connecting');
    const view = (this.#view = new DtlsView(o.ice));
    o.ice.onMessage((data) => this.#onDatagram(data));
    o.ice.onClose((reason) => {
      view.closeHandler?.(reason);
      this.#fail(reason ?? new Error('ICE transport closed'));
    });
    try {
      const dtls = await DtlsConnection.connect(view, {
        role: o.role,
        certificate: o.certificate,
        remoteFingerprints: o.remoteFingerprints,
        ...(o.srtpProfiles ? { srtpProfiles: o.srtpProfiles } : {}),
        ...(o.extendedMasterSecret ? { extendedMasterSecret: o.extendedMasterSecret } : {}),
        ...(o.retransmitInitialMs !== undefined ? { retransmitInitialMs: o.retransmitInitialMs } : {}),
        clock: o.clock,
        rng: o.rng,
        // The HelloVerifyRequest cookie proves the client owns its address; ICE
        // connectivity checks (authenticated by the ICE password) already did, so
        // the extra round trip buys nothing here (browsers skip it too).
        disableHelloVerify: true,
        ...(o.certificateCache ? { certificateCache: o.certificateCache } : {}),
        ...(o.logId ? { logId: o.logId } : {}),
      });
      if (this.#closed) {
        dtls.close();
        return;
      }
      this.#dtls = dtls;
      dtls.onClose((reason) => this.#onDtlsClose(reason));
      dtls.onData((data) => this.#onApplicationData(data));
      const profile = dtls.srtpProfile;
      if (profile === undefined) {
        // A data-only peer (libdatachannel, for one) may not negotiate use_srtp: SCTP still runs.
        this.#log.debug(`DTLS ready without SRTP: ${dtls.cipherSuite}`);
        this.#state$.set('connected');
        return;
      }
      const material = dtls.exportKeyingMaterial(SRTP_EXPORTER_LABEL, srtpKeyingMaterialLength(profile));
      const replay = o.replayWindow !== undefined ? { replayWindow: o.replayWindow } : {};
      if (o.srtpWorkers) {
        this.#offload = o.srtpWorkers.open({ profile, keyingMaterial: material, role: o.role, ...replay }, this.#offloadHandlers());
      } else {
        const { local, remote } = srtpContextsFromDtls(profile, material, o.role, replay);
        this.#local = local;
        this.#remote = remote;
      }
      material.fill(0);
      this.#log.debug(`DTLS-SRTP ready: ${dtls.cipherSuite}, SRTP profile ${profile}${o.srtpWorkers ? ' (on a worker)' : ''}`);
      // Media that came before the keys (e.g. in the final flight's receive batch) goes first, in order.
      const held = this.#held.drain((kind, packet) => this.#onSrtp(kind, packet));
      if (held > 0) this.#log.debug(`delivered ${held} SRTP/SRTCP datagrams held until the keys were ready`);
      this.#state$.set('connected');
    } catch (err) {
      this.#fail(err as Error);
      throw err;
    }
  }

  /**
   * False after close, or while ICE has failed (RFC 7675 §5.1: consent
   * expired, stop sending): writes are refused, not counted as sent.
   */
  get writable(): boolean {
    return !this.#closed && this.#o.ice.writable !== false;
  }

  writeRtp(packet: Buffer): boolean {
    if (!this.writable) return false;
    if (this.#offload) {
      if (!this.#offload.protectRtp(packet)) return false;
      this.packetsSent++;
      return true;
    }
    const ctx = this.#local;
    if (!ctx || this.#closed) return false;
    const out = ctx.protectRtp(packet);
    this.#o.ice.send(out);
    this.packetsSent++;
    this.bytesSent += out.length;
    return true;
  }

  writeRtcp(packet: Buffer): boolean {
    if (!this.writable) return false;
    if (this.#offload) return this.#offload.protectRtcp(packet);
    const ctx = this.#local;
    if (!ctx || this.#closed) return false;
    const out = ctx.protectRtcp(packet);
    this.#o.ice.send(out);
    this.bytesSent += out.length;
    return true;
  }

  /** Sends one SCTP packet as DTLS application data (RFC 8261); false before the handshake or after close. */
  sendSctp(packet: Uint8Array): boolean {
    const dtls = this.#dtls;
    if (!dtls || !this.writable) return false;
    dtls.send(packet);
    return true;
  }

  /**
   * Sets the receiver of DTLS application data (SCTP packets). Packets that
   * arrived before it was set (the peer's INIT can race our SCTP start) are
   * handed over first; at most {@link EARLY_APPLICATION_DATA} are kept.
   */
  onSctp(handler: (packet: Buffer) => void): void {
    this.#sctpHandler = handler;
    const early = this.#early;
    this.#early = undefined;
    for (const p of early ?? []) this.#deliver(handler, p);
  }

  #onApplicationData(data: Buffer): void {
    const h = this.#sctpHandler;
    if (h) return this.#deliver(h, data);
    const early = (this.#early ??= []);
    if (early.length >= EARLY_APPLICATION_DATA) return this.drops.drop('application-data-before-sctp');
    early.push(data);
  }

  /** Sends close_notify and stops; does not close the ICE agent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dtls?.close();
    this.#dropKeys();
    if (this.#state$.value !== 'failed') this.#state$.set('closed');
    this.#state$.complete();
  }

  #onDatagram(data: Buffer): void {
    this.bytesReceived += data.length;
    try {
      switch (classifyPacket(data)) {
        case 'dtls':
          this.#view?.handler?.(data);
          return;
        case 'rtp':
          return this.#onSrtp('rtp', data);
        case 'rtcp':
          return this.#onSrtp('rtcp', data);
        default:
          this.drops.drop('unknown-packet');
      }
    } catch (err) {
      // Network input never throws past the transport: count and trace.
      this.drops.drop(err instanceof SrtpError ? err.code : 'handler-error', err);
    }
  }

  /** One SRTP or SRTCP datagram: unprotected and delivered, or held until the keys exist. */
  #onSrtp(kind: HeldKind, data: Buffer): void {
    if (this.#offload) {
      const ok = kind === 'rtp' ? this.#offload.unprotectRtp(data) : this.#offload.unprotectRtcp(data);
      if (!ok) this.drops.drop('srtp-worker-unavailable');
      return;
    }
    const ctx = this.#remote;
    if (!ctx) {
      if (this.#closed) this.drops.drop(kind === 'rtp' ? 'srtp-after-close' : 'srtcp-after-close');
      else if (!this.#held.push(kind, data)) this.drops.drop('srtp-hold-full');
      return;
    }
    try {
      if (kind === 'rtp') {
        // The datagram is ours alone: decrypt it where it lies.
        const plain = ctx.unprotectRtpInPlace(data);
        this.packetsReceived++;
        this.#o.onRtp(plain);
      } else {
        this.#o.onRtcp(ctx.unprotectRtcp(data));
      }
    } catch (err) {
      this.drops.drop(err instanceof SrtpError ? err.code : 'handler-error', err);
    }
  }

  #dropKeys(): void {
    this.#local = this.#remote = undefined;
    const discarded = this.#held.clear();
    if (discarded > 0) for (let i = 0; i < discarded; i++) this.drops.drop('srtp-held-at-close');
    this.#sctpHandler = undefined;
    this.#early = undefined;
    this.#offload?.close();
    this.#offload = undefined;
  }

  /** Where the worker's results go: the wire, or up the stack as if unprotected inline. */
  #offloadHandlers(): SrtpOffloadHandlers {
    return {
      protected: (packet) => {
        if (this.#closed) return;
        this.#o.ice.send(packet);
        this.bytesSent += packet.length;
      },
      rtp: (packet) => {
        this.packetsReceived++;
        this.#deliver(this.#o.onRtp, packet);
      },
      rtcp: (packet) => this.#deliver(this.#o.onRtcp, packet),
      dropped: (reason) => this.drops.drop(reason),
    };
  }

  #deliver(to: (packet: Buffer) => void, packet: Buffer): void {
    try {
      to(packet);
    } catch (err) {
      this.drops.drop('handler-error', err);
    }
  }

  #onDtlsClose(reason: DtlsCloseReason): void {
    this.#log.debug(`DTLS closed: ${reason.kind}${reason.error ? ` (${reason.error.message})` : ''}`);
    if (this.#closed) return;
    this.#closed = true;
    this.#dropKeys();
    this.#state$.set(reason.kind === 'close-notify' || reason.kind === 'local' ? 'closed' : 'failed');
    this.#state$.complete();
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#log.debug(`DTLS-SRTP transport failed: ${err.message}`);
    this.#closed = true;
    this.#dropKeys();
    this.#state$.set('failed');
    this.#state$.complete();
  }
}

/**
 * The ICE connection as DTLS sees it: DTLS datagrams only (the transport
 * demultiplexes, RFC 7983), and closing it leaves ICE to the transport.
 */
class DtlsView implements DatagramTransport {
  handler: ((data: Buffer) => void) | undefined;
  closeHandler: ((reason?: Error) => void) | undefined;
  readonly #ice: IceConnection;

  constructor(ice: IceConnection) {
    this.#ice = ice;
  }

  get closed(): boolean {
    return this.#ice.closed;
  }

  send(data: Uint8Array): void {
    this.#ice.send(data);
  }

  onMessage(handler: (data: Buffer) => void): void {
    this.handler = handler;
  }

  onClose(handler: (reason?: Error) => void): void {
    this.closeHandler = handler;
  }

  close(): void {
    // The transport closes ICE itself.
  }
}
