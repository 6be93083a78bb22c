import type { Clock, TimerHandle } from '../index.js';

/** Fewest ms between two key-frame requests sent to one publisher track (subscribers' PLIs come in bursts). */
export const KEY_FRAME_REQUEST_INTERVAL_MS = 500;

/**
 * True when an RTP payload starts a key frame, for the video codecs browsers
 * send. Subscribers start, and layers switch, only there. Unknown codecs
 * answer `undefined` (the caller then does not gate on key frames).
 */
export function isKeyFrameStart(mimeType: string, payload: Uint8Array): boolean | undefined {
  switch (mimeType.toLowerCase()) {
    case 'video/vp8':
      return vp8KeyFrameStart(payload);
    case 'video/vp9':
      return vp9KeyFrameStart(payload);
    case 'video/h264':
      return h264KeyFrameStart(payload);
    default:
      return undefined;
  }
}

/** RFC 7741 §4.2–4.3: payload descriptor, then the VP8 frame header's P bit (0 = key frame) at the start of partition 0. */
function vp8KeyFrameStart(p: Uint8Array): boolean {
  if (p.length < 1) return false;
  const b0 = p[0]!;
  const start = (b0 & 0x10) !== 0;
  const partition = b0 & 0x07;
  if (!start || partition !== 0) return false;
  let i = 1;
  if (b0 & 0x80) {
    if (p.length < 2) return false;
    const x = p[1]!;
    i = 2;
    if (x & 0x80) i += p.length > i && p[i]! & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID/KEYIDX
  }
  if (p.length <= i) return false;
  return (p[i]! & 0x01) === 0;
}

/** draft-ietf-payload-vp9 §4.2: B (start of frame) set and P (inter-picture predicted) clear. */
function vp9KeyFrameStart(p: Uint8Array): boolean {
  if (p.length < 1) return false;
  const b0 = p[0]!;
  return (b0 & 0x08) !== 0 && (b0 & 0x40) === 0;
}

/** RFC 6184: an IDR slice (5) or SPS (7), alone, in a STAP-A (24) or starting an FU-A (28). */
function h264KeyFrameStart(p: Uint8Array): boolean {
  if (p.length < 1) return false;
  const type = p[0]! & 0x1f;
  if (type === 5 || type === 7) return true;
  if (type === 28) return p.length >= 2 && (p[1]! & 0x80) !== 0 && (p[1]! & 0x1f) === 5;
  if (type === 24) {
    // At most 64 aggregated units are looked at (the payload bounds it anyway).
    let i = 1;
    for (let n = 0; n < 64 && i + 2 < p.length; n++) {
      const size = (p[i]! << 8) | p[i + 1]!;
      const t = p[i + 2]! & 0x1f;
      if (t === 5 || t === 7) return true;
      i += 2 + size;
    }
  }
  return false;
}

/**
 * Key-frame requests towards one publisher track, rate limited: at most one
 * per `intervalMs`. A request inside the interval is not lost but deferred
 * to its end, so a new subscriber always gets its key frame within
 * `intervalMs` plus one round trip.
 */
export class KeyFrameRequester {
  #lastMs = -Infinity;
  #timer: TimerHandle | undefined;
  #closed = false;
  /** Requests that went out, and those folded into another. */
  sent = 0;
  coalesced = 0;

  constructor(
    readonly clock: Clock,
    readonly send: () => void,
    readonly intervalMs = KEY_FRAME_REQUEST_INTERVAL_MS,
  ) {}

  request(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) {
      this.coalesced++;
      return;
    }
    const wait = this.#lastMs + this.intervalMs - this.clock.now();
    if (wait <= 0) return this.#fire();
    this.coalesced++;
    this.#timer = this.clock.setTimer(() => {
      this.#timer = undefined;
      this.#fire();
    }, wait);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    if (this.#closed) return;
    this.#lastMs = this.clock.now();
    this.sent++;
    this.send();
  }
}
