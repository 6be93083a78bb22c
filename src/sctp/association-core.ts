import { SctpError } from './errors.js';
import type { SctpAssociationOptions, SctpEvent, SctpSendOptions, SctpState, SctpStats } from './types.js';

export type { SctpAssociationOptions, SctpEvent, SctpSendOptions, SctpState, SctpStats } from './types.js';

function notYet(): never {
  throw new SctpError('ERR_SCTP_INVALID_STATE', 'SCTP association core not implemented yet');
}

/** Sans-IO SCTP association (RFC 9260) for data channels over DTLS (RFC 8261). */
export class SctpAssociationCore {
  constructor(opts: SctpAssociationOptions) {
    void opts;
  }
  get state(): SctpState {
    return 'closed';
  }
  get stats(): Readonly<SctpStats> {
    return notYet();
  }
  connect(nowMs: number): void {
    void nowMs;
    notYet();
  }
  handleInput(packet: Uint8Array, nowMs: number): void {
    void packet;
    void nowMs;
  }
  handleTimeout(nowMs: number): void {
    void nowMs;
  }
  pollTransmit(): Uint8Array | undefined {
    return undefined;
  }
  pollEvent(): SctpEvent | undefined {
    return undefined;
  }
  pollTimeout(): number | undefined {
    return undefined;
  }
  send(streamId: number, ppid: number, data: Uint8Array, opts?: SctpSendOptions): void {
    void streamId, ppid, data, opts;
    notYet();
  }
  resetStreams(streamIds: number[]): void {
    void streamIds;
    notYet();
  }
  bufferedAmount(streamId: number): number {
    void streamId;
    return 0;
  }
  setBufferedAmountLowThreshold(streamId: number, bytes: number): void {
    void streamId, bytes;
  }
  shutdown(nowMs: number): void {
    void nowMs;
  }
  abort(reason?: string): void {
    void reason;
  }
}
