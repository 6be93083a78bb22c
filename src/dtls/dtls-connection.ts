import { ReplaySubject, type Observable } from 'rxjs';
import { systemClock, type Clock } from '../common/clock.js';
import type { DropCounter } from '../common/drop-counter.js';
import { getLogger } from '../common/log.js';
import type { SrtpProtectionProfile } from './srtp-protection-profile.js';
import type { DatagramTransport } from '../transport/datagram-transport.js';
import type { DtlsCipherSuite } from './cipher-suites/cipher-suite.js';
import { DtlsCore } from './dtls-core.js';
import { DtlsError } from './errors.js';
import type { DtlsCloseReason, DtlsConfig, DtlsSessionInfo } from './types.js';
import { DeadlineTimer } from '../common/deadline-timer.js';

const log = getLogger('dtls');

/**
 * A DTLS connection over a {@link DatagramTransport}: the driver of a
 * {@link DtlsCore}. It owns one timer on the injected clock and drains the
 * core after every input (datagrams, then events, then the timer). It does
 * not own the transport: closing the connection sends close_notify and
 * detaches, the transport's owner closes the transport.
 */
export class DtlsConnection {
  readonly #core: DtlsCore;
  readonly #transport: DatagramTransport;
  readonly #clock: Clock;
  readonly #timer: DeadlineTimer;
  /** Set once closed; listeners and the closed$ subject exist only when asked for. */
  #closeReason: DtlsCloseReason | undefined;
  #closeListeners: ((reason: DtlsCloseReason) => void)[] | undefined;
  #closed$: ReplaySubject<DtlsCloseReason> | undefined;
  #dataHandler: ((data: Buffer) => void) | undefined;
  #draining = false;
  #drainAgain = false;
  #isClosed = false;
  #connected: { resolve: (c: DtlsConnection) => void; reject: (e: Error) => void } | undefined;

  private constructor(transport: DatagramTransport, config: DtlsConfig) {
    this.#core = new DtlsCore(config);
    this.#transport = transport;
    this.#clock = config.clock ?? systemClock;
    this.#timer = new DeadlineTimer(this.#clock, (now) => {
      if (this.#isClosed) return;
      this.#core.handleTimeout(now);
      this.#drain();
    });
  }

  /** Runs the handshake over `transport`; resolves once it completes, rejects with a DtlsError. */
  static connect(transport: DatagramTransport, config: DtlsConfig): Promise<DtlsConnection> {
    return DtlsConnection.create(transport, config).ready;
  }

  /**
   * Starts the handshake and returns the connection at once, for callers that demultiplex the
   * transport themselves and feed {@link handleDatagram} from the first datagram on. `ready`
   * settles like {@link connect}.
   */
  static create(transport: DatagramTransport, config: DtlsConfig): DtlsConnection {
    const conn = new DtlsConnection(transport, config);
    conn.#start();
    return conn;
  }

  /** Resolves once the handshake completes; rejects with a DtlsError if it fails or the connection closes first. */
  readonly ready: Promise<DtlsConnection> = new Promise<DtlsConnection>((resolve, reject) => {
    this.#connected = { resolve, reject };
  });

  #start(): void {
    // Nobody may be listening to `ready` (create() callers that watch closed$); never an unhandled rejection.
    this.ready.catch(() => {});
    const transport = this.#transport;
    if (transport.closed) {
      this.#finish({ kind: 'transport', error: new DtlsError('ERR_DTLS_CLOSED', 'transport is closed') });
      return;
    }
    transport.onMessage((data) => this.handleDatagram(data));
    transport.onClose((reason) => this.#onTransportClose(reason));
    this.#core.start(this.#clock.now());
    this.#drain();
  }

  /** Closes with this reason once; fires every close listener. */
  /** Emits the close reason once, then completes (replayed to late subscribers). */
  get closed$(): Observable<DtlsCloseReason> {
    if (this.#closed$ === undefined) {
      this.#closed$ = new ReplaySubject<DtlsCloseReason>(1);
      if (this.#closeReason !== undefined) {
        this.#closed$.next(this.#closeReason);
        this.#closed$.complete();
      }
    }
    return this.#closed$.asObservable();
  }

  get cipherSuite(): DtlsCipherSuite {
    return this.#session().cipherSuite;
  }

  get srtpProfile(): SrtpProtectionProfile | undefined {
    return this.#core.srtpProfile;
  }

  /** The peer's certificate (DER); empty when a server allowed a client without one. */
  get remoteCertificate(): Buffer {
    return this.#session().remoteCertificate;
  }

  /** Everything the handshake negotiated. */
  get session(): DtlsSessionInfo {
    return this.#session();
  }

  get closed(): boolean {
    return this.#isClosed;
  }

  /** Datagrams dropped by reason (malformed, replayed, unauthentic, ...). */
  get drops(): DropCounter {
    return this.#core.drops;
  }

  #session(): DtlsSessionInfo {
    const s = this.#core.session;
    if (!s) throw new DtlsError('ERR_DTLS_NOT_CONNECTED', 'DTLS handshake not complete');
    return s;
  }

  /** Sends one application_data record. */
  send(data: Uint8Array): void {
    this.#core.send(data);
    this.#drain();
  }

  /** Sets the one handler of received application data. */
  onData(handler: (data: Buffer) => void): void {
    this.#dataHandler = handler;
  }

  /** Calls `cb` once when the connection closes (immediately if it already has). */
  onClose(cb: (reason: DtlsCloseReason) => void): void {
    const safe = (reason: DtlsCloseReason): void => {
      try {
        cb(reason);
      } catch (e) {
        log.error('close listener threw', e);
      }
    };
    if (this.#closeReason !== undefined) safe(this.#closeReason);
    else (this.#closeListeners ??= []).push(safe);
  }

  /** RFC 5705 exporter, e.g. `exportKeyingMaterial('EXTRACTOR-dtls_srtp', 2 * (key + salt))`. */
  exportKeyingMaterial(label: string, length: number, context?: Buffer): Buffer {
    return this.#core.exportKeyingMaterial(label, length, context);
  }

  /** Feeds one datagram (for callers that demultiplex the transport themselves). */
  handleDatagram(data: Buffer): void {
    if (this.#isClosed) return;
    try {
      this.#core.handleInput(this.#clock.now(), data);
    } catch (e) {
      // The core drops bad input itself; this is the driver's last line of defence.
      this.#core.drops.drop('exception', e);
    }
    this.#drain();
  }

  /** Sends close_notify and releases the timer and the transport handlers; idempotent. */
  close(): void {
    if (this.#isClosed) return;
    this.#core.close();
    this.#drain();
  }

  #onTransportClose(reason?: Error): void {
    if (this.#isClosed) return;
    this.#finish({ kind: 'transport', ...(reason ? { error: reason } : {}) });
  }

  #drain(): void {
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = true;
    try {
      do {
        this.#drainAgain = false;
        for (let d = this.#core.pollTransmit(); d; d = this.#core.pollTransmit()) {
          if (!this.#transport.closed) this.#transport.send(d);
        }
        for (let e = this.#core.pollEvent(); e; e = this.#core.pollEvent()) {
          switch (e.type) {
            case 'connected':
              this.#connected?.resolve(this);
              this.#connected = undefined;
              break;
            case 'data':
              this.#deliver(e.data);
              break;
            case 'alert':
              break;
            case 'closed':
              this.#finish(e.reason);
              break;
          }
        }
      } while (this.#drainAgain);
    } finally {
      this.#draining = false;
    }
    this.#arm();
  }

  #deliver(data: Buffer): void {
    const h = this.#dataHandler;
    if (!h) return;
    try {
      h(data);
    } catch (e) {
      log.error('data handler threw', e);
    }
  }

  #arm(): void {
    this.#timer.set(this.#isClosed ? undefined : this.#core.pollTimeout());
  }

  #finish(reason: DtlsCloseReason): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#timer.clear();
    if (!this.#transport.closed) {
      this.#transport.onMessage(() => {});
      this.#transport.onClose(() => {});
    }
    this.#dataHandler = undefined;
    if (this.#connected) {
      const error = reason.error ?? new DtlsError('ERR_DTLS_CLOSED', `DTLS connection closed during the handshake (${reason.kind})`);
      this.#connected.reject(error);
      this.#connected = undefined;
    }
    this.#closeReason = reason;
    const listeners = this.#closeListeners ?? [];
    this.#closeListeners = undefined;
    for (const l of listeners) l(reason);
    this.#closed$?.next(reason);
    this.#closed$?.complete();
  }
}
