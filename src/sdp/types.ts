/**
 * Typed SDP model (RFC 8866) with the WebRTC attributes JSEP (RFC 9429)
 * needs. Attributes this model does not type are kept verbatim, in order,
 * in `attributes`, so a parse → write round trip loses nothing we do not
 * understand.
 */

export interface SdpAttribute {
  readonly name: string;
  /** `undefined` for a flag attribute (`a=rtcp-mux`). */
  readonly value: string | undefined;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: bigint;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpGroup {
  semantics: string;
  mids: string[];
}

export interface SdpFingerprint {
  /** Hash function name, lower case as in the IANA registry (`sha-256`). */
  algorithm: string;
  /** Upper-case hex bytes separated by colons. */
  value: string;
}

export type SdpSetupRole = 'actpass' | 'active' | 'passive' | 'holdconn';
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpRtpMap {
  payloadType: number;
  encodingName: string;
  clockRate: number;
  channels?: number;
}

export interface SdpRtcpFb {
  /** `'*'` applies to every payload type of the section. */
  payloadType: number | '*';
  type: string;
  parameter?: string;
}

export interface SdpExtmap {
  id: number;
  direction?: SdpDirection;
  uri: string;
  attributes?: string;
}

export interface SdpSsrcAttribute {
  ssrc: number;
  attribute: string;
  value?: string;
}

export interface SdpSsrcGroup {
  semantics: string;
  ssrcs: number[];
}

export interface SdpMsid {
  stream: string;
  track?: string;
}

export interface SdpRid {
  id: string;
  direction: 'send' | 'recv';
  /** Everything after the direction, e.g. `pt=96;max-width=1280`. */
  params?: string;
}

export interface SdpSimulcast {
  /** Alternatives per stream: `[['h'], ['m', 'l']]`; `~` prefix = paused. */
  send?: string[][];
  recv?: string[][];
}

export interface SdpBandwidth {
  type: string;
  value: number;
}

export interface MediaDescription {
  /** `audio`, `video`, `application`, ... */
  kind: string;
  port: number;
  numberOfPorts?: number;
  protocol: string;
  /** Payload types (RTP) or format tokens (`webrtc-datachannel`). */
  formats: string[];
  title?: string;
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  mid?: string;
  direction?: SdpDirection;
  rtcp?: string;
  rtcpMux: boolean;
  rtcpMuxOnly: boolean;
  rtcpRsize: boolean;
  iceUfrag?: string;
  icePwd?: string;
  iceOptions?: string[];
  /** `candidate:` attribute values as written (parse them with `Candidate.parse`). */
  candidates: string[];
  endOfCandidates: boolean;
  fingerprints: SdpFingerprint[];
  setup?: SdpSetupRole;
  rtpmaps: SdpRtpMap[];
  /** Format parameters by payload type, as the raw parameter string. */
  fmtps: Map<number, string>;
  rtcpFbs: SdpRtcpFb[];
  extmaps: SdpExtmap[];
  extmapAllowMixed: boolean;
  ssrcs: SdpSsrcAttribute[];
  ssrcGroups: SdpSsrcGroup[];
  msids: SdpMsid[];
  rids: SdpRid[];
  simulcast?: SdpSimulcast;
  sctpPort?: number;
  maxMessageSize?: number;
  /** Untyped attributes, in order. */
  attributes: SdpAttribute[];
}

export interface SessionDescriptionModel {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  sessionInformation?: string;
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  /** `t=` start and stop. */
  timing: { start: bigint; stop: bigint };
  groups: SdpGroup[];
  msidSemantic?: { semantic: string; identifiers: string[] };
  iceLite: boolean;
  iceUfrag?: string;
  icePwd?: string;
  iceOptions?: string[];
  fingerprints: SdpFingerprint[];
  setup?: SdpSetupRole;
  extmapAllowMixed: boolean;
  extmaps: SdpExtmap[];
  /** Untyped session-level attributes, in order. */
  attributes: SdpAttribute[];
  media: MediaDescription[];
}
