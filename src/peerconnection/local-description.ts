import type { SdpSetupRole, SessionDescriptionModel } from '../sdp/types.js';
import { writeSdp } from '../sdp/write.js';
import { InvalidStateError } from './errors.js';
import { answerSetup, type Negotiation } from './negotiation.js';
import type { PeerTransport } from './peer-transport.js';
import { transportParams } from './remote-description.js';
import { buildLocalDescription, type LocalSection } from './sdp-builder.js';
import type { SettingEngine } from './setting-engine.js';
import type { StoredDescription } from './stored-description.js';
import type { RTCSessionDescriptionInit } from './types.js';

/**
 * Builds the local offers and answers of one peer connection (session id
 * and version, ICE credentials, fingerprint, DTLS setup role) and writes a
 * set description back as text with the candidates gathered so far.
 */
export class LocalDescriptionBuilder {
  readonly #sessionId: string;
  #sessionVersion = 0n;
  readonly #settings: SettingEngine;
  readonly #peer: PeerTransport;
  readonly #negotiation: Negotiation;

  constructor(sessionId: string, settings: SettingEngine, peer: PeerTransport, negotiation: Negotiation) {
    this.#sessionId = sessionId;
    this.#settings = settings;
    this.#peer = peer;
    this.#negotiation = negotiation;
  }

  async build(sections: LocalSection[], setup: SdpSetupRole): Promise<SessionDescriptionModel> {
    const certificate = await this.#peer.certificate();
    const { ufrag, pwd } = this.#peer.agent.localCredentials;
    return buildLocalDescription({
      sessionId: this.#sessionId,
      sessionVersion: this.#sessionVersion++,
      iceUfrag: ufrag,
      icePwd: pwd,
      iceLite: this.#settings.values.lite,
      fingerprints: [{ algorithm: 'sha-256', value: certificate.fingerprint('sha-256') }],
      setup,
      candidates: [],
      endOfCandidates: false,
      sections,
    });
  }

  /** An offer for an implicit setLocalDescription(). */
  async buildOfferNow(): Promise<SessionDescriptionModel> {
    const setup = this.#peer.dtlsRole === undefined ? 'actpass' : this.#peer.dtlsRole === 'client' ? 'active' : 'passive';
    return this.build(this.#negotiation.offerSections(), setup);
  }

  /** An answer to the pending remote offer for an implicit setLocalDescription(). */
  async buildAnswerNow(remote: StoredDescription | undefined): Promise<SessionDescriptionModel> {
    if (!remote) throw new InvalidStateError('no remote offer to answer');
    const setup = answerSetup(transportParams(remote.model).setup, this.#settings.values.answeringDtlsRole);
    return this.build(this.#negotiation.answerSections(remote.model), setup);
  }

  /** The description as text, with the candidates gathered so far (W3C §4.4.1.6). */
  describe(d: StoredDescription | undefined, local: boolean): RTCSessionDescriptionInit | null {
    if (!d) return null;
    if (!local) return { type: d.type, sdp: d.sdp };
    const model = d.model;
    const first = model.media.findIndex((m) => m.port !== 0);
    if (first < 0) return { type: d.type, sdp: d.sdp };
    // A copy with the candidates: the stored model itself stays as it was set.
    const candidates = this.#peer.agent.getLocalCandidates().map((c) => c.toString());
    const endOfCandidates = this.#peer.iceGatheringState === 'complete';
    const media = model.media.map((m, i) => (i === first ? { ...m, candidates, endOfCandidates } : m));
    return { type: d.type, sdp: writeSdp({ ...model, media }) };
  }
}
