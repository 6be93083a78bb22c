import type { TurnServerStats } from './turn-server-stats.js';

/** Label values escaped per the Prometheus text format. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The server's counters in the Prometheus text exposition format (0.0.4),
 * served by `GET /metrics`.
 */
export function turnMetricsText(stats: TurnServerStats & { streams?: number }): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  metric('tern_turn_allocations', 'gauge', 'Live TURN allocations.', stats.allocations);
  metric('tern_turn_streams', 'gauge', 'Open TCP/TLS client connections.', stats.streams ?? 0);
  metric('tern_turn_allocations_created_total', 'counter', 'Allocations created.', stats.allocationsCreated);
  metric('tern_turn_allocations_ended_total', 'counter', 'Allocations ended (expired, refreshed to 0, closed).', stats.allocationsEnded);
  metric('tern_turn_requests_total', 'counter', 'STUN/TURN requests received.', stats.requests);
  metric('tern_turn_challenges_total', 'counter', '401 challenges to unauthenticated requests.', stats.challenges);
  metric('tern_turn_auth_failures_total', 'counter', 'Requests with wrong credentials.', stats.authFailures);
  metric('tern_turn_quota_refusals_total', 'counter', 'Allocations refused by a quota.', stats.quotaRefusals);
  metric('tern_turn_denied_peers_total', 'counter', 'Permissions or channels refused by the peer address policy.', stats.deniedPeers);
  lines.push('# HELP tern_turn_relayed_bytes_total Payload bytes relayed.', '# TYPE tern_turn_relayed_bytes_total counter');
  lines.push(`tern_turn_relayed_bytes_total{direction="to_peer"} ${stats.bytesToPeers}`);
  lines.push(`tern_turn_relayed_bytes_total{direction="to_client"} ${stats.bytesToClients}`);
  lines.push('# HELP tern_turn_relayed_packets_total Datagrams relayed.', '# TYPE tern_turn_relayed_packets_total counter');
  lines.push(`tern_turn_relayed_packets_total{direction="to_peer"} ${stats.packetsToPeers}`);
  lines.push(`tern_turn_relayed_packets_total{direction="to_client"} ${stats.packetsToClients}`);
  lines.push('# HELP tern_turn_dropped_total Input dropped, by reason.', '# TYPE tern_turn_dropped_total counter');
  for (const [reason, n] of Object.entries(stats.drops)) lines.push(`tern_turn_dropped_total{reason="${label(reason)}"} ${n}`);
  return lines.join('\n') + '\n';
}
