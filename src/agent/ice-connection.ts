import type { Candidate } from '../candidate/index.js';
import type { DatagramTransport } from '../transport/datagram-transport.js';

/** The data path of a connected agent (Pion's ice.Conn): what DTLS sits on. */
export interface IceConnection extends DatagramTransport {
  readonly localCandidate: Candidate;
  readonly remoteCandidate: Candidate;
}

/**
 * What the connection needs from its agent. Plain methods, not getters: an
 * object literal with accessors is a dictionary-mode object in V8, about
 * 1 KiB per connection.
 */
export interface IceConnectionHost {
  sendData(data: Uint8Array): void;
  selectedLocal(): Candidate;
  selectedRemote(): Candidate;
  closeAgent(): void;
}

/**
 * Carries non-STUN datagrams both ways on the agent's selected pair (it
 * follows the pair when a restart selects a new one). Closing it closes the
 * agent, as Pion's Conn.Close does.
 */
export class IceConnectionImpl implements IceConnection {
  #onMessage: ((data: Buffer) => void) | undefined;
  #onClose: ((reason?: Error) => void) | undefined;
  #closed = false;
  #closeReason: Error | undefined;
  bytesReceived = 0;
  packetsReceived = 0;

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

  send(data: Uint8Array): void {
    if (!this.#closed) this.host.sendData(data);
  }

  onMessage(handler: (data: Buffer) => void): void {
    this.#onMessage = handler;
  }

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
    if (h) h(data);
  }

  /** Called by the agent when it closes or fails. */
  markClosed(reason?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    this.#onMessage = undefined;
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
