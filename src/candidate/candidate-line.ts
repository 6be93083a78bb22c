import { CandidateParseError } from './candidate-parse-error.js';
import type { CandidateInit } from './candidate-fields.js';
import { KNOWN_EXTENSION_NAMES, normalizeAddress, truncate } from './candidate-fields.js';
import type { CandidateType, TcpType } from './candidate-type.js';

/** Longest `candidate:` line accepted; real ones are under 300 characters. */
export const MAX_CANDIDATE_LINE_LENGTH = 4096;
/** Most extension pairs accepted on one line. */
export const MAX_CANDIDATE_EXTENSIONS = 64;

const PREFIX = /^(?:a=)?candidate:/i;
const DIGITS = /^[0-9]{1,10}$/;

function uint(token: string | undefined, max: number, what: string): number {
  if (token === undefined) throw new CandidateParseError(`${what} is missing`);
  if (!DIGITS.test(token)) throw new CandidateParseError(`${what} '${truncate(token)}' is not a number`);
  const n = Number(token);
  if (n > max) throw new CandidateParseError(`${what} ${n} is out of range (max ${max})`);
  return n;
}

/**
 * Parses the RFC 8839 §5.1 grammar:
 *
 *   candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
 *             [raddr <address>] [rport <port>] *(<name> <value>)
 *
 * Accepts `a=candidate:`, `candidate:` or a bare value; transport, `typ`, the
 * type and known extension names are case-insensitive; runs of spaces or tabs
 * and surrounding whitespace (CR/LF) are tolerated. Known extensions (RFC 6544
 * `tcptype`, libwebrtc's `generation`, `ufrag`, `network-id`, `network-cost`)
 * may appear in any order (Pion writes `tcptype` before `raddr`); unknown pairs
 * are kept in order. Throws only {@link CandidateParseError}.
 */
export function parseCandidateLine(line: string): CandidateInit {
  if (typeof line !== 'string') throw new CandidateParseError('candidate line must be a string');
  if (line.length > MAX_CANDIDATE_LINE_LENGTH) {
    throw new CandidateParseError(`candidate line is longer than ${MAX_CANDIDATE_LINE_LENGTH} characters`);
  }
  const body = line.trim().replace(PREFIX, '').trim();
  if (body.length === 0) throw new CandidateParseError('candidate line is empty');
  const t = body.split(/[ \t]+/);
  if (t.length < 8) {
    throw new CandidateParseError(
      `candidate line has ${t.length} fields, needs at least 8 (foundation component transport priority address port typ type)`,
    );
  }
  const foundation = t[0]!;
  const component = uint(t[1], 256, 'component');
  if (component < 1) throw new CandidateParseError('component must be at least 1');
  const transport = t[2]!.toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp') {
    throw new CandidateParseError(`unsupported transport '${truncate(t[2]!)}' (expected udp or tcp)`);
  }
  const priority = uint(t[3], 0xffff_ffff, 'priority');
  const address = normalizeAddress(t[4]!);
  const port = uint(t[5], 65535, 'port');
  if (t[6]!.toLowerCase() !== 'typ') throw new CandidateParseError(`expected 'typ' after the port, got '${truncate(t[6]!)}'`);
  const type = t[7]!.toLowerCase();
  if (type !== 'host' && type !== 'srflx' && type !== 'prflx' && type !== 'relay') {
    throw new CandidateParseError(`unknown candidate type '${truncate(t[7]!)}'`);
  }
  const init: CandidateInit = { foundation, component, transport, priority, address, port, type: type as CandidateType };
  const rest = t.length - 8;
  if (rest % 2 !== 0) throw new CandidateParseError(`extension '${truncate(t[t.length - 1]!)}' has no value`);
  if (rest / 2 > MAX_CANDIDATE_EXTENSIONS) {
    throw new CandidateParseError(`more than ${MAX_CANDIDATE_EXTENSIONS} extension pairs`);
  }
  const seen = new Set<string>();
  const extensions: Array<readonly [string, string]> = [];
  for (let i = 8; i < t.length; i += 2) {
    const name = t[i]!;
    const value = t[i + 1]!;
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new CandidateParseError(`extension '${truncate(name)}' appears twice`);
    if (KNOWN_EXTENSION_NAMES.has(lower)) seen.add(lower);
    switch (lower) {
      case 'raddr':
        init.relatedAddress = normalizeAddress(value);
        break;
      case 'rport':
        init.relatedPort = uint(value, 65535, 'rport');
        break;
      case 'tcptype': {
        const v = value.toLowerCase();
        if (v !== 'active' && v !== 'passive' && v !== 'so') throw new CandidateParseError(`unknown tcptype '${truncate(value)}'`);
        init.tcpType = v as TcpType;
        break;
      }
      case 'generation':
        init.generation = uint(value, 0xffff_ffff, 'generation');
        break;
      case 'ufrag':
        init.ufrag = value;
        break;
      case 'network-id':
        init.networkId = uint(value, 0xffff_ffff, 'network-id');
        break;
      case 'network-cost':
        init.networkCost = uint(value, 0xffff_ffff, 'network-cost');
        break;
      case 'typ':
        throw new CandidateParseError("'typ' appears twice");
      default:
        extensions.push([name, value]);
        break;
    }
  }
  if (extensions.length > 0) init.extensions = extensions;
  return init;
}

/**
 * Writes the attribute value (`candidate:...`, no `a=`) in RFC 8839 order:
 * raddr/rport, then tcptype (RFC 6544 §4.5), then libwebrtc's extensions in
 * the order Chrome writes them, then other extensions in their order.
 */
export function formatCandidateLine(c: CandidateInit): string {
  let s = `candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.relatedAddress !== undefined) s += ` raddr ${c.relatedAddress}`;
  if (c.relatedPort !== undefined) s += ` rport ${c.relatedPort}`;
  if (c.tcpType !== undefined) s += ` tcptype ${c.tcpType}`;
  if (c.generation !== undefined) s += ` generation ${c.generation}`;
  if (c.ufrag !== undefined) s += ` ufrag ${c.ufrag}`;
  if (c.networkId !== undefined) s += ` network-id ${c.networkId}`;
  if (c.networkCost !== undefined) s += ` network-cost ${c.networkCost}`;
  for (const [name, value] of c.extensions ?? []) s += ` ${name} ${value}`;
  return s;
}
