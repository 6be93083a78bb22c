import type { Candidate } from '../candidate/index.js';
import type { DatagramTransport } from '../transport/datagram-transport.js';

/** The data path of a connected agent (Pion's ice.Conn): what DTLS sits on. */
export interface IceConnection extends DatagramTransport {
  readonly localCandidate: Candidate;
  readonly remoteCandidate: Candidate;
  /**
   * False once the agent failed (consent expired, RFC 7675 §5.1) or closed:
   * sends are dropped, so layers above must not count them as sent.
   */
  readonly writable?: boolean;
}

/**
 * What the connection needs from its agent. Plain methods, not getters: an
 * object literal with accessors is a dictionary-mode object in V8, about
 * 1 KiB per connection.
 */
export interface IceConnectionHost {
  sendData(data: Uint8Array): void;
  /** Whether sendData would hand the datagram to a socket. */
  canSend?(): boolean;
  selectedLocal(): Candidate;
  selectedRemote(): Candidate;
  closeAgent(): void;
}

/**
 * Datagrams held for a connection nobody reads yet: the peer may start DTLS
 * the moment its side selects the pair, before this side has (the
 * controlled agent selects first) or before its reader is attached.
 */
export const EARLY_DATA_MAX = 64;

/**
 * Carries non-STUN datagrams both ways on the agent's selected pair (it
 * follows the pair when a restart selects a new one). Closing it closes the
 * agent, as Pion's Conn.Close does. Datagrams that arrive before a handler
 * is set are held (up to {@link EARLY_DATA_MAX}, then dropped and counted)
 * and handed over in order once one is, as Pion's ice.Conn buffers them.
 */
export class IceConnectionImpl implements IceConnection {
  #onMessage: ((data: Buffer) => void) | undefined;
  #onClose: ((reason?: Error) => void) | undefined;
  #closed = false;
  #closeReason: Error | undefined;
  #early: Buffer[] | undefined;
  #replaying = false;
  bytesReceived = 0;
  packetsReceived = 0;
  /** Datagrams dropped because too many arrived before a handler was set. */
  earlyDropped = 0;

  constructor(private readonly host: IceConnectionHost) {}

  get localCandidate(): Candidate {
    return this.host.selectedLocal();
  }

  get remoteCandidate(): Candidate {
    return this.host.selectedRemote();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get writable(): boolean {
    return !this.#closed && this.host.canSend?.() !== false;
  }

  send(data: Uint8Array): void {
    if (!this.#closed) this.host.sendData(data);
  }

  onMessage(handler: (data: Buffer) => void): void {
    this.#onMessage = handler;
    // Held datagrams go to the handler once the caller's setup has finished (a microtask), in order.
    if (this.#early?.length && !this.#replaying) {
      this.#replaying = true;
      queueMicrotask(this.#replay);
    }
  }

  readonly #replay = (): void => {
    const q = this.#early ?? [];
    for (let i = 0; i < q.length && !this.#closed; i++) this.#onMessage?.(q[i]!);
    this.#early = undefined;
    this.#replaying = false;
  };

  onClose(handler: (reason?: Error) => void): void {
    if (this.#closed) {
      queueMicrotask(() => handler(this.#closeReason));
      return;
    }
    this.#onClose = handler;
  }

  /** Called by the agent for each application datagram on a valid pair. */
  deliver(data: Buffer): void {
    if (this.#closed) return;
    this.bytesReceived += data.length;
    this.packetsReceived++;
    const h = this.#onMessage;
    if (h && !this.#replaying) {
      h(data);
      return;
    }
    const q = (this.#early ??= []);
    if (q.length < EARLY_DATA_MAX) q.push(data);
    else this.earlyDropped++;
  }

  /** Called by the agent when it closes or fails. */
  markClosed(reason?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#onMessage = undefined;
    this.#early = undefined;
    const cb = this.#onClose;
    this.#onClose = undefined;
    cb?.(reason);
  }

  close(): void {
    if (this.#closed) return;
    this.markClosed();
    this.host.closeAgent();
  }
}
