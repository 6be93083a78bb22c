import type { HandshakeFragment } from './header.js';

/**
 * Reassembles a fragmented initial ClientHello (RFC 6347 §4.2.3) before the
 * server has any state for the client. Browsers now send ClientHellos larger
 * than one datagram (post-quantum key shares for DTLS 1.3 ride along), so a
 * server must accept them in pieces. Bounded: one message at a time, at most
 * {@link MAX_CLIENT_HELLO_LENGTH} bytes; a fragment of another message
 * starts over.
 */
export const MAX_CLIENT_HELLO_LENGTH = 16 * 1024;

export class ClientHelloAssembler {
  #messageSeq = -1;
  #body: Buffer | undefined;
  #covered: Uint8Array | undefined;
  #missing = 0;

  /** Adds a fragment; returns the whole message as one fragment once complete. */
  push(f: HandshakeFragment): HandshakeFragment | undefined {
    if (f.fragmentOffset === 0 && f.fragment.length === f.length) return f;
    if (f.length > MAX_CLIENT_HELLO_LENGTH || f.fragmentOffset + f.fragment.length > f.length) return undefined;
    if (f.messageSeq !== this.#messageSeq || !this.#body || this.#body.length !== f.length) {
      this.#messageSeq = f.messageSeq;
      this.#body = Buffer.alloc(f.length);
      this.#covered = new Uint8Array(f.length);
      this.#missing = f.length;
    }
    const covered = this.#covered!;
    f.fragment.copy(this.#body, f.fragmentOffset);
    for (let i = f.fragmentOffset; i < f.fragmentOffset + f.fragment.length; i++) {
      if (covered[i] === 0) {
        covered[i] = 1;
        this.#missing--;
      }
    }
    if (this.#missing > 0) return undefined;
    const whole: HandshakeFragment = { msgType: f.msgType, length: f.length, messageSeq: f.messageSeq, fragmentOffset: 0, fragment: this.#body };
    this.clear();
    return whole;
  }

  clear(): void {
    this.#messageSeq = -1;
    this.#body = undefined;
    this.#covered = undefined;
    this.#missing = 0;
  }
}
