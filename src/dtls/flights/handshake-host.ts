import type { ScopedLogger } from '../../common/log.js';
import type { CipherSuiteParams } from '../cipher-suites/cipher-suite.js';
import type { ResolvedDtlsConfig } from '../config.js';
import type { KeyBlock } from '../prf.js';
import type { DtlsSessionInfo } from '../types.js';

/** One entry of a flight: a handshake message (in the epoch it is sent in) or ChangeCipherSpec. */
export type FlightItem =
  | { readonly kind: 'handshake'; readonly epoch: number; readonly msgType: number; readonly messageSeq: number; readonly body: Buffer }
  | { readonly kind: 'ccs' };

/** Secrets the record layer and the exporter need once the handshake is done. */
export interface SessionSecrets {
  readonly suite: CipherSuiteParams;
  readonly masterSecret: Buffer;
  readonly clientRandom: Buffer;
  readonly serverRandom: Buffer;
}

/**
 * What the client and server handshake logic needs from the DTLS core: the
 * message_seq counter, flight transmission with retransmission, the record
 * layer's epoch-1 keys and completion.
 */
export interface HandshakeHost {
  readonly config: ResolvedDtlsConfig;
  readonly log: ScopedLogger;
  /** Builds a handshake message with the next send message_seq; returns it and its transcript bytes. */
  message(msgType: number, body: Buffer, epoch?: number): { item: FlightItem; raw: Buffer };
  /** Sends a flight and keeps it for retransmission; `final` flights get no timer (RFC 6347 §4.2.4). */
  sendFlight(name: string, items: FlightItem[], final: boolean): void;
  /** Installs epoch-1 keys in both directions. */
  installKeys(suite: CipherSuiteParams, keys: KeyBlock): void;
  /** The handshake finished successfully. */
  complete(info: DtlsSessionInfo, secrets: SessionSecrets): void;
}
