import type { TcpType } from '../candidate/index.js';
import type { UdpSocket } from '../transport/net.js';

/**
 * The small interfaces the agent owns for what is plugged into it from
 * outside or above: a single-port server (`src/icemux`, which sits above the
 * agent and implements {@link AgentMux}) and an mDNS resolver (`src/mdns`,
 * whose MulticastDns implements {@link AgentMdnsResolver}). The agent imports
 * neither module's types, so its imports point down only.
 */

/**
 * A base supplied by the caller instead of a socket the agent binds: a
 * single-port server's per-agent view of its shared UDP socket, or an ICE-TCP
 * framed connection. Anything UdpSocket-shaped (send(data, to), onMessage).
 * The agent closes it when it closes.
 */
export interface ExternalHostSocket {
  readonly socket: UdpSocket;
  /** Default 'udp'. TCP bases carry RFC 4571 framing inside the socket adapter. */
  readonly transport?: 'udp' | 'tcp';
  readonly tcpType?: TcpType;
  /** Interface name, for rewrite-rule scopes. */
  readonly iface?: string;
}

/** Supplies host bases at gathering time; given the agent's current local ufrag (for ufrag routing). */
export type HostSocketsProvider = (agent: { readonly localUfrag: string }) => ExternalHostSocket[] | Promise<ExternalHostSocket[]>;

/** What a single-port server needs from an ICE agent (IceAgent satisfies it). */
export interface IceMuxAgent {
  readonly localCredentials: { readonly ufrag: string; readonly pwd: string };
  /** Called on ICE restart with the new credentials; returns an unsubscribe function. */
  onLocalCredentialsChange(cb: (c: { ufrag: string; pwd: string }) => void): () => void;
  getSelectedPair(): { readonly local: { readonly transport: string }; readonly remote: { readonly address: string; readonly port: number } } | undefined;
  /** Closed by the server when the server closes; `reason` reaches the agent's connection. */
  close(reason?: Error): void;
}

/** The agent-config hook (`IceAgentConfig.mux`): host bases on a shared port instead of sockets of the agent's own. */
export interface AgentMux {
  hostSocketsFor(agent: IceMuxAgent): ExternalHostSocket[];
}

/** What the agent needs from mDNS (draft-ietf-mmusic-mdns-ice-candidates); MulticastDns implements it. */
export interface AgentMdnsResolver {
  /** Resolves a `.local` name; rejects when nobody answers in time. */
  resolve(name: string, options?: { timeoutMs?: number; family?: 4 | 6; signal?: AbortSignal }): Promise<string>;
  /** Publishes `address` under a generated `<uuid>.local` name (the same one while published) and returns it. */
  publish(address: string): string;
  unpublish(name: string): void;
  close(): void;
}
