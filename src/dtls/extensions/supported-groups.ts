import { u16, u16List, WireReader } from '../wire.js';

/** RFC 8422 §5.1.1: NamedGroupList { NamedGroup named_group_list<2..2^16-1>; } */
export function encodeSupportedGroups(groups: readonly number[]): Buffer {
  const list = u16List(groups);
  return Buffer.concat([u16(list.length), list]);
}

export function decodeSupportedGroups(data: Buffer): number[] {
  const r = new WireReader(data);
  const list = r.vec16('named_group_list', 2);
  r.end('supported_groups');
  return WireReader.u16List(list, 'named_group_list');
}
