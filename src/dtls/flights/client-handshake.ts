import { isSrtpProtectionProfile, type SrtpProtectionProfile } from '../srtp-protection-profile.js';
import { cipherSuiteByCode, type CipherSuiteParams } from '../cipher-suites/cipher-suite.js';
import { AlertDescription, DTLS_1_2, HandshakeType, type NamedGroup } from '../constants.js';
import { fatal } from '../errors.js';
import { EC_POINT_FORMAT_UNCOMPRESSED } from '../extensions/ec-point-formats.js';
import { buildHelloExtensions, parseHelloExtensions } from '../extensions/hello-extensions.js';
import { encodeCertificateMessage, decodeCertificateMessage } from '../handshake/certificate.js';
import { decodeCertificateRequest, type CertificateRequest } from '../handshake/certificate-request.js';
import { encodeCertificateVerify } from '../handshake/certificate-verify.js';
import { encodeClientHello } from '../handshake/client-hello.js';
import { encodeClientKeyExchange } from '../handshake/client-key-exchange.js';
import { decodeFinished } from '../handshake/finished.js';
import type { HandshakeMessage } from '../handshake/header.js';
import { decodeHelloVerifyRequest } from '../handshake/hello-verify-request.js';
import { decodeServerHello } from '../handshake/server-hello.js';
import { decodeServerKeyExchange, type ServerKeyExchange } from '../handshake/server-key-exchange.js';
import { generateEcdheKey, isSupportedGroup } from '../key-exchange.js';
import { verifyPeerCertificate } from '../peer-certificate.js';
import type { PeerPublicKey } from '../peer-key.js';
import { chooseSignatureScheme, signWith, SUPPORTED_SIGNATURE_SCHEMES, verifyWith } from '../signature.js';
import type { FlightItem, HandshakeHost } from './handshake-host.js';
import { checkRenegotiationInfo, profileName } from './hello-options.js';
import { checkFinished, deriveKeys, deriveMasterSecret, finishedData } from './key-schedule.js';
import { Transcript } from './transcript.js';

/** RFC 6347 §4.2.1 allows repeated HelloVerifyRequests; a few is plenty. */
const MAX_HELLO_VERIFY_REQUESTS = 4;

type ClientState = 'idle' | 'hello' | 'certificate' | 'key-exchange' | 'certificate-request' | 'finished' | 'done';

/**
 * The client side of the full DTLS 1.2 handshake with mutual authentication
 * (RFC 6347 §4.2.4 flights 1, 3 and 5):
 *
 *   ClientHello            →
 *                          ← HelloVerifyRequest          (optional)
 *   ClientHello + cookie   →
 *                          ← ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone
 *   [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished →
 *                          ← ChangeCipherSpec, Finished
 */
export class ClientHandshake {
  readonly #host: HandshakeHost;
  #state: ClientState = 'idle';
  readonly #random: Buffer;
  #cookie = Buffer.alloc(0);
  #helloVerifyCount = 0;
  /** Transcript form of the last ClientHello sent (the one the server answers with ServerHello). */
  #helloRaw: Buffer | undefined;
  readonly #transcript = new Transcript();
  #suite: CipherSuiteParams | undefined;
  #serverRandom = Buffer.alloc(0);
  #ems = false;
  #srtpProfile: SrtpProtectionProfile | undefined;
  #serverKey: PeerPublicKey | undefined;
  #remoteCertificate = Buffer.alloc(0);
  #keyExchange: (ServerKeyExchange & { params: Buffer }) | undefined;
  #certificateRequest: CertificateRequest | undefined;
  #master: Buffer | undefined;

  constructor(host: HandshakeHost) {
    this.#host = host;
    this.#random = host.config.rng.bytes(32);
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /** Flight 1. */
  start(): void {
    this.#state = 'hello';
    this.#sendHello('flight 1');
  }

  #sendHello(name: string): void {
    const cfg = this.#host.config;
    const body = encodeClientHello({
      clientVersion: DTLS_1_2,
      random: this.#random,
      sessionId: Buffer.alloc(0),
      cookie: this.#cookie,
      cipherSuites: cfg.cipherSuites.map((s) => s.code),
      compressionMethods: Buffer.from([0]),
      extensions: buildHelloExtensions({
        renegotiationInfo: Buffer.alloc(0),
        ...(cfg.extendedMasterSecret !== 'disable' ? { extendedMasterSecret: true } : {}),
        ...(cfg.srtpProfiles.length ? { useSrtp: { profiles: [...cfg.srtpProfiles], mki: Buffer.alloc(0) } } : {}),
        supportedGroups: [...cfg.namedGroups],
        ecPointFormats: [EC_POINT_FORMAT_UNCOMPRESSED],
        signatureAlgorithms: [...SUPPORTED_SIGNATURE_SCHEMES],
      }),
    });
    const { item, raw } = this.#host.message(HandshakeType.ClientHello, body);
    this.#helloRaw = raw;
    this.#host.sendFlight(name, [item], false);
  }

  /** Whether a message of this type may come next (anything else is dropped, not fatal). */
  expects(msgType: number): boolean {
    switch (this.#state) {
      case 'hello':
        return msgType === HandshakeType.HelloVerifyRequest || msgType === HandshakeType.ServerHello;
      case 'certificate':
        return msgType === HandshakeType.Certificate;
      case 'key-exchange':
        return msgType === HandshakeType.ServerKeyExchange;
      case 'certificate-request':
        return msgType === HandshakeType.ServerHelloDone || (msgType === HandshakeType.CertificateRequest && !this.#certificateRequest);
      case 'finished':
        return msgType === HandshakeType.Finished;
      default:
        return false;
    }
  }

  handleMessage(m: HandshakeMessage, raw: Buffer): void {
    const unexpected = (): Error =>
      fatal('ERR_DTLS_UNEXPECTED_MESSAGE', `unexpected handshake message ${m.msgType} in state ${this.#state}`, AlertDescription.UnexpectedMessage);
    switch (this.#state) {
      case 'hello':
        if (m.msgType === HandshakeType.HelloVerifyRequest) return this.#onHelloVerifyRequest(m.body);
        if (m.msgType === HandshakeType.ServerHello) return this.#onServerHello(m.body, raw);
        throw unexpected();
      case 'certificate':
        if (m.msgType !== HandshakeType.Certificate) throw unexpected();
        return this.#onCertificate(m.body, raw);
      case 'key-exchange':
        if (m.msgType !== HandshakeType.ServerKeyExchange) throw unexpected();
        return this.#onServerKeyExchange(m.body, raw);
      case 'certificate-request':
        if (m.msgType === HandshakeType.CertificateRequest) {
          this.#certificateRequest = decodeCertificateRequest(m.body);
          this.#transcript.add(raw);
          return;
        }
        if (m.msgType === HandshakeType.ServerHelloDone) {
          if (m.body.length !== 0) throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'non-empty ServerHelloDone', AlertDescription.DecodeError);
          this.#transcript.add(raw);
          return this.#sendFlight5();
        }
        throw unexpected();
      case 'finished':
        if (m.msgType !== HandshakeType.Finished) throw unexpected();
        return this.#onFinished(m.body, raw);
      default:
        throw unexpected();
    }
  }

  #onHelloVerifyRequest(body: Buffer): void {
    const hvr = decodeHelloVerifyRequest(body);
    if (++this.#helloVerifyCount > MAX_HELLO_VERIFY_REQUESTS) {
      throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'too many HelloVerifyRequests', AlertDescription.UnexpectedMessage);
    }
    this.#host.log.debug('HelloVerifyRequest received, resending ClientHello with cookie');
    this.#cookie = Buffer.from(hvr.cookie);
    // RFC 6347 §4.2.1: the second ClientHello repeats the first, plus the cookie (flight 3).
    this.#sendHello('flight 3');
  }

  #onServerHello(body: Buffer, raw: Buffer): void {
    const cfg = this.#host.config;
    const sh = decodeServerHello(body);
    if (sh.serverVersion !== DTLS_1_2) {
      throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', `unsupported server version 0x${sh.serverVersion.toString(16)}`, AlertDescription.ProtocolVersion);
    }
    const suite = cipherSuiteByCode(sh.cipherSuite);
    if (!suite || !cfg.cipherSuites.includes(suite)) {
      throw fatal('ERR_DTLS_NO_CIPHER_SUITE', `server chose a suite not offered (0x${sh.cipherSuite.toString(16)})`, AlertDescription.IllegalParameter);
    }
    if (sh.compressionMethod !== 0) throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'server chose compression', AlertDescription.IllegalParameter);
    const ext = parseHelloExtensions(sh.extensions);
    checkRenegotiationInfo(ext.renegotiationInfo);
    if (ext.extendedMasterSecret && cfg.extendedMasterSecret === 'disable') {
      throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'unsolicited extended_master_secret', AlertDescription.UnsupportedExtension);
    }
    this.#ems = ext.extendedMasterSecret === true;
    // RFC 7627 §5.3: a client that requires EMS aborts when the server does not negotiate it.
    if (!this.#ems && cfg.extendedMasterSecret === 'require') {
      throw fatal('ERR_DTLS_EXTENDED_MASTER_SECRET', 'server did not negotiate extended_master_secret', AlertDescription.HandshakeFailure);
    }
    if (ext.useSrtp) {
      // RFC 5764 §4.1.1: the server answers with exactly one of the offered profiles.
      const p = ext.useSrtp.profiles[0]!;
      if (cfg.srtpProfiles.length === 0 || ext.useSrtp.profiles.length !== 1 || !isSrtpProtectionProfile(p) || !cfg.srtpProfiles.includes(p)) {
        throw fatal('ERR_DTLS_NO_SRTP_PROFILE', `server chose an SRTP profile not offered (${profileName(p)})`, AlertDescription.IllegalParameter);
      }
      this.#srtpProfile = p;
    } else if (cfg.srtpProfiles.length) {
      throw fatal('ERR_DTLS_NO_SRTP_PROFILE', 'server did not negotiate use_srtp', AlertDescription.HandshakeFailure);
    }
    this.#suite = suite;
    this.#serverRandom = Buffer.from(sh.random);
    this.#transcript.add(this.#helloRaw!);
    this.#transcript.add(raw);
    this.#state = 'certificate';
    this.#host.log.debug(`ServerHello: ${suite.name}${this.#srtpProfile ? `, ${profileName(this.#srtpProfile)}` : ''}, ems=${this.#ems}`);
  }

  #onCertificate(body: Buffer, raw: Buffer): void {
    const chain = decodeCertificateMessage(body);
    if (chain.length === 0) throw fatal('ERR_DTLS_BAD_CERTIFICATE', 'server sent no certificate', AlertDescription.HandshakeFailure);
    const cfg = this.#host.config;
    this.#remoteCertificate = Buffer.from(chain[0]!);
    this.#serverKey = verifyPeerCertificate(this.#remoteCertificate, cfg.remoteFingerprints, cfg.insecureSkipVerify, cfg.certificateCache, cfg.native);
    const want = this.#suite!.auth === 'ecdsa' ? 'ec' : 'rsa';
    if (this.#serverKey.type !== want) {
      throw fatal('ERR_DTLS_BAD_CERTIFICATE', `server certificate key does not fit ${this.#suite!.name}`, AlertDescription.UnsupportedCertificate);
    }
    this.#transcript.add(raw);
    this.#state = 'key-exchange';
  }

  #onServerKeyExchange(body: Buffer, raw: Buffer): void {
    const ske = decodeServerKeyExchange(body);
    if (!isSupportedGroup(ske.namedGroup) || !this.#host.config.namedGroups.includes(ske.namedGroup)) {
      throw fatal('ERR_DTLS_NO_SHARED_GROUP', `server chose group ${ske.namedGroup} not offered`, AlertDescription.IllegalParameter);
    }
    const signed = Buffer.concat([this.#random, this.#serverRandom, ske.params]);
    if (!verifyWith(ske.signatureScheme, this.#serverKey!, signed, ske.signature)) {
      throw fatal('ERR_DTLS_BAD_SIGNATURE', 'ServerKeyExchange signature does not verify', AlertDescription.DecryptError);
    }
    this.#keyExchange = ske;
    this.#transcript.add(raw);
    this.#state = 'certificate-request';
  }

  /** Flight 5: [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished. */
  #sendFlight5(): void {
    const host = this.#host;
    const cfg = host.config;
    const suite = this.#suite!;
    const ske = this.#keyExchange!;
    const items: FlightItem[] = [];
    const add = (msgType: number, body: Buffer, epoch = 0): void => {
      const { item, raw } = host.message(msgType, body, epoch);
      this.#transcript.add(raw);
      items.push(item);
    };
    const cr = this.#certificateRequest;
    if (cr) add(HandshakeType.Certificate, encodeCertificateMessage([cfg.certificate.der]));
    const ecdhe = generateEcdheKey(ske.namedGroup as NamedGroup, cfg.rng, cfg.native);
    const preMaster = ecdhe.computeSecret(ske.publicKey);
    add(HandshakeType.ClientKeyExchange, encodeClientKeyExchange(ecdhe.publicKey));
    const master = deriveMasterSecret(suite, preMaster, this.#ems, this.#transcript, this.#random, this.#serverRandom, cfg.native);
    this.#master = master;
    host.installKeys(suite, deriveKeys(suite, master, this.#random, this.#serverRandom, cfg.native));
    if (cr) {
      const scheme = chooseSignatureScheme(cfg.certificate.privateKey, cr.signatureAlgorithms);
      if (scheme === undefined) throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'no signature algorithm in common for CertificateVerify');
      add(HandshakeType.CertificateVerify, encodeCertificateVerify({ signatureScheme: scheme, signature: signWith(scheme, cfg.certificate, this.#transcript.bytes(), cfg.native) }));
    }
    items.push({ kind: 'ccs' });
    add(HandshakeType.Finished, finishedData(suite, master, 'client', this.#transcript, cfg.native), 1);
    this.#state = 'finished';
    host.sendFlight('flight 5', items, false);
  }

  #onFinished(body: Buffer, raw: Buffer): void {
    const suite = this.#suite!;
    checkFinished(finishedData(suite, this.#master!, 'server', this.#transcript, this.#host.config.native), decodeFinished(body));
    this.#transcript.add(raw);
    this.#state = 'done';
    this.#host.complete(
      {
        cipherSuite: suite.name,
        srtpProfile: this.#srtpProfile,
        extendedMasterSecret: this.#ems,
        remoteCertificate: this.#remoteCertificate,
        namedGroup: this.#keyExchange!.namedGroup,
      },
      { suite, masterSecret: this.#master!, clientRandom: this.#random, serverRandom: this.#serverRandom },
    );
  }
}
