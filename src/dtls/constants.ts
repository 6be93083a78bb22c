/** DTLS 1.2 wire constants (RFC 6347, RFC 5246 and the IANA TLS registries). */

/** RFC 6347 §4.1: DTLS 1.2 is {254, 253}; DTLS 1.0 {254, 255}. */
export const DTLS_1_2 = 0xfefd;
export const DTLS_1_0 = 0xfeff;

/** RFC 6347 §4.1: record header = type(1) version(2) epoch(2) sequence_number(6) length(2). */
export const RECORD_HEADER_LENGTH = 13;
/** RFC 6347 §4.2.2: handshake header = type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3). */
export const HANDSHAKE_HEADER_LENGTH = 12;
/** RFC 5246 §6.2.1: TLSPlaintext.length ≤ 2^14; ciphertext ≤ 2^14 + 2048. */
export const MAX_PLAINTEXT_LENGTH = 16384;
export const MAX_CIPHERTEXT_LENGTH = 16384 + 2048;

export const ContentType = {
  ChangeCipherSpec: 20,
  Alert: 21,
  Handshake: 22,
  ApplicationData: 23,
} as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

export const HandshakeType = {
  HelloRequest: 0,
  ClientHello: 1,
  ServerHello: 2,
  HelloVerifyRequest: 3,
  Certificate: 11,
  ServerKeyExchange: 12,
  CertificateRequest: 13,
  ServerHelloDone: 14,
  CertificateVerify: 15,
  ClientKeyExchange: 16,
  Finished: 20,
} as const;
export type HandshakeType = (typeof HandshakeType)[keyof typeof HandshakeType];

const HANDSHAKE_NAMES = new Map<number, string>(Object.entries(HandshakeType).map(([name, code]) => [code, name]));

/** 'ClientHello', 'Finished', ... or the number (for traces). */
export function handshakeTypeName(type: number): string {
  return HANDSHAKE_NAMES.get(type) ?? String(type);
}

export const AlertLevel = { Warning: 1, Fatal: 2 } as const;

/** RFC 5246 §7.2 and RFC 5764/7627 alert descriptions. */
export const AlertDescription = {
  CloseNotify: 0,
  UnexpectedMessage: 10,
  BadRecordMac: 20,
  RecordOverflow: 22,
  HandshakeFailure: 40,
  BadCertificate: 42,
  UnsupportedCertificate: 43,
  CertificateExpired: 45,
  CertificateUnknown: 46,
  IllegalParameter: 47,
  DecodeError: 50,
  DecryptError: 51,
  ProtocolVersion: 70,
  InsufficientSecurity: 71,
  InternalError: 80,
  UserCanceled: 90,
  NoRenegotiation: 100,
  UnsupportedExtension: 110,
} as const;

const ALERT_NAMES = new Map<number, string>(
  Object.entries(AlertDescription).map(([name, code]) => [code, name.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase())]),
);

/** 'close_notify', 'handshake_failure', ... or the number. */
export function alertName(description: number): string {
  return ALERT_NAMES.get(description) ?? String(description);
}

export const ExtensionType = {
  SupportedGroups: 10,
  EcPointFormats: 11,
  SignatureAlgorithms: 13,
  UseSrtp: 14,
  ExtendedMasterSecret: 23,
  RenegotiationInfo: 0xff01,
} as const;

/** RFC 8422 §5.1.1 / RFC 7748 named groups. */
export const NamedGroup = { Secp256r1: 23, X25519: 29 } as const;
export type NamedGroup = (typeof NamedGroup)[keyof typeof NamedGroup];

/** RFC 8446 §4.2.3 SignatureScheme codes (TLS 1.2 hash/signature pairs). */
export const SignatureScheme = {
  RsaPkcs1Sha256: 0x0401,
  EcdsaSecp256r1Sha256: 0x0403,
  RsaPssRsaeSha256: 0x0804,
} as const;
export type SignatureScheme = (typeof SignatureScheme)[keyof typeof SignatureScheme];

/** RFC 5246 §7.4.4 ClientCertificateType. */
export const ClientCertificateType = { RsaSign: 1, EcdsaSign: 64 } as const;

/** RFC 8422 §5.4 ECCurveType.named_curve. */
export const EC_CURVE_TYPE_NAMED = 3;
