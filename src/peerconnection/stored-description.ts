import { parseSdp } from '../sdp/parse.js';
import type { SessionDescriptionModel } from '../sdp/types.js';
import { writeSdp } from '../sdp/write.js';

/**
 * A local or remote description a peer connection has set. While a
 * negotiation is in progress it keeps the parsed model; once the round is
 * over, `compact()` keeps only the SDP text (a model with the default codecs
 * is hundreds of objects, ≈ 10 KiB; its text is a few KiB) and the model is
 * parsed again when a later step asks for it. A remote description keeps
 * the text it was set with (W3C §4.4.1.6: remoteDescription is what was
 * set), which also spares a second copy: strings parsed from it, such as the
 * remote ICE credentials, are views into that text.
 */
export class StoredDescription {
  readonly type: 'offer' | 'answer' | 'pranswer';
  #model: SessionDescriptionModel | undefined;
  #sdp: string | undefined;

  constructor(type: 'offer' | 'answer' | 'pranswer', model: SessionDescriptionModel, sdp?: string) {
    this.type = type;
    this.#model = model;
    this.#sdp = sdp;
  }

  /** The model: the kept one, or a fresh parse of the kept text (callers may modify it). */
  get model(): SessionDescriptionModel {
    return this.#model ?? parseSdp(this.#sdp!);
  }

  /** The description as SDP text: the text it was set with, or the model written out. */
  get sdp(): string {
    return this.#sdp ?? writeSdp(this.#model!);
  }

  /** Keeps only the text from now on. */
  compact(): void {
    if (this.#model === undefined) return;
    this.#sdp ??= writeSdp(this.#model);
    this.#model = undefined;
  }
}
