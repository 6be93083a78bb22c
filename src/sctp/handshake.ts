import type { InitChunk, InitFields } from './chunks.js';
import type { ResolvedOptions } from './options.js';
import type { CookieContents } from './state-cookie.js';

/** What this endpoint offers in its INIT and INIT-ACK (RFC 9260 §3.3.2, with RFC 3758/6525/8260/9653). */
export function localInitFields(o: ResolvedOptions, localTag: number, localInitialTsn: number): InitFields {
  return {
    initiateTag: localTag,
    aRwnd: o.maxReceiveWindow,
    outboundStreams: o.maxOutboundStreams,
    inboundStreams: o.maxInboundStreams,
    initialTsn: localInitialTsn,
    forwardTsn: true,
    reconfig: true,
    iData: o.interleaving,
    zeroChecksum: o.zeroChecksum,
  };
}

/** Whether an INIT / INIT-ACK's fixed fields are acceptable (RFC 9260 §3.3.2: none of them zero). */
export function validInit(init: InitChunk): boolean {
  return init.initiateTag !== 0 && init.outboundStreams !== 0 && init.inboundStreams !== 0;
}

/**
 * The association the peer's INIT (or INIT-ACK) and our options agree on: stream counts are the
 * smaller of what each side offers (RFC 9260 §5.1.1), I-DATA needs both sides.
 */
export function negotiate(init: InitChunk, o: ResolvedOptions, localTag: number, localInitialTsn: number, now: number): CookieContents {
  return {
    peerTag: init.initiateTag,
    localTag,
    peerInitialTsn: init.initialTsn,
    localInitialTsn,
    peerRwnd: init.aRwnd,
    outboundStreams: Math.min(o.maxOutboundStreams, init.inboundStreams),
    inboundStreams: Math.min(o.maxInboundStreams, init.outboundStreams),
    forwardTsn: init.forwardTsn,
    reconfig: init.reconfig,
    iData: init.iData && o.interleaving,
    zeroChecksum: init.zeroChecksum,
    createdMs: now,
  };
}
