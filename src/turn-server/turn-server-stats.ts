/** Counters of a TURN server, and their snapshot. */

export interface TurnServerStats {
  readonly allocations: number;
  readonly allocationsCreated: number;
  readonly allocationsEnded: number;
  readonly requests: number;
  readonly challenges: number;
  readonly errorResponses: number;
  readonly authFailures: number;
  readonly quotaRefusals: number;
  readonly deniedPeers: number;
  readonly packetsToPeers: number;
  readonly bytesToPeers: number;
  readonly packetsToClients: number;
  readonly bytesToClients: number;
  /** Dropped input by reason. */
  readonly drops: Record<string, number>;
}

export class TurnServerCounters {
  allocationsCreated = 0;
  allocationsEnded = 0;
  requests = 0;
  challenges = 0;
  errorResponses = 0;
  authFailures = 0;
  quotaRefusals = 0;
  deniedPeers = 0;
  packetsToPeers = 0;
  bytesToPeers = 0;
  packetsToClients = 0;
  bytesToClients = 0;

  snapshot(allocations: number, drops: Record<string, number>): TurnServerStats {
    return {
      allocations,
      allocationsCreated: this.allocationsCreated,
      allocationsEnded: this.allocationsEnded,
      requests: this.requests,
      challenges: this.challenges,
      errorResponses: this.errorResponses,
      authFailures: this.authFailures,
      quotaRefusals: this.quotaRefusals,
      deniedPeers: this.deniedPeers,
      packetsToPeers: this.packetsToPeers,
      bytesToPeers: this.bytesToPeers,
      packetsToClients: this.packetsToClients,
      bytesToClients: this.bytesToClients,
      drops,
    };
  }
}
