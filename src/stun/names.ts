import { StunAttr, StunMethod } from './constants.js';

/** Human-readable names for traces (RFC 8489 §18 registry spellings). */

const ATTR_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(StunAttr).map(([k, v]) => [v, k.replace(/([a-z])([A-Z])/g, '$1-$2').toUpperCase()]),
);
const METHOD_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(StunMethod).map(([k, v]) => [v, k]));
const CLASS_NAMES = ['request', 'indication', 'success response', 'error response'] as const;

/** e.g. `XOR-MAPPED-ADDRESS`, or `0x7fff` for unknown types. */
export function stunAttrName(type: number): string {
  return ATTR_NAMES.get(type) ?? `0x${type.toString(16).padStart(4, '0')}`;
}

/** e.g. `Binding`, or `0x0ab` for unknown methods. */
export function stunMethodName(method: number): string {
  return METHOD_NAMES.get(method) ?? `0x${method.toString(16).padStart(3, '0')}`;
}

/** e.g. `success response`. */
export function stunClassName(messageClass: number): string {
  return CLASS_NAMES[messageClass & 3]!;
}
