import type { SfuStats } from './stats.js';

/** Escapes a Prometheus label value. */
const label = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** `GET /metrics`: the stats document in Prometheus text exposition format 0.0.4. */
export function prometheusText(s: SfuStats): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, rows: [string, number][]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of rows) out.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
  };
  gauge('sfu_node_info', 'The node serving these metrics (always 1).', [[`{node="${label(s.node)}"}`, 1]]);
  gauge('sfu_rooms', 'Rooms open.', [['', s.rooms]]);
  gauge('sfu_peers', 'Participants joined.', [['', s.peers]]);
  gauge('sfu_tracks', 'Published tracks forwarded.', [['', s.tracks]]);
  gauge('sfu_websockets', 'Open signalling websockets.', [['', s.connections]]);
  const tracks = s.roomList.flatMap((r) => r.tracks.map((t) => ({ r, t, l: `{room="${label(r.id)}",track="${label(t.id)}",kind="${t.kind}"}` })));
  gauge('sfu_track_bitrate_bps', 'Bitrate received from the publisher (last second).', tracks.map(({ t, l }) => [l, t.bitrateBps]));
  gauge('sfu_track_loss_ratio', 'Publisher-to-SFU packet loss ratio.', tracks.map(({ t, l }) => [l, t.loss]));
  gauge('sfu_track_subscribers', 'Subscribers of the track.', tracks.map(({ t, l }) => [l, t.subscribers]));
  gauge('sfu_track_rtt_ms', 'Mean RTT to subscribers.', tracks.filter(({ t }) => t.rttMs !== null).map(({ t, l }) => [l, t.rttMs!]));
  out.push('# HELP sfu_track_packets_total RTP packets received from the publisher.', '# TYPE sfu_track_packets_total counter');
  for (const { t, l } of tracks) out.push(`sfu_track_packets_total${l} ${t.packets}`);
  out.push('# HELP sfu_dropped_total Signalling input dropped, by reason.', '# TYPE sfu_dropped_total counter');
  for (const [reason, n] of Object.entries(s.dropped)) out.push(`sfu_dropped_total{reason="${label(reason)}"} ${n}`);
  if (s.mux) {
    gauge('sfu_mux_udp_tuples', 'UDP 5-tuples on the single port.', [['', s.mux.udpTuples]]);
    gauge('sfu_mux_tcp_tuples', 'ICE-TCP connections on the single port.', [['', s.mux.tcpTuples]]);
    out.push('# HELP sfu_mux_routed_packets_total Packets routed by the single-port server.', '# TYPE sfu_mux_routed_packets_total counter');
    out.push(`sfu_mux_routed_packets_total ${s.mux.routedPackets}`);
  }
  return out.join('\n') + '\n';
}
