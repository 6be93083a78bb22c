import type { MediaDescription, SdpSetupRole, SessionDescriptionModel } from '../sdp/types.js';
import { codecsMatch, isRtx, rtxApt, type MediaKind, type RtpCodecParameters } from './codec.js';
import { HeaderExtensionUri, type MediaEngine } from './media-engine.js';
import type { SignalledStream } from './media-router.js';
import {
  answerDirection,
  isRejected,
  reverseDirection,
  sectionCodecs,
  sectionDirection,
  sectionKind,
  sectionSendStreams,
} from './remote-description.js';
import type { LocalSection } from './sdp-builder.js';
import type { RTCRtpTransceiver } from './transceiver.js';
import type { RTCRtpTransceiverDirection } from './types.js';

/**
 * JSEP bookkeeping (RFC 9429 §5): the ordered m= lines, which transceiver
 * each one carries, mid assignment, m= line recycling, and turning
 * transceivers into offer/answer sections and remote sections into
 * negotiated codecs, extensions and directions.
 */

interface MLine {
  mid: string;
  kind: MediaKind | 'application' | string;
  transceiver: RTCRtpTransceiver | undefined;
  /** For sections we cannot carry (data channels, unknown kinds): mirrored and rejected. */
  protocol?: string;
  formats?: string[];
  /** Rejected in the last completed negotiation (port 0): may be recycled by a new offer. */
  rejected: boolean;
  /** The m=application section carrying our SCTP association (data channels). */
  data?: boolean;
}

/** The remote side of the negotiated data-channel section (RFC 8841). */
export interface RemoteDataSection {
  port: number;
  maxMessageSize: number | undefined;
}

/** RFC 8841 §4: `m=application <port> UDP/DTLS/SCTP webrtc-datachannel` (TCP/DTLS/SCTP too). */
export function isDataChannelSection(m: MediaDescription): boolean {
  return m.kind === 'application' && /^(UDP|TCP)\/DTLS\/SCTP$/.test(m.protocol) && m.formats.includes('webrtc-datachannel');
}

export interface NegotiationHost {
  readonly mediaEngine: MediaEngine;
  transceivers(): RTCRtpTransceiver[];
  createTransceiver(kind: MediaKind, direction: RTCRtpTransceiverDirection): RTCRtpTransceiver;
  /** True once the application created a data channel (an offer then carries m=application). */
  wantsDataChannels?(): boolean;
}

export class Negotiation {
  readonly #host: NegotiationHost;
  #mlines: MLine[] = [];
  #nextMid = 0;
  #signalled = new Map<number, SignalledStream>();
  #remoteData: RemoteDataSection | undefined;

  constructor(host: NegotiationHost) {
    this.#host = host;
  }

  get firstMid(): string | undefined {
    return this.#mlines.find((m) => !m.rejected)?.mid ?? this.#mlines[0]?.mid;
  }

  /** Whether the m= line carrying `t` was rejected in the last negotiation. */
  isRejected(t: RTCRtpTransceiver): boolean {
    return this.#mlines.find((m) => m.transceiver === t)?.rejected ?? true;
  }

  /** The data section as last negotiated: present and not rejected, with the remote's SCTP parameters. */
  get negotiatedData(): RemoteDataSection | undefined {
    const line = this.#mlines.find((m) => m.data);
    return line && !line.rejected ? this.#remoteData : undefined;
  }

  /** Whether an m=application section for data channels exists (offered or negotiated). */
  get hasDataSection(): boolean {
    return this.#mlines.some((m) => m.data);
  }

  signalled(ssrc: number): SignalledStream | undefined {
    return this.#signalled.get(ssrc);
  }

  #newMid(): string {
    const used = new Set(this.#mlines.map((m) => m.mid));
    while (used.has(String(this.#nextMid))) this.#nextMid++;
    return String(this.#nextMid++);
  }

  /** Sections of a new offer: existing m= lines in order, then new transceivers (recycling rejected lines). */
  offerSections(): LocalSection[] {
    for (const t of this.#host.transceivers()) {
      if (t.mid !== null || t.stopped) continue;
      const free = this.#mlines.find((m) => m.rejected && (!m.transceiver || m.transceiver.stopped));
      const mid = this.#newMid();
      if (free) Object.assign(free, { mid, kind: t.kind, transceiver: t, rejected: false, protocol: undefined, formats: undefined });
      else this.#mlines.push({ mid, kind: t.kind, transceiver: t, rejected: false });
      t.mid = mid;
    }
    if (this.#host.wantsDataChannels?.() && !this.#mlines.some((m) => m.data)) {
      // JSEP §5.2.1: one m=application section for all data channels, after the media sections.
      this.#mlines.push({ mid: this.#newMid(), kind: 'application', transceiver: undefined, rejected: false, data: true });
    }
    return this.#mlines.map((m) => this.#section(m, undefined));
  }

  /** Sections answering `remote` (already applied with applyRemote). */
  answerSections(remote: SessionDescriptionModel): LocalSection[] {
    return this.#mlines.map((m, i) => this.#section(m, remote.media[i]));
  }

  #section(m: MLine, remote: MediaDescription | undefined): LocalSection {
    if (m.data && !(remote && isRejected(remote))) {
      return { mid: m.mid, kind: 'application', direction: 'sendrecv', codecs: [], extensions: [], application: true };
    }
    const t = m.transceiver;
    const kind = sectionKind({ kind: m.kind } as MediaDescription);
    if (!t || !kind || t.stopped || (remote && isRejected(remote))) {
      return {
        mid: m.mid,
        kind: m.kind as MediaKind,
        direction: 'inactive',
        codecs: [],
        extensions: [],
        rejected: true,
        ...(m.data ? { application: true } : {}),
        ...(m.protocol ? { protocol: m.protocol } : {}),
        ...(m.formats ? { formats: m.formats } : {}),
      };
    }
    const engine = this.#host.mediaEngine;
    let codecs: RtpCodecParameters[];
    let extensions: { id: number; uri: string }[];
    let direction: RTCRtpTransceiverDirection;
    if (remote) {
      codecs = t.negotiatedCodecs;
      extensions = t.negotiatedExtensions;
      direction = answerDirection(sectionDirection(remote), t.direction);
      if (codecs.length === 0) return { mid: m.mid, kind, direction: 'inactive', codecs: [], extensions: [], rejected: true };
    } else {
      codecs = t.negotiatedCodecs.length ? t.negotiatedCodecs : preferred(engine.getCodecs(kind), t.codecPreferences);
      extensions = t.negotiatedExtensions.length ? t.negotiatedExtensions : engine.getHeaderExtensions(kind).map((x) => ({ id: x.id, uri: x.uri }));
      direction = t.direction;
    }
    const s = t.sender;
    const track = s.track;
    const section: LocalSection = { mid: m.mid, kind, direction, codecs, extensions };
    if (track) {
      const rtx = codecs.some(isRtx);
      section.sender = { ssrc: s.ssrc, ...(rtx ? { rtxSsrc: s.rtxSsrc } : {}), streamId: track.streamId, trackId: track.id, cname: s.cname };
    }
    const rids = s.encodings.map((e) => e.rid).filter((r): r is string => r !== undefined);
    // Send simulcast (RFC 8853) when we offer it, or when the offer accepts those rids.
    if (rids.length > 1 && (!remote || rids.every((r) => remote.rids.some((x) => x.id === r && x.direction === 'recv')))) {
      section.sendRids = rids;
    }
    // In answers, and in later offers too (RFC 8853 §5.3: a re-offer keeps receiving the simulcast it negotiated).
    if (t.remoteRids.length && (direction === 'recvonly' || direction === 'sendrecv')) section.recvRids = [...t.remoteRids];
    return section;
  }

  /**
   * Applies a remote description: associates sections with transceivers
   * (creating them for new remote offers), records negotiated codecs,
   * extensions, rids and signalled SSRCs.
   */
  applyRemote(sdp: SessionDescriptionModel, type: 'offer' | 'answer' | 'pranswer'): { newTransceivers: RTCRtpTransceiver[] } {
    const engine = this.#host.mediaEngine;
    const created: RTCRtpTransceiver[] = [];
    this.#signalled.clear();
    sdp.media.forEach((rm, i) => {
      const mid = rm.mid ?? String(i);
      let line = this.#mlines[i];
      const kind = sectionKind(rm);
      if (type === 'offer') {
        if (!line || line.mid !== mid || line.kind !== rm.kind) {
          // A new or recycled section: find a free transceiver of that kind (addTrack before the offer arrived).
          let t: RTCRtpTransceiver | undefined;
          if (kind && !isRejected(rm)) {
            t =
              this.#host.transceivers().find((x) => x.mid === mid && x.kind === kind && !x.stopped) ??
              this.#host.transceivers().find((x) => x.mid === null && x.kind === kind && !x.stopped && !this.#mlines.some((l) => l.transceiver === x));
            if (!t) {
              t = this.#host.createTransceiver(kind, 'recvonly');
              created.push(t);
            }
            t.mid = mid;
          }
          line = { mid, kind: rm.kind, transceiver: t, rejected: isRejected(rm) };
          if (!kind && isDataChannelSection(rm) && !this.#mlines.some((l, j) => l.data && j !== i)) line.data = true;
          else if (!kind) {
            line.protocol = rm.protocol;
            line.formats = rm.formats;
          }
          this.#mlines[i] = line;
        }
      }
      if (!line) return; // an answer with more sections than we offered: ignored
      line.rejected = isRejected(rm);
      if (line.data && !line.rejected) this.#remoteData = { port: rm.sctpPort ?? 5000, maxMessageSize: rm.maxMessageSize };
      const t = line.transceiver;
      if (!t || !kind || line.rejected) return;
      const remoteCodecs = sectionCodecs(rm);
      t.negotiatedCodecs = engine.negotiateCodecs(kind, remoteCodecs);
      t.negotiatedExtensions = engine.negotiateHeaderExtensions(kind, rm.extmaps);
      t.remoteRids = rm.rids.filter((r) => r.direction === 'send').map((r) => r.id);
      for (const s of sectionSendStreams(rm)) {
        const sig: SignalledStream = { mid, ssrc: s.ssrc };
        if (s.rtxSsrc !== undefined) sig.rtxSsrc = s.rtxSsrc;
        if (s.streamId !== undefined) sig.streamId = s.streamId;
        if (s.trackId !== undefined) sig.trackId = s.trackId;
        this.#signalled.set(s.ssrc, sig);
        if (s.rtxSsrc !== undefined) this.#signalled.set(s.rtxSsrc, sig);
      }
      if (type !== 'offer') {
        t.setCurrentDirection(reverseDirection(sectionDirection(rm)));
        configureSender(t);
      }
    });
    return { newTransceivers: created };
  }

  /** Applies our own answer: current directions and sender codecs. */
  applyLocalAnswer(sdp: SessionDescriptionModel): void {
    sdp.media.forEach((lm, i) => {
      const line = this.#mlines[i];
      if (!line) return;
      line.rejected = lm.port === 0;
      const t = line.transceiver;
      if (!t || line.rejected) return;
      t.setCurrentDirection(sectionDirection(lm));
      configureSender(t);
    });
  }

  /** Undo for rollback of a remote offer: forget transceivers it created. */
  rollback(created: readonly RTCRtpTransceiver[]): void {
    this.#mlines = this.#mlines.filter((m) => !m.transceiver || !created.includes(m.transceiver));
  }
}

function preferred(codecs: readonly RtpCodecParameters[], prefs: readonly { mimeType: string; clockRate: number; sdpFmtpLine?: string }[]): RtpCodecParameters[] {
  if (!prefs.length) return [...codecs];
  const main = prefs.flatMap((p) => codecs.filter((c) => !isRtx(c) && codecsMatch(c, p)));
  const pts = new Set(main.map((c) => c.payloadType));
  const rtx = codecs.filter((c) => isRtx(c) && pts.has(rtxApt(c) ?? -1));
  return [...new Set([...main, ...rtx])];
}

/** Gives the sender the negotiated codec matching its track (and its RTX payload type). */
function configureSender(t: RTCRtpTransceiver): void {
  const direction = t.currentDirection;
  const sending = direction === 'sendrecv' || direction === 'sendonly';
  const track = t.sender.track;
  if (!sending || !track) {
    t.sender.configure(undefined, undefined);
    return;
  }
  const codec = t.negotiatedCodecs.find((c) => !isRtx(c) && codecsMatch(c, track.codec));
  const rtx = codec ? t.negotiatedCodecs.find((c) => isRtx(c) && rtxApt(c) === codec.payloadType) : undefined;
  const encodings = t.sender.encodings;
  if (encodings.length === 1) {
    t.sender.configure(codec, rtx?.payloadType);
    return;
  }
  // Simulcast: every layer carries MID and RID; losses are repaired by plain retransmission
  // (an RTX stream per layer would need the repaired-RID extension as well).
  const midId = t.negotiatedExtensions.find((x) => x.uri === HeaderExtensionUri.Mid)?.id;
  const ridId = t.negotiatedExtensions.find((x) => x.uri === HeaderExtensionUri.RtpStreamId)?.id;
  const ext = midId !== undefined && ridId !== undefined && t.mid !== null ? { midId, ridId, mid: t.mid } : undefined;
  for (const e of encodings) {
    e.setSimulcastExtensions(ext);
    e.configure(e.track ? t.negotiatedCodecs.find((c) => !isRtx(c) && codecsMatch(c, e.track!.codec)) : undefined, undefined);
  }
}

/** The DTLS setup attribute of our answer (RFC 8842 §5.3). */
export function answerSetup(remote: SdpSetupRole | undefined, preference: 'auto' | 'client' | 'server'): SdpSetupRole {
  if (remote === 'active') return 'passive';
  if (remote === 'passive') return 'active';
  return preference === 'server' ? 'passive' : 'active';
}
