import { InvalidArgumentError } from '../common/errors.js';
import type { MediaKind, RtpCodecCapability, RtpCodecParameters } from './codec.js';
import type { RTCRtpReceiver } from './rtp-receiver.js';
import type { RTCRtpSender } from './rtp-sender.js';
import type { RTCRtpTransceiverDirection } from './types.js';

const TWCC_URI = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** W3C RTCRtpTransceiver: one m= section, one sender and one receiver. */
export class RTCRtpTransceiver {
  readonly kind: MediaKind;
  readonly sender: RTCRtpSender;
  readonly receiver: RTCRtpReceiver;
  mid: string | null = null;
  #direction: RTCRtpTransceiverDirection;
  #currentDirection: RTCRtpTransceiverDirection | null = null;
  #stopped = false;
  #codecPreferences: RtpCodecCapability[] = [];
  readonly #onDirectionChange: () => void;

  /** @internal Codecs and extension ids agreed for this section. */
  negotiatedCodecs: RtpCodecParameters[] = [];
  /** @internal */
  get negotiatedExtensions(): { id: number; uri: string }[] {
    return this.#negotiatedExtensions;
  }
  set negotiatedExtensions(extensions: { id: number; uri: string }[]) {
    this.#negotiatedExtensions = extensions;
    this.#twccExtensionId = extensions.find((x) => x.uri === TWCC_URI)?.id;
  }
  #negotiatedExtensions: { id: number; uri: string }[] = [];
  #twccExtensionId: number | undefined;
  /** @internal The negotiated transport-wide-cc header extension id, if any (read per received packet). */
  get twccExtensionId(): number | undefined {
    return this.#twccExtensionId;
  }
  /** @internal Index of the m= section once it has been in a description. */
  mLineIndex: number | undefined;
  /** @internal Remote rids for simulcast receive. */
  remoteRids: string[] = [];

  constructor(init: { kind: MediaKind; direction: RTCRtpTransceiverDirection; sender: RTCRtpSender; receiver: RTCRtpReceiver; onDirectionChange: () => void }) {
    this.kind = init.kind;
    this.#direction = init.direction;
    this.sender = init.sender;
    this.receiver = init.receiver;
    this.#onDirectionChange = init.onDirectionChange;
  }

  get direction(): RTCRtpTransceiverDirection {
    return this.#direction;
  }

  set direction(d: RTCRtpTransceiverDirection) {
    if (!DIRECTIONS.has(d)) throw new InvalidArgumentError(`bad transceiver direction ${d}`);
    if (this.#stopped) return;
    if (d !== this.#direction) {
      this.#direction = d;
      this.#onDirectionChange();
    }
  }

  get currentDirection(): RTCRtpTransceiverDirection | null {
    return this.#stopped ? 'stopped' : this.#currentDirection;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  get codecPreferences(): readonly RtpCodecCapability[] {
    return this.#codecPreferences;
  }

  /** Orders (and restricts) the codecs offered for this transceiver. */
  setCodecPreferences(codecs: RtpCodecCapability[]): void {
    this.#codecPreferences = [...codecs];
  }

  /** Stops sending and receiving; the m= section is rejected at the next negotiation. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#direction = 'stopped';
    this.sender.stop();
    this.receiver.stop();
    this.#onDirectionChange();
  }

  /** @internal */
  setCurrentDirection(d: RTCRtpTransceiverDirection | null): void {
    this.#currentDirection = d;
  }
}
