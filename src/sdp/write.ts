import { formatExtmap, formatSimulcast } from './attribute-parsers.js';
import type { MediaDescription, SdpAttribute, SdpConnection, SessionDescriptionModel } from './types.js';

/** Writes SDP text with CRLF line ends, in the attribute order browsers use. */

function attr(lines: string[], name: string, value?: string | number): void {
  lines.push(value === undefined ? `a=${name}` : `a=${name}:${value}`);
}

function connection(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function rest(lines: string[], attributes: SdpAttribute[]): void {
  for (const a of attributes) attr(lines, a.name, a.value);
}

function writeMedia(lines: string[], m: MediaDescription): void {
  const port = m.numberOfPorts === undefined ? `${m.port}` : `${m.port}/${m.numberOfPorts}`;
  lines.push(`m=${m.kind} ${port} ${m.protocol}${m.formats.length ? ' ' + m.formats.join(' ') : ''}`);
  if (m.title !== undefined) lines.push(`i=${m.title}`);
  if (m.connection) lines.push(connection(m.connection));
  for (const b of m.bandwidths) lines.push(`b=${b.type}:${b.value}`);
  if (m.rtcp !== undefined) attr(lines, 'rtcp', m.rtcp);
  for (const c of m.candidates) lines.push(`a=${c}`);
  if (m.endOfCandidates) attr(lines, 'end-of-candidates');
  if (m.iceUfrag !== undefined) attr(lines, 'ice-ufrag', m.iceUfrag);
  if (m.icePwd !== undefined) attr(lines, 'ice-pwd', m.icePwd);
  if (m.iceOptions) attr(lines, 'ice-options', m.iceOptions.join(' '));
  for (const f of m.fingerprints) attr(lines, 'fingerprint', `${f.algorithm} ${f.value}`);
  if (m.setup) attr(lines, 'setup', m.setup);
  if (m.mid !== undefined) attr(lines, 'mid', m.mid);
  for (const e of m.extmaps) attr(lines, 'extmap', formatExtmap(e));
  if (m.extmapAllowMixed) attr(lines, 'extmap-allow-mixed');
  if (m.direction) attr(lines, m.direction);
  for (const id of m.msids) attr(lines, 'msid', id.track === undefined ? id.stream : `${id.stream} ${id.track}`);
  if (m.rtcpMux) attr(lines, 'rtcp-mux');
  if (m.rtcpMuxOnly) attr(lines, 'rtcp-mux-only');
  if (m.rtcpRsize) attr(lines, 'rtcp-rsize');
  // rtpmap, rtcp-fb and fmtp grouped per payload type in m= order, as browsers do.
  const byPt = new Set<number>();
  for (const f of m.formats) {
    const pt = Number(f);
    if (!Number.isInteger(pt)) continue;
    byPt.add(pt);
    for (const r of m.rtpmaps) {
      if (r.payloadType !== pt) continue;
      attr(lines, 'rtpmap', `${pt} ${r.encodingName}/${r.clockRate}${r.channels !== undefined ? `/${r.channels}` : ''}`);
    }
    for (const fb of m.rtcpFbs) if (fb.payloadType === pt) attr(lines, 'rtcp-fb', `${pt} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
    const fmtp = m.fmtps.get(pt);
    if (fmtp !== undefined) attr(lines, 'fmtp', `${pt} ${fmtp}`);
  }
  for (const r of m.rtpmaps) {
    if (!byPt.has(r.payloadType)) attr(lines, 'rtpmap', `${r.payloadType} ${r.encodingName}/${r.clockRate}${r.channels !== undefined ? `/${r.channels}` : ''}`);
  }
  for (const fb of m.rtcpFbs) {
    if (fb.payloadType === '*' || !byPt.has(fb.payloadType)) attr(lines, 'rtcp-fb', `${fb.payloadType} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
  }
  for (const [pt, fmtp] of m.fmtps) if (!byPt.has(pt)) attr(lines, 'fmtp', `${pt} ${fmtp}`);
  for (const r of m.rids) attr(lines, 'rid', `${r.id} ${r.direction}${r.params ? ` ${r.params}` : ''}`);
  if (m.simulcast) attr(lines, 'simulcast', formatSimulcast(m.simulcast));
  if (m.sctpPort !== undefined) attr(lines, 'sctp-port', m.sctpPort);
  if (m.maxMessageSize !== undefined) attr(lines, 'max-message-size', m.maxMessageSize);
  for (const g of m.ssrcGroups) attr(lines, 'ssrc-group', `${g.semantics} ${g.ssrcs.join(' ')}`);
  for (const s of m.ssrcs) attr(lines, 'ssrc', `${s.ssrc} ${s.attribute}${s.value !== undefined ? `:${s.value}` : ''}`);
  rest(lines, m.attributes);
}

export function writeSdp(s: SessionDescriptionModel): string {
  const lines: string[] = [];
  const o = s.origin;
  lines.push(`v=${s.version}`);
  lines.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  lines.push(`s=${s.sessionName}`);
  if (s.sessionInformation !== undefined) lines.push(`i=${s.sessionInformation}`);
  if (s.connection) lines.push(connection(s.connection));
  for (const b of s.bandwidths) lines.push(`b=${b.type}:${b.value}`);
  lines.push(`t=${s.timing.start} ${s.timing.stop}`);
  if (s.iceLite) attr(lines, 'ice-lite');
  if (s.iceUfrag !== undefined) attr(lines, 'ice-ufrag', s.iceUfrag);
  if (s.icePwd !== undefined) attr(lines, 'ice-pwd', s.icePwd);
  if (s.iceOptions) attr(lines, 'ice-options', s.iceOptions.join(' '));
  for (const f of s.fingerprints) attr(lines, 'fingerprint', `${f.algorithm} ${f.value}`);
  if (s.setup) attr(lines, 'setup', s.setup);
  for (const g of s.groups) attr(lines, 'group', [g.semantics, ...g.mids].join(' '));
  if (s.extmapAllowMixed) attr(lines, 'extmap-allow-mixed');
  for (const e of s.extmaps) attr(lines, 'extmap', formatExtmap(e));
  if (s.msidSemantic) attr(lines, 'msid-semantic', [` ${s.msidSemantic.semantic}`, ...s.msidSemantic.identifiers].join(' '));
  rest(lines, s.attributes);
  for (const m of s.media) writeMedia(lines, m);
  return lines.join('\r\n') + '\r\n';
}
