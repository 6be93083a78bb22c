import type { Observable } from 'rxjs';
import type { Clock } from '../common/clock.js';
import { LazyState } from '../common/lazy-subjects.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import { SctpTransport, type SctpDatagramLink } from '../sctp/sctp-transport.js';
import type { SctpStats } from '../sctp/types.js';
import { DataChannelRegistry } from './data-channel-registry.js';
import type { RTCDataChannel, RTCDataChannelInit } from './rtc-data-channel.js';

export type RTCSctpTransportState = 'connecting' | 'connected' | 'closed';

/** RFC 8841 §5: the default (and our) SCTP port. */
export const DEFAULT_SCTP_PORT = 5000;
/** What we advertise in `a=max-message-size` and reassemble (RFC 8841 §6); libwebrtc advertises the same. */
export const DEFAULT_MAX_MESSAGE_SIZE = 262144;
/** RFC 8841 §6.1: a peer that signals no `a=max-message-size` takes 64 KiB. */
export const IMPLIED_REMOTE_MAX_MESSAGE_SIZE = 65536;

export interface RTCSctpTransportOptions {
  clock: Clock;
  rng: Rng;
  logId?: string;
  /** Local `a=max-message-size` (and receive limit); default 262144. */
  maxMessageSize?: number;
  /** Per-channel `bufferedAmount` high-water mark; default 16 MiB. */
  highWaterMark?: number;
  detached?: boolean;
  /**
   * Announce RFC 9653 zero-checksum acceptance in INIT. Default false: pion/sctp
   * before 1.8.13 (Debian's Pion, for one) cannot parse an INIT carrying the
   * parameter and never answers it.
   */
  zeroChecksum?: boolean;
  onDataChannel(channel: RTCDataChannel): void;
}

export interface RemoteSctpParams {
  port: number;
  /** `a=max-message-size`; undefined when absent, 0 for "no limit". */
  maxMessageSize: number | undefined;
}

/**
 * W3C RTCSctpTransport: the SCTP association of a peer connection over its
 * DTLS transport (RFC 8261), and the data channels on it. The association
 * starts once DTLS is up and the negotiated descriptions carry an
 * `m=application` section; both ends send an INIT.
 */
export class RTCSctpTransport {
  readonly #o: RTCSctpTransportOptions;
  readonly #log: ScopedLogger;
  readonly #state$ = new LazyState<RTCSctpTransportState>('connecting');
  readonly registry: DataChannelRegistry;
  #sctp: SctpTransport | undefined;
  #remote: RemoteSctpParams | undefined;
  #closed = false;
  onstatechange: ((state: RTCSctpTransportState) => void) | null = null;

  constructor(options: RTCSctpTransportOptions) {
    this.#o = options;
    const base = getLogger('sctp');
    this.#log = options.logId ? base.child(options.logId) : base;
    this.registry = new DataChannelRegistry({
      maxMessageSize: () => this.maxMessageSize,
      onDataChannel: options.onDataChannel,
      ...(options.highWaterMark !== undefined ? { highWaterMark: options.highWaterMark } : {}),
      ...(options.detached !== undefined ? { detached: options.detached } : {}),
      ...(options.logId !== undefined ? { logId: options.logId } : {}),
    });
  }

  get state(): RTCSctpTransportState {
    return this.#state$.value;
  }

  get state$(): Observable<RTCSctpTransportState> {
    return this.#state$.asObservable();
  }

  /** Our `a=max-message-size`. */
  get localMaxMessageSize(): number {
    return this.#o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** W3C §6.1.1: the smaller of the remote's limit (64 KiB if unsaid, unlimited if 0) and ours. */
  get maxMessageSize(): number {
    const r = this.#remote?.maxMessageSize;
    const remote = r === undefined ? IMPLIED_REMOTE_MAX_MESSAGE_SIZE : r === 0 ? Number.POSITIVE_INFINITY : r;
    return Math.min(remote, this.localMaxMessageSize);
  }

  get maxChannels(): number | null {
    return this.registry.maxChannels;
  }

  /** Association counters (undefined before it starts). */
  get stats(): Readonly<SctpStats> | undefined {
    return this.#sctp?.stats;
  }

  get started(): boolean {
    return this.#sctp !== undefined;
  }

  /** The DTLS role decides stream-id parity and who sends the INIT. */
  setRole(role: 'client' | 'server'): void {
    this.registry.setRole(role);
  }

  /** The remote's `a=sctp-port` and `a=max-message-size` from the negotiated description. */
  setRemote(params: RemoteSctpParams): void {
    this.#remote = params;
  }

  createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    return this.registry.create(label, init);
  }

  /** Starts the association on the DTLS application-data path. */
  start(link: SctpDatagramLink, role: 'client' | 'server'): void {
    if (this.#sctp || this.#closed) return;
    this.registry.setRole(role);
    const remotePort = this.#remote?.port ?? DEFAULT_SCTP_PORT;
    const sctp = new SctpTransport(link, {
      clock: this.#o.clock,
      rng: this.#o.rng,
      localPort: DEFAULT_SCTP_PORT,
      remotePort,
      maxMessageSize: this.localMaxMessageSize,
      maxSendMessageSize: this.maxMessageSize,
      zeroChecksum: this.#o.zeroChecksum ?? false,
      logger: this.#log,
      onConnected: ({ outboundStreams, inboundStreams }) => {
        this.#log.debug(`SCTP up: ${outboundStreams} outbound, ${inboundStreams} inbound streams`);
        this.registry.handleConnected(sctp, outboundStreams, inboundStreams);
        this.#setState('connected');
      },
      onMessage: (id, ppid, data) => this.registry.handleMessage(id, ppid, data),
      onStreamReset: (ids) => this.registry.handleStreamReset(ids),
      onOutgoingResetDone: (ids) => this.registry.handleOutgoingResetDone(ids),
      onBufferedAmountLow: (id) => this.registry.handleBufferedAmountLow(id),
      onClosed: (reason, error) => {
        this.#log.debug(`SCTP closed: ${reason}${error ? ` (${error.message})` : ''}`);
        this.#finish(reason === 'local' || reason === 'shutdown' ? undefined : (error ?? new Error(`SCTP association ${reason}`)));
      },
    });
    this.#sctp = sctp;
    // Both ends send an INIT (RFC 9260 §5.2.1 resolves the collision), as usrsctp and dcsctp do:
    // stacks disagree on who starts (werift's SCTP client is the ICE-controlling side, not the DTLS client).
    try {
      sctp.connect();
    } catch (err) {
      this.#log.debug(`SCTP connect failed: ${(err as Error).message}`);
      sctp.close();
      this.#finish(err as Error);
    }
  }

  /** One SCTP packet from the DTLS connection. */
  receive(data: Uint8Array): void {
    this.#sctp?.receive(data);
  }

  /** The DTLS transport under us closed or failed. */
  transportClosed(error?: Error): void {
    this.#sctp?.close();
    this.#finish(error);
  }

  /** Aborts the association (the remote sees its channels close); idempotent. */
  close(): void {
    this.#sctp?.close('peer connection closed');
    this.#finish(undefined);
  }

  #finish(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.registry.handleClosed(error);
    this.#setState('closed');
    this.#state$.complete();
  }

  #setState(s: RTCSctpTransportState): void {
    if (!this.#state$.set(s)) return;
    try {
      this.onstatechange?.(s);
    } catch (err) {
      this.#log.error('onstatechange threw', err);
    }
  }
}
