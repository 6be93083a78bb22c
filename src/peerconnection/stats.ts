import type { IceAgent } from '../agent/ice-agent.js';
import type { CandidatePairInfo } from '../agent/candidate-pair.js';
import type { Candidate } from '../candidate/candidate.js';
import type { DtlsCertificate } from '../dtls/certificate.js';
import type { DtlsSrtpTransport } from './dtls-srtp-transport.js';
import type { MediaRouter } from './media-router.js';
import type { RTCRtpTransceiver } from './transceiver.js';

/** One stats object, keyed by `id`, with the W3C `type` names (webrtc-stats). */
export interface RTCStats {
  id: string;
  type: 'inbound-rtp' | 'outbound-rtp' | 'remote-inbound-rtp' | 'candidate-pair' | 'local-candidate' | 'remote-candidate' | 'transport' | 'certificate' | 'codec' | 'data-channel' | 'sctp-transport';
  timestamp: number;
  [key: string]: unknown;
}

export type RTCStatsReport = Map<string, RTCStats>;

export interface StatsSources {
  now: number;
  agent: IceAgent;
  transport: DtlsSrtpTransport | undefined;
  transceivers: readonly RTCRtpTransceiver[];
  router: MediaRouter;
  certificate: DtlsCertificate | undefined;
}

function candidateStats(c: Candidate, type: 'local-candidate' | 'remote-candidate', now: number): RTCStats {
  return {
    id: `${type === 'local-candidate' ? 'L' : 'R'}-${c.key}`,
    type,
    timestamp: now,
    address: c.address,
    port: c.port,
    protocol: c.transport,
    candidateType: c.type,
    priority: c.priority,
    foundation: c.foundation,
    ...(c.relatedAddress !== undefined ? { relatedAddress: c.relatedAddress, relatedPort: c.relatedPort } : {}),
    ...(c.tcpType ? { tcpType: c.tcpType } : {}),
  };
}

function pairStats(p: CandidatePairInfo, selected: boolean, now: number): RTCStats {
  const state = p.state === 'in-progress' ? 'in-progress' : p.state;
  return {
    id: `CP-${p.id}`,
    type: 'candidate-pair',
    timestamp: now,
    localCandidateId: `L-${p.local.key}`,
    remoteCandidateId: `R-${p.remote.key}`,
    state,
    nominated: p.nominated,
    selected,
    priority: Number(p.priority),
    requestsSent: p.requestsSent,
    responsesReceived: p.responsesReceived,
    requestsReceived: p.requestsReceived,
    responsesSent: p.responsesSent,
  };
}

/** Builds a W3C-shaped stats report from the live objects. */
export function collectStats(src: StatsSources): RTCStatsReport {
  const out: RTCStatsReport = new Map();
  const now = src.now;
  const put = (s: RTCStats): void => {
    out.set(s.id, s);
  };
  const ice = src.agent.getStats();
  for (const c of [...ice.localCandidates, ...ice.localPeerReflexive]) put(candidateStats(c, 'local-candidate', now));
  for (const c of ice.remoteCandidates) put(candidateStats(c, 'remote-candidate', now));
  for (const p of ice.pairs) put(pairStats(p, p.id === ice.selectedPair?.id, now));
  const dtls = src.transport?.dtls;
  put({
    id: 'T01',
    type: 'transport',
    timestamp: now,
    bytesSent: src.transport?.bytesSent ?? 0,
    bytesReceived: src.transport?.bytesReceived ?? 0,
    packetsSent: src.transport?.packetsSent ?? 0,
    packetsReceived: src.transport?.packetsReceived ?? 0,
    iceState: ice.state,
    iceRole: ice.role,
    dtlsState: src.transport?.state ?? 'new',
    ...(ice.selectedPair ? { selectedCandidatePairId: `CP-${ice.selectedPair.id}` } : {}),
    ...(dtls && !dtls.closed ? { dtlsCipher: dtls.cipherSuite, srtpCipher: dtls.srtpProfile } : {}),
    ...(src.certificate ? { localCertificateId: 'CERT-local' } : {}),
    droppedPackets: (src.transport?.drops.total ?? 0) + src.router.drops.total,
    // Non-standard: the drops by reason (hostile or malformed input, limits reached).
    droppedByReason: { ...src.transport?.drops.toJSON(), ...src.router.drops.toJSON() },
  });
  if (src.certificate) {
    put({
      id: 'CERT-local',
      type: 'certificate',
      timestamp: now,
      fingerprint: src.certificate.fingerprint('sha-256'),
      fingerprintAlgorithm: 'sha-256',
      base64Certificate: src.certificate.der.toString('base64'),
    });
  }
  for (const t of src.transceivers) for (const sender of t.sender.encodings) {
    const s = sender.stats;
    const codec = sender.codec;
    if (s && codec) {
      put({
        id: `OT-${sender.ssrc}`,
        type: 'outbound-rtp',
        timestamp: now,
        ssrc: sender.ssrc,
        ...(sender.rid !== undefined ? { rid: sender.rid } : {}),
        kind: t.kind,
        mid: t.mid,
        transportId: 'T01',
        codecId: `C-${t.mid}-${codec.payloadType}`,
        packetsSent: s.packets,
        bytesSent: s.bytes,
        retransmittedPacketsSent: s.retransmitted,
        nackCount: s.nacksReceived,
        pliCount: s.plisReceived,
        firCount: s.firsReceived,
        ...(s.remote ? { remoteId: `RI-${sender.ssrc}` } : {}),
      });
      if (s.remote) {
        const r = s.remote;
        put({
          id: `RI-${sender.ssrc}`,
          type: 'remote-inbound-rtp',
          timestamp: r.lastReportAtMs,
          ssrc: sender.ssrc,
          kind: t.kind,
          transportId: 'T01',
          codecId: `C-${t.mid}-${codec.payloadType}`,
          localId: `OT-${sender.ssrc}`,
          packetsLost: r.packetsLost,
          fractionLost: r.fractionLost,
          jitter: r.jitter / codec.clockRate,
          reportsReceived: r.reportsReceived,
          ...(r.roundTripTime !== undefined ? { roundTripTime: r.roundTripTime } : {}),
          totalRoundTripTime: r.totalRoundTripTime,
          roundTripTimeMeasurements: r.roundTripTimeMeasurements,
        });
      }
      put({ id: `C-${t.mid}-${codec.payloadType}`, type: 'codec', timestamp: now, payloadType: codec.payloadType, mimeType: codec.mimeType, clockRate: codec.clockRate });
    }
  }
  for (const { transceiver: t, stream } of src.router.mainStreams()) {
    const st = stream.stats;
    put({
      id: `IT-${stream.ssrc}`,
      type: 'inbound-rtp',
      timestamp: now,
      ssrc: stream.ssrc,
      kind: t.kind,
      mid: t.mid,
      trackIdentifier: stream.track.id,
      transportId: 'T01',
      codecId: `C-${t.mid}-${stream.track.codec.payloadType}`,
      packetsReceived: st.packets,
      bytesReceived: st.bytes,
      packetsLost: st.cumulativeLost,
      jitter: st.jitter / stream.track.codec.clockRate,
      ...(st.lastPacketAtMs !== undefined ? { lastPacketReceivedTimestamp: st.lastPacketAtMs } : {}),
    });
  }
  return out;
}
