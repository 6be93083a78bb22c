import type { SrtpProtectionProfile } from '../srtp-protection-profile.js';
import type { CipherSuiteParams } from '../cipher-suites/cipher-suite.js';
import { AlertDescription, ClientCertificateType, DTLS_1_2, HandshakeType, NamedGroup } from '../constants.js';
import { fatal } from '../errors.js';
import { EC_POINT_FORMAT_UNCOMPRESSED } from '../extensions/ec-point-formats.js';
import { buildHelloExtensions, parseHelloExtensions } from '../extensions/hello-extensions.js';
import { decodeCertificateMessage, encodeCertificateMessage } from '../handshake/certificate.js';
import { encodeCertificateRequest } from '../handshake/certificate-request.js';
import { decodeCertificateVerify } from '../handshake/certificate-verify.js';
import type { ClientHello } from '../handshake/client-hello.js';
import { decodeClientKeyExchange } from '../handshake/client-key-exchange.js';
import { decodeFinished } from '../handshake/finished.js';
import type { HandshakeMessage } from '../handshake/header.js';
import { encodeServerHello } from '../handshake/server-hello.js';
import { encodeEcdhParams, encodeServerKeyExchange } from '../handshake/server-key-exchange.js';
import { generateEcdheKey, type EcdheKey } from '../key-exchange.js';
import type { PeerPublicKey } from '../peer-key.js';
import { verifyPeerCertificate } from '../peer-certificate.js';
import { chooseSignatureScheme, signWith, SUPPORTED_SIGNATURE_SCHEMES, verifyWith } from '../signature.js';
import type { FlightItem, HandshakeHost } from './handshake-host.js';
import { checkRenegotiationInfo, chooseSrtpProfile, profileName } from './hello-options.js';
import { checkFinished, deriveKeys, deriveMasterSecret, finishedData } from './key-schedule.js';
import { Transcript } from './transcript.js';

/** RFC 5746 §3.3: TLS_EMPTY_RENEGOTIATION_INFO_SCSV. */
const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;

type ServerState = 'hello' | 'client-certificate' | 'key-exchange' | 'certificate-verify' | 'finished' | 'done';

/**
 * The server side of the full DTLS 1.2 handshake (flights 4 and 6; flight 2,
 * the HelloVerifyRequest, is answered statelessly by the core). It always
 * sends CertificateRequest: WebRTC authenticates both ends.
 */
export class ServerHandshake {
  readonly #host: HandshakeHost;
  #state: ServerState = 'hello';
  readonly #transcript = new Transcript();
  #suite: CipherSuiteParams | undefined;
  #clientRandom = Buffer.alloc(0);
  readonly #serverRandom: Buffer;
  #ems = false;
  #srtpProfile: SrtpProtectionProfile | undefined;
  #ecdhe: EcdheKey | undefined;
  #clientKey: PeerPublicKey | undefined;
  #remoteCertificate = Buffer.alloc(0);
  #master: Buffer | undefined;

  constructor(host: HandshakeHost) {
    this.#host = host;
    this.#serverRandom = host.config.rng.bytes(32);
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /** True until a ClientHello has been accepted. */
  get awaitingHello(): boolean {
    return this.#state === 'hello';
  }

  /** Flight 4 in answer to an accepted ClientHello (cookie already checked); `raw` is its transcript form. */
  handleClientHello(ch: ClientHello, raw: Buffer): void {
    const host = this.#host;
    const cfg = host.config;
    // RFC 6347 §4.2.1 / RFC 5246 §E.1: DTLS versions count down; the client offers at most its highest.
    if (ch.clientVersion > DTLS_1_2) {
      throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', `client version 0x${ch.clientVersion.toString(16)} below DTLS 1.2`, AlertDescription.ProtocolVersion);
    }
    if (!ch.compressionMethods.includes(0)) throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'no null compression', AlertDescription.IllegalParameter);
    const ext = parseHelloExtensions(ch.extensions);
    checkRenegotiationInfo(ext.renegotiationInfo);
    const secureRenegotiation = ext.renegotiationInfo !== undefined || ch.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV);

    const auth = cfg.certificate.keyType === 'ecdsa-p256' ? 'ecdsa' : 'rsa';
    const suite = cfg.cipherSuites.find((s) => s.auth === auth && ch.cipherSuites.includes(s.code));
    if (!suite) throw fatal('ERR_DTLS_NO_CIPHER_SUITE', 'no cipher suite in common', AlertDescription.HandshakeFailure);
    // RFC 8422 §4: without supported_groups the client is assumed to support P-256.
    const groups = ext.supportedGroups ?? [NamedGroup.Secp256r1];
    const group = cfg.namedGroups.find((g) => groups.includes(g));
    if (group === undefined) throw fatal('ERR_DTLS_NO_SHARED_GROUP', 'no named group in common', AlertDescription.HandshakeFailure);
    if (ext.ecPointFormats && !ext.ecPointFormats.includes(EC_POINT_FORMAT_UNCOMPRESSED)) {
      throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'uncompressed points not supported by client', AlertDescription.IllegalParameter);
    }
    const scheme = chooseSignatureScheme(cfg.certificate.privateKey, ext.signatureAlgorithms);
    if (scheme === undefined) throw fatal('ERR_DTLS_HANDSHAKE_FAILURE', 'no signature algorithm in common');
    // RFC 7627 §5.3: a server that requires EMS aborts when the client does not offer it.
    this.#ems = ext.extendedMasterSecret === true && cfg.extendedMasterSecret !== 'disable';
    if (!this.#ems && cfg.extendedMasterSecret === 'require') {
      throw fatal('ERR_DTLS_EXTENDED_MASTER_SECRET', 'client did not offer extended_master_secret', AlertDescription.HandshakeFailure);
    }
    if (cfg.srtpProfiles.length) this.#srtpProfile = chooseSrtpProfile(cfg.srtpProfiles, ext.useSrtp?.profiles);
    this.#suite = suite;
    this.#clientRandom = Buffer.from(ch.random);
    this.#transcript.add(raw);
    host.log.debug(`ClientHello accepted: ${suite.name}, group ${group}${this.#srtpProfile ? `, ${profileName(this.#srtpProfile)}` : ''}, ems=${this.#ems}`);

    const items: FlightItem[] = [];
    const add = (msgType: number, body: Buffer): void => {
      const m = host.message(msgType, body);
      this.#transcript.add(m.raw);
      items.push(m.item);
    };
    add(
      HandshakeType.ServerHello,
      encodeServerHello({
        serverVersion: DTLS_1_2,
        random: this.#serverRandom,
        sessionId: Buffer.alloc(0),
        cipherSuite: suite.code,
        compressionMethod: 0,
        extensions: buildHelloExtensions({
          ...(secureRenegotiation ? { renegotiationInfo: Buffer.alloc(0) } : {}),
          ...(this.#ems ? { extendedMasterSecret: true } : {}),
          // RFC 5764 §4.1.1: one profile and an empty MKI (MKIs are not used).
          ...(this.#srtpProfile !== undefined ? { useSrtp: { profiles: [this.#srtpProfile], mki: Buffer.alloc(0) } } : {}),
          ...(ext.ecPointFormats ? { ecPointFormats: [EC_POINT_FORMAT_UNCOMPRESSED] } : {}),
        }),
      }),
    );
    add(HandshakeType.Certificate, encodeCertificateMessage([cfg.certificate.der]));
    const ecdhe = generateEcdheKey(group, cfg.rng, cfg.native);
    this.#ecdhe = ecdhe;
    const params = encodeEcdhParams(group, ecdhe.publicKey);
    const signature = signWith(scheme, cfg.certificate, Buffer.concat([this.#clientRandom, this.#serverRandom, params]), cfg.native);
    add(HandshakeType.ServerKeyExchange, encodeServerKeyExchange({ namedGroup: group, publicKey: ecdhe.publicKey, signatureScheme: scheme, signature }));
    add(
      HandshakeType.CertificateRequest,
      encodeCertificateRequest({
        certificateTypes: [ClientCertificateType.EcdsaSign, ClientCertificateType.RsaSign],
        signatureAlgorithms: [...SUPPORTED_SIGNATURE_SCHEMES],
        certificateAuthorities: Buffer.alloc(0),
      }),
    );
    add(HandshakeType.ServerHelloDone, Buffer.alloc(0));
    this.#state = 'client-certificate';
    host.sendFlight('flight 4', items, false);
  }

  /** Whether a message of this type may come next (anything else is dropped, not fatal). */
  expects(msgType: number): boolean {
    switch (this.#state) {
      case 'client-certificate':
        return msgType === HandshakeType.Certificate || msgType === HandshakeType.ClientKeyExchange;
      case 'key-exchange':
        return msgType === HandshakeType.ClientKeyExchange;
      case 'certificate-verify':
        return msgType === HandshakeType.CertificateVerify;
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
      case 'client-certificate':
        if (m.msgType === HandshakeType.Certificate) return this.#onCertificate(m.body, raw);
        if (m.msgType === HandshakeType.ClientKeyExchange) {
          this.#onCertificate(undefined, undefined);
          return this.#onClientKeyExchange(m.body, raw);
        }
        throw unexpected();
      case 'key-exchange':
        if (m.msgType !== HandshakeType.ClientKeyExchange) throw unexpected();
        return this.#onClientKeyExchange(m.body, raw);
      case 'certificate-verify':
        if (m.msgType !== HandshakeType.CertificateVerify) throw unexpected();
        return this.#onCertificateVerify(m.body, raw);
      case 'finished':
        if (m.msgType !== HandshakeType.Finished) throw unexpected();
        return this.#onFinished(m.body, raw);
      default:
        throw unexpected();
    }
  }

  #onCertificate(body: Buffer | undefined, raw: Buffer | undefined): void {
    const cfg = this.#host.config;
    const chain = body ? decodeCertificateMessage(body) : [];
    if (raw) this.#transcript.add(raw);
    if (chain.length === 0) {
      // RFC 5246 §7.4.6: the server may abort with handshake_failure when it requires a certificate.
      if (cfg.requireClientCertificate) throw fatal('ERR_DTLS_BAD_CERTIFICATE', 'client sent no certificate', AlertDescription.HandshakeFailure);
    } else {
      this.#remoteCertificate = Buffer.from(chain[0]!);
      this.#clientKey = verifyPeerCertificate(this.#remoteCertificate, cfg.remoteFingerprints, cfg.insecureSkipVerify, cfg.certificateCache, cfg.native);
    }
    this.#state = 'key-exchange';
  }

  #onClientKeyExchange(body: Buffer, raw: Buffer): void {
    const suite = this.#suite!;
    const native = this.#host.config.native;
    const preMaster = this.#ecdhe!.computeSecret(decodeClientKeyExchange(body));
    this.#transcript.add(raw);
    const master = deriveMasterSecret(suite, preMaster, this.#ems, this.#transcript, this.#clientRandom, this.#serverRandom, native);
    this.#master = master;
    this.#host.installKeys(suite, deriveKeys(suite, master, this.#clientRandom, this.#serverRandom, native));
    this.#state = this.#clientKey ? 'certificate-verify' : 'finished';
  }

  #onCertificateVerify(body: Buffer, raw: Buffer): void {
    const cv = decodeCertificateVerify(body);
    // RFC 5246 §7.4.8: the signature covers every handshake message before CertificateVerify.
    if (!SUPPORTED_SIGNATURE_SCHEMES.includes(cv.signatureScheme as never) || !verifyWith(cv.signatureScheme, this.#clientKey!, this.#transcript.bytes(), cv.signature)) {
      throw fatal('ERR_DTLS_BAD_SIGNATURE', 'CertificateVerify signature does not verify', AlertDescription.DecryptError);
    }
    this.#transcript.add(raw);
    this.#state = 'finished';
  }

  /** Flight 6: ChangeCipherSpec, Finished. */
  #onFinished(body: Buffer, raw: Buffer): void {
    const suite = this.#suite!;
    const master = this.#master!;
    const native = this.#host.config.native;
    checkFinished(finishedData(suite, master, 'client', this.#transcript, native), decodeFinished(body));
    this.#transcript.add(raw);
    const fin = this.#host.message(HandshakeType.Finished, finishedData(suite, master, 'server', this.#transcript, native), 1);
    this.#transcript.add(fin.raw);
    this.#state = 'done';
    this.#host.sendFlight('flight 6', [{ kind: 'ccs' }, fin.item], true);
    this.#host.complete(
      {
        cipherSuite: suite.name,
        srtpProfile: this.#srtpProfile,
        extendedMasterSecret: this.#ems,
        remoteCertificate: this.#remoteCertificate,
        namedGroup: this.#ecdhe!.group,
      },
      { suite, masterSecret: master, clientRandom: this.#clientRandom, serverRandom: this.#serverRandom },
    );
  }
}
