import type { RTCIceCandidateInit } from './types.js';

/**
 * W3C RTCIceCandidate: the init dictionary plus the fields parsed from the
 * `candidate:` line (RFC 8839 §5.1), for libraries written against the
 * browser API. `addIceCandidate` accepts it or a plain init object.
 */
export class RTCIceCandidate implements RTCIceCandidateInit {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment: string | null;
  readonly foundation: string | null = null;
  readonly component: 'rtp' | 'rtcp' | null = null;
  readonly priority: number | null = null;
  readonly address: string | null = null;
  readonly protocol: 'udp' | 'tcp' | null = null;
  readonly port: number | null = null;
  readonly type: 'host' | 'srflx' | 'prflx' | 'relay' | null = null;
  readonly tcpType: 'active' | 'passive' | 'so' | null = null;
  readonly relatedAddress: string | null = null;
  readonly relatedPort: number | null = null;

  constructor(init: RTCIceCandidateInit = {}) {
    if ((init.sdpMid ?? null) === null && (init.sdpMLineIndex ?? null) === null) {
      throw new TypeError('RTCIceCandidate needs sdpMid or sdpMLineIndex');
    }
    this.candidate = init.candidate ?? '';
    this.sdpMid = init.sdpMid ?? null;
    this.sdpMLineIndex = init.sdpMLineIndex ?? null;
    this.usernameFragment = init.usernameFragment ?? null;
    const f = this.candidate.replace(/^a=/, '').replace(/^candidate:/, '').trim().split(/\s+/);
    if (f.length < 8 || f[6] !== 'typ') return;
    this.foundation = f[0]!;
    this.component = f[1] === '2' ? 'rtcp' : 'rtp';
    this.protocol = f[2]!.toLowerCase() === 'tcp' ? 'tcp' : 'udp';
    this.priority = Number(f[3]);
    this.address = f[4]!;
    this.port = Number(f[5]);
    const t = f[7];
    this.type = t === 'host' || t === 'srflx' || t === 'prflx' || t === 'relay' ? t : null;
    for (let i = 8; i + 1 < f.length; i += 2) {
      const v = f[i + 1]!;
      if (f[i] === 'raddr') this.relatedAddress = v;
      else if (f[i] === 'rport') this.relatedPort = Number(v);
      else if (f[i] === 'tcptype' && (v === 'active' || v === 'passive' || v === 'so')) this.tcpType = v;
    }
  }

  toJSON(): RTCIceCandidateInit {
    return { candidate: this.candidate, sdpMid: this.sdpMid, sdpMLineIndex: this.sdpMLineIndex, usernameFragment: this.usernameFragment };
  }
}
