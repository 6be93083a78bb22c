import { DropCounter } from '../common/drop-counter.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import type { SrtpProtectionProfile } from './srtp-protection-profile.js';
import { ALERT_RECORD_LENGTH, decodeAlert, encodeAlert } from './alert.js';
import type { CipherSuiteParams, DtlsCipherSuite } from './cipher-suites/cipher-suite.js';
import { resolveConfig, type ResolvedDtlsConfig } from './config.js';
import { AlertDescription, AlertLevel, alertName, ContentType, HandshakeType, handshakeTypeName, MAX_PLAINTEXT_LENGTH, NamedGroup } from './constants.js';
import { DtlsDecodeError, DtlsError } from './errors.js';
import { exportKeyingMaterial } from './exporter.js';
import { ClientHandshake } from './flights/client-handshake.js';
import { FlightRetransmitter } from './flights/flight-retransmitter.js';
import { profileName } from './flights/hello-options.js';
import { handleInitialClientHello } from './flights/hello-verify.js';
import type { FlightItem, HandshakeHost, SessionSecrets } from './flights/handshake-host.js';
import { ServerHandshake } from './flights/server-handshake.js';
import { encodeHandshakeMessage, parseHandshakeFragments, type HandshakeFragment } from './handshake/header.js';
import { ClientHelloAssembler } from './handshake/client-hello-assembler.js';
import { HandshakeReassembler } from './handshake/reassembler.js';
import type { KeyBlock } from './prf.js';
import { parseRecords, type RawRecord } from './record/header.js';
import { RecordLayer } from './record/record-layer.js';
import type { DtlsCloseReason, DtlsConfig, DtlsEvent, DtlsRole, DtlsSessionInfo } from './types.js';
import { ownedCopy } from '../common/owned-bytes.js';

export type DtlsState = 'new' | 'handshaking' | 'connected' | 'closed';

/** Epoch-1 records that arrive before their keys (reordering), kept until the keys exist. */
const MAX_EARLY_RECORDS = 32;
/** Application data decrypted before the peer's Finished, delivered once connected. */
const MAX_EARLY_DATA = 32;
/** Events and datagrams nobody polls are bounded too. */
const MAX_QUEUED = 4096;

/**
 * DTLS 1.2 (RFC 6347) endpoint, sans-IO. Feed it datagrams with
 * {@link handleInput} and the time with {@link handleTimeout}; pull datagrams
 * with {@link pollTransmit}, events with {@link pollEvent} and the next
 * deadline with {@link pollTimeout}. No clock, timer, socket or ambient
 * randomness is used: the Rng comes from the config.
 *
 * (Over 400 lines on purpose: this is the one place where records, epochs,
 * flights, alerts and application data meet; message logic lives in flights/.)
 */
export class DtlsCore {
  readonly role: DtlsRole;
  readonly drops: DropCounter;
  readonly #cfg: ResolvedDtlsConfig;
  readonly #log: ScopedLogger;
  readonly #layer: RecordLayer;
  readonly #reassembler = new HandshakeReassembler();
  readonly #clientHelloAssembler = new ClientHelloAssembler();
  /** The handshake in progress; dropped once connected (renegotiation is refused), freeing its keys and transcript. */
  #client: ClientHandshake | undefined;
  #server: ServerHandshake | undefined;
  #state: DtlsState = 'new';
  #sendSeq = 0;
  /** Current write epoch: 1 once our ChangeCipherSpec is out. */
  #writeEpoch = 0;
  readonly #flights: FlightRetransmitter;
  #handshakeDeadline: number | undefined;
  #awaitingPeerFlight = true;
  #peerFlightFirstSeq = -1;
  /** message_seq of the last message dropped as unexpected (it was not consumed). */
  #rejectedSeq = -1;
  #earlyRecords: RawRecord[] = [];
  #earlyData: Buffer[] = [];
  readonly #transmit: Buffer[] = [];
  readonly #events: DtlsEvent[] = [];
  #session: DtlsSessionInfo | undefined;
  #secrets: SessionSecrets | undefined;
  #now = 0;

  constructor(config: DtlsConfig) {
    this.#cfg = resolveConfig(config);
    this.role = this.#cfg.role;
    const base = getLogger('dtls');
    this.#log = base.child(config.logId ?? this.role);
    this.drops = new DropCounter(this.#log);
    this.#layer = new RecordLayer(this.role);
    this.#flights = new FlightRetransmitter(this.#cfg.retransmitInitialMs, this.#cfg.retransmitMaxMs, this.#cfg.mtu, this.#layer, this.#log);
    const host = this.#host();
    if (this.role === 'client') this.#client = new ClientHandshake(host);
    else this.#server = new ServerHandshake(host);
  }

  get state(): DtlsState {
    return this.#state;
  }

  /** What was negotiated; set once connected. */
  get session(): DtlsSessionInfo | undefined {
    return this.#session;
  }

  get cipherSuite(): DtlsCipherSuite | undefined {
    return this.#session?.cipherSuite;
  }

  get srtpProfile(): SrtpProtectionProfile | undefined {
    return this.#session?.srtpProfile;
  }

  /** Begins the handshake: the client sends flight 1, the server starts waiting for a ClientHello. */
  start(now: number): void {
    if (this.#state !== 'new') return;
    this.#now = now;
    this.#state = 'handshaking';
    this.#handshakeDeadline = now + this.#cfg.handshakeTimeoutMs;
    this.#log.debug(`handshake started as ${this.role}`);
    this.#guard(() => this.#client?.start());
  }

  /** One datagram from the peer. Malformed or unauthentic input is dropped and counted, never thrown. */
  handleInput(now: number, datagram: Buffer): void {
    this.#now = now;
    if (this.#state === 'closed') return;
    if (this.#state === 'new') this.start(now);
    let records: RawRecord[];
    try {
      records = parseRecords(datagram);
    } catch {
      this.drops.drop('malformed-datagram');
      return;
    }
    for (const r of records) {
      if (this.#isClosed()) return;
      this.#guard(() => this.#handleRecord(r));
    }
    this.#drainEarlyRecords();
  }

  /** Fires due retransmissions and the handshake timeout. */
  handleTimeout(now: number): void {
    this.#now = now;
    if (this.#state !== 'handshaking') return;
    if (this.#handshakeDeadline !== undefined && now >= this.#handshakeDeadline) {
      const err = new DtlsError('ERR_DTLS_HANDSHAKE_TIMEOUT', `DTLS handshake did not complete within ${this.#cfg.handshakeTimeoutMs} ms`);
      this.#log.warn(err.message);
      this.#terminate({ kind: 'timeout', error: err });
      return;
    }
    for (const d of this.#flights.onTimeout(now)) this.#queue(d);
  }

  pollTransmit(): Buffer | undefined {
    return this.#transmit.shift();
  }

  pollEvent(): DtlsEvent | undefined {
    return this.#events.shift();
  }

  /** Absolute time (ms) handleTimeout wants to run next, if any. */
  pollTimeout(): number | undefined {
    if (this.#state !== 'handshaking') return undefined;
    const r = this.#flights.deadline;
    const d = this.#handshakeDeadline;
    if (r === undefined) return d;
    return d === undefined ? r : Math.min(r, d);
  }

  /** Sends application data (RFC 5246 §10); only once connected. */
  send(data: Uint8Array): void {
    if (this.#state === 'closed') throw new DtlsError('ERR_DTLS_CLOSED', 'DTLS connection is closed');
    if (this.#state !== 'connected') throw new DtlsError('ERR_DTLS_NOT_CONNECTED', 'DTLS handshake not complete');
    if (data.length > MAX_PLAINTEXT_LENGTH) throw new DtlsError('ERR_DTLS_CONFIG', `application data larger than ${MAX_PLAINTEXT_LENGTH} bytes`);
    this.#queue(this.#layer.seal(ContentType.ApplicationData, 1, data));
  }

  /** Sends close_notify (RFC 5246 §7.2.1) and closes; idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#state !== 'new') this.#sendAlert(AlertLevel.Warning, AlertDescription.CloseNotify);
    this.#terminate({ kind: 'local' });
  }

  /** RFC 5705 keying material exporter; with RFC 7627 EMS the master secret is the extended one. */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Buffer {
    const s = this.#secrets;
    if (!s || this.#state !== 'connected') throw new DtlsError('ERR_DTLS_NOT_CONNECTED', 'keying material is available once connected');
    const out = exportKeyingMaterial(s.suite.hash, s.masterSecret, s.clientRandom, s.serverRandom, label, length, context);
    if (!out) throw new DtlsError('ERR_DTLS_CONFIG', `label "${label}" is reserved or context too long`);
    return out;
  }

  // ---- internals -------------------------------------------------------------------------

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #host(): HandshakeHost {
    return {
      config: this.#cfg,
      log: this.#log,
      message: (msgType, body, epoch = 0) => {
        const messageSeq = this.#sendSeq++;
        return { item: { kind: 'handshake', epoch, msgType, messageSeq, body }, raw: encodeHandshakeMessage(msgType, messageSeq, body) };
      },
      sendFlight: (name, items, final) => this.#sendFlight(name, items, final),
      installKeys: (suite: CipherSuiteParams, keys: KeyBlock) => this.#layer.installKeys(suite, keys),
      complete: (info, secrets) => this.#complete(info, secrets),
    };
  }

  /** Runs protocol logic; a DtlsError is fatal (alert sent, closed), a decode error a decode_error alert. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof DtlsError) this.#fail(e);
      else if (e instanceof DtlsDecodeError) this.#fail(new DtlsError('ERR_DTLS_HANDSHAKE_FAILURE', e.message, { alert: AlertDescription.DecodeError, cause: e }));
      else this.#fail(new DtlsError('ERR_DTLS_HANDSHAKE_FAILURE', `internal error: ${(e as Error).message}`, { alert: AlertDescription.InternalError, cause: e }));
    }
  }

  #queue(datagram: Buffer): void {
    if (this.#transmit.length < MAX_QUEUED) this.#transmit.push(datagram);
    else this.drops.drop('transmit-queue-full');
  }

  #event(e: DtlsEvent): void {
    if (this.#events.length < MAX_QUEUED) this.#events.push(e);
  }

  #sendFlight(name: string, items: FlightItem[], final: boolean): void {
    this.#awaitingPeerFlight = true;
    if (items.some((i) => i.kind === 'ccs')) this.#writeEpoch = 1;
    for (const d of this.#flights.send(this.#now, name, items, final)) this.#queue(d);
  }

  #handleRecord(r: RawRecord): void {
    const opened = this.#layer.open(r);
    if (typeof opened === 'string') {
      if (opened === 'no-keys' && this.#state === 'handshaking' && this.#earlyRecords.length < MAX_EARLY_RECORDS) {
        this.#earlyRecords.push(r);
      } else {
        this.drops.drop(opened, { type: r.type, epoch: r.epoch, sequence: r.sequence });
      }
      return;
    }
    let used = false;
    switch (r.type) {
      case ContentType.Handshake:
        used = this.#onHandshakeRecord(r, opened);
        break;
      case ContentType.ChangeCipherSpec:
        // RFC 6347 §4.1: records carry their epoch, so CCS only marks the switch; reordering is harmless.
        used = opened.length === 1 && opened[0] === 1;
        if (!used) this.drops.drop('bad-ccs');
        break;
      case ContentType.Alert:
        used = this.#onAlert(r, opened);
        break;
      case ContentType.ApplicationData:
        this.#onApplicationData(r, opened);
        break;
      default:
        // RFC 5246 §6: unknown content types are unexpected; in DTLS they are dropped like noise.
        this.drops.drop('unknown-content-type', r.type);
    }
    if (used) this.#layer.acceptPlaintext(r);
  }

  #drainEarlyRecords(): void {
    if (!this.#layer.hasKeys || this.#earlyRecords.length === 0) return;
    const pending = this.#earlyRecords;
    this.#earlyRecords = [];
    for (const r of pending) {
      if (this.#isClosed()) return;
      this.#guard(() => this.#handleRecord(r));
    }
  }

  /** True when some fragment was taken (for the epoch-0 replay window). */
  #onHandshakeRecord(r: RawRecord, plaintext: Buffer): boolean {
    let fragments: HandshakeFragment[];
    try {
      fragments = parseHandshakeFragments(plaintext);
    } catch {
      this.drops.drop('malformed-handshake');
      return false;
    }
    let used = false;
    for (const f of fragments) {
      if (this.#isClosed()) return used;
      // Only Finished travels in epoch 1 during the handshake; it never travels in epoch 0.
      if (this.#state === 'handshaking' && (r.epoch === 0) === (f.msgType === HandshakeType.Finished)) {
        this.drops.drop('handshake-wrong-epoch', f.msgType);
        continue;
      }
      // RFC 5246 §7.4.1.1: a HelloRequest received while negotiating is ignored; it is not part of
      // the handshake and takes no message_seq slot from the messages that are.
      if (this.#state === 'handshaking' && f.msgType === HandshakeType.HelloRequest) {
        this.drops.drop('hello-request-during-handshake', f.messageSeq);
        continue;
      }
      if (this.#server?.awaitingHello) {
        // Stateless until the cookie checks out: the window does not move for unverified hellos.
        this.#onInitialClientHello(r, f);
        continue;
      }
      if (f.messageSeq < this.#reassembler.nextSeq) {
        this.#onOldFragment(f);
        continue;
      }
      if (this.#state === 'connected') {
        this.#onPostHandshakeMessage(f);
        continue;
      }
      if (this.#reassembler.push(f) === 'ignored') {
        this.drops.drop('handshake-not-buffered', f.messageSeq);
        continue;
      }
      this.#rejectedSeq = -1;
      this.#processMessages();
      // A message dropped as unexpected leaves the replay window alone, like any discarded record.
      if (this.#rejectedSeq !== f.messageSeq) used = true;
    }
    return used;
  }

  #processMessages(): void {
    for (;;) {
      if (this.#state !== 'handshaking') return;
      const m = this.#reassembler.pop();
      if (!m) return;
      // Like Pion, a handshake message the current state does not expect is dropped and counted,
      // not fatal: epoch-0 messages are unauthenticated, so one spoofed datagram (say a Certificate
      // before ServerHello) must not kill the handshake. Its message_seq stays open for the genuine
      // message. Messages of the expected type that are malformed or fail verification stay fatal.
      if (!(this.#client ?? this.#server!).expects(m.msgType)) {
        this.#reassembler.unpop(m.messageSeq);
        this.#rejectedSeq = m.messageSeq;
        this.drops.drop('unexpected-handshake-message', { type: handshakeTypeName(m.msgType), messageSeq: m.messageSeq });
        continue;
      }
      if (this.#awaitingPeerFlight) {
        this.#awaitingPeerFlight = false;
        this.#peerFlightFirstSeq = m.messageSeq;
        if (this.#log.debugEnabled) this.#log.debug(`receiving peer flight starting with ${handshakeTypeName(m.msgType)} (message_seq ${m.messageSeq})`);
      }
      if (this.#log.traceEnabled) this.#log.trace(`received ${handshakeTypeName(m.msgType)} (message_seq ${m.messageSeq}, ${m.body.length} bytes)`);
      const raw = encodeHandshakeMessage(m.msgType, m.messageSeq, m.body);
      if (this.#client) this.#client.handleMessage(m, raw);
      else this.#server!.handleMessage(m, raw);
    }
  }

  /** RFC 6347 §4.2.4: a retransmission of the peer's last flight means ours was lost. */
  #onOldFragment(f: HandshakeFragment): void {
    if (f.messageSeq < this.#peerFlightFirstSeq) return;
    for (const d of this.#flights.onPeerRetransmit(this.#now)) this.#queue(d);
  }

  /** RFC 5746 §4.2 / RFC 5246 §7.4.1.1: renegotiation is refused with a no_renegotiation warning. */
  #onPostHandshakeMessage(f: HandshakeFragment): void {
    if (f.msgType === HandshakeType.HelloRequest || f.msgType === HandshakeType.ClientHello) {
      this.#log.debug('renegotiation refused');
      this.#sendAlert(AlertLevel.Warning, AlertDescription.NoRenegotiation);
    } else {
      this.drops.drop('post-handshake-message', f.msgType);
    }
  }

  /** RFC 6347 §4.2.1: stateless cookie exchange, then the handshake starts at the hello's message_seq. */
  #onInitialClientHello(r: RawRecord, fragment: HandshakeFragment): void {
    if (fragment.msgType !== HandshakeType.ClientHello || r.epoch !== 0) {
      this.drops.drop('expected-client-hello', fragment.msgType);
      return;
    }
    // RFC 6347 §4.2.3: a ClientHello may arrive in fragments (browsers' exceed one datagram).
    const f = this.#clientHelloAssembler.push(fragment);
    if (!f) return;
    const res = handleInitialClientHello(this.#cfg, this.#layer, r, f);
    if (res.kind === 'drop') {
      this.drops.drop(res.reason, f.msgType);
      return;
    }
    if (res.kind === 'verify') {
      this.#queue(res.datagram);
      this.#log.debug('sent flight 2: HelloVerifyRequest');
      return;
    }
    this.#reassembler.reset(f.messageSeq + 1);
    this.#sendSeq = f.messageSeq;
    this.#layer.advanceWriteSequence(0, r.sequence);
    this.#awaitingPeerFlight = false;
    this.#peerFlightFirstSeq = f.messageSeq;
    this.#log.debug(`received flight ${this.#cfg.helloVerify ? 3 : 1}: ClientHello`);
    this.#server!.handleClientHello(res.hello, res.raw);
  }

  #onAlert(r: RawRecord, plaintext: Buffer): boolean {
    if (this.#state === 'connected' && r.epoch === 0) {
      this.drops.drop('plaintext-alert-after-handshake');
      return false;
    }
    if (plaintext.length !== ALERT_RECORD_LENGTH) {
      this.drops.drop('malformed-alert');
      return false;
    }
    const { level, description } = decodeAlert(plaintext);
    this.#event({ type: 'alert', level, description });
    if (description === AlertDescription.CloseNotify) {
      this.#log.debug('received close_notify');
      // RFC 5246 §7.2.1: answer with close_notify and close.
      this.#sendAlert(AlertLevel.Warning, AlertDescription.CloseNotify);
      this.#terminate({ kind: 'close-notify' });
      return true;
    }
    if (level === AlertLevel.Warning) {
      this.#log.info(`received warning alert ${alertName(description)}`);
      return true;
    }
    const err = new DtlsError('ERR_DTLS_ALERT', `peer sent fatal alert ${alertName(description)}`, { alert: description });
    this.#log.warn(err.message);
    this.#terminate({ kind: 'alert', error: err });
    return true;
  }

  #onApplicationData(r: RawRecord, plaintext: Buffer): void {
    if (r.epoch === 0) {
      this.drops.drop('plaintext-application-data');
      return;
    }
    if (this.#state === 'connected') {
      this.#event({ type: 'data', data: plaintext });
    } else if (this.#earlyData.length < MAX_EARLY_DATA) {
      this.#earlyData.push(plaintext);
    } else {
      this.drops.drop('early-data-overflow');
    }
  }

  #complete(info: DtlsSessionInfo, secrets: SessionSecrets): void {
    // Kept for the connection's life: copied out of the handshake's shared buffers (see ownedCopy).
    this.#session = { ...info, remoteCertificate: ownedCopy(info.remoteCertificate) };
    this.#secrets = {
      suite: secrets.suite,
      masterSecret: ownedCopy(secrets.masterSecret),
      clientRandom: ownedCopy(secrets.clientRandom),
      serverRandom: ownedCopy(secrets.serverRandom),
    };
    this.#state = 'connected';
    this.#handshakeDeadline = undefined;
    // The client's last flight needs no keeping; the server keeps flight 6 to answer retransmissions.
    this.#flights.complete();
    this.#client = undefined;
    this.#server = undefined;
    this.#clientHelloAssembler.clear();
    this.#log.info(
      `connected: ${info.cipherSuite}, SRTP ${info.srtpProfile === undefined ? 'none' : profileName(info.srtpProfile)}, ` +
        `EMS ${info.extendedMasterSecret}, group ${info.namedGroup === NamedGroup.X25519 ? 'x25519' : 'secp256r1'}`,
    );
    this.#event({ type: 'connected' });
    for (const d of this.#earlyData) this.#event({ type: 'data', data: d });
    this.#earlyData = [];
  }

  #sendAlert(level: number, description: number): void {
    if (this.#state === 'new') return;
    const epoch = this.#writeEpoch;
    this.#queue(this.#layer.seal(ContentType.Alert, epoch, encodeAlert(level, description)));
    if (description !== AlertDescription.CloseNotify) this.#log.debug(`sent ${level === AlertLevel.Fatal ? 'fatal' : 'warning'} alert ${alertName(description)}`);
  }

  #fail(err: DtlsError): void {
    if (this.#state === 'closed') return;
    this.#log.warn(`fatal: ${err.message}`);
    if (err.alert !== undefined) this.#sendAlert(AlertLevel.Fatal, err.alert);
    this.#terminate({ kind: 'error', error: err });
  }

  #terminate(reason: DtlsCloseReason): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#handshakeDeadline = undefined;
    this.#flights.clear();
    this.#earlyRecords = [];
    this.#earlyData = [];
    this.#event({ type: 'closed', reason });
  }
}
