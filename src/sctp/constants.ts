/** SCTP chunk types (RFC 9260 §3.2, RFC 3758, RFC 6525, RFC 8260). */
export const ChunkType = {
  Data: 0,
  Init: 1,
  InitAck: 2,
  Sack: 3,
  Heartbeat: 4,
  HeartbeatAck: 5,
  Abort: 6,
  Shutdown: 7,
  ShutdownAck: 8,
  Error: 9,
  CookieEcho: 10,
  CookieAck: 11,
  ShutdownComplete: 14,
  IData: 64,
  Reconfig: 130,
  ForwardTsn: 192,
  IForwardTsn: 194,
} as const;

/** INIT / INIT-ACK parameter types. */
export const ParamType = {
  HeartbeatInfo: 1,
  StateCookie: 7,
  UnrecognizedParameter: 8,
  /** RFC 9653 Zero Checksum Acceptable. */
  ZeroChecksumAcceptable: 0x8001,
  /** RFC 5061 Supported Extensions. */
  SupportedExtensions: 0x8008,
  /** RFC 3758 Forward-TSN-Supported. */
  ForwardTsnSupported: 0xc000,
  /** RFC 6525 RE-CONFIG parameters. */
  OutgoingSsnReset: 13,
  IncomingSsnReset: 14,
  SsnTsnReset: 15,
  ReconfigResponse: 16,
  AddOutgoingStreams: 17,
  AddIncomingStreams: 18,
} as const;

/** RFC 6525 §4.4 Re-configuration Response results. */
export const ReconfigResult = {
  SuccessNothingToDo: 0,
  SuccessPerformed: 1,
  Denied: 2,
  ErrorWrongSsn: 3,
  ErrorRequestAlreadyInProgress: 4,
  ErrorBadSequenceNumber: 5,
  InProgress: 6,
} as const;

/** Error cause codes (RFC 9260 §3.3.10). */
export const ErrorCause = {
  InvalidStreamIdentifier: 1,
  MissingMandatoryParameter: 2,
  StaleCookie: 3,
  OutOfResource: 4,
  UnrecognizedChunkType: 6,
  NoUserData: 9,
  ProtocolViolation: 13,
  UserInitiatedAbort: 12,
} as const;

/** DATA chunk flags (RFC 9260 §3.3.1), also used by I-DATA (RFC 8260 §2.1). */
export const DataFlag = { End: 1, Begin: 2, Unordered: 4, Immediate: 8 } as const;

/** RFC 9653 §5.1: Error Detection Method "SCTP over DTLS". */
export const EDMID_DTLS = 1;

export const COMMON_HEADER_SIZE = 12;
export const CHUNK_HEADER_SIZE = 4;
export const DATA_HEADER_SIZE = 16;
export const IDATA_HEADER_SIZE = 20;

/** RFC 8841 default SCTP port for data channels. */
export const DEFAULT_SCTP_PORT = 5000;
