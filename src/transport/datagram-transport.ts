/**
 * A connected, unreliable datagram pipe to one peer: what DTLS runs over.
 * The ICE agent's connection implements it in production; tests use UDP
 * sockets or an in-memory pipe.
 */
export interface DatagramTransport {
  /** Sends one datagram to the peer. Never throws for network reasons. */
  send(data: Uint8Array): void;
  /** Sets the one handler for received datagrams (replaces any previous one). */
  onMessage(handler: (data: Buffer) => void): void;
  /** Called once when the transport closes, with the reason if it failed. */
  onClose(handler: (reason?: Error) => void): void;
  close(): void;
  readonly closed: boolean;
}
