import { ContentType, HANDSHAKE_HEADER_LENGTH, RECORD_HEADER_LENGTH } from '../constants.js';
import { writeHandshakeHeader } from '../handshake/header.js';
import type { RecordLayer } from '../record/record-layer.js';
import type { FlightItem } from './handshake-host.js';

/** Below this much room a datagram is closed rather than carrying a tiny fragment. */
const MIN_FRAGMENT = 16;
const CCS_BODY = Buffer.from([1]);

/**
 * RFC 6347 §4.2.3 / §4.1.1: packs a flight into datagrams of at most `mtu`
 * bytes, fragmenting handshake messages as needed, one fragment per record,
 * several records per datagram. Every call draws fresh record sequence
 * numbers, as retransmissions require (§4.2.4).
 */
export function writeFlight(items: readonly FlightItem[], mtu: number, layer: RecordLayer): Buffer[] {
  const datagrams: Buffer[] = [];
  let current: Buffer[] = [];
  let used = 0;
  const flush = (): void => {
    if (current.length) datagrams.push(current.length === 1 ? current[0]! : Buffer.concat(current, used));
    current = [];
    used = 0;
  };
  const push = (record: Buffer): void => {
    if (used + record.length > mtu) flush();
    current.push(record);
    used += record.length;
  };
  for (const item of items) {
    if (item.kind === 'ccs') {
      // RFC 5246 §7.1: ChangeCipherSpec is sent in the old epoch.
      push(layer.seal(ContentType.ChangeCipherSpec, 0, CCS_BODY));
      continue;
    }
    const overhead = RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH + layer.overhead(item.epoch);
    const body = item.body;
    let offset = 0;
    do {
      let room = mtu - used - overhead;
      if (room < Math.min(MIN_FRAGMENT, body.length - offset) || room <= 0) {
        flush();
        room = mtu - overhead;
      }
      const chunk = Math.max(0, Math.min(room, body.length - offset));
      const plain = Buffer.allocUnsafe(HANDSHAKE_HEADER_LENGTH + chunk);
      writeHandshakeHeader(plain, 0, item.msgType, body.length, item.messageSeq, offset, chunk);
      body.copy(plain, HANDSHAKE_HEADER_LENGTH, offset, offset + chunk);
      push(layer.seal(ContentType.Handshake, item.epoch, plain));
      offset += chunk;
    } while (offset < body.length);
  }
  flush();
  return datagrams;
}
