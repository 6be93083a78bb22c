import { isIP } from 'node:net';
import { InvalidArgumentError } from '../common/errors.js';
import { CandidateParseError } from './candidate-parse-error.js';
import type { CandidateInit } from './candidate-fields.js';
import { checkCandidateInit, isMdnsHostname, normalizeAddress } from './candidate-fields.js';
import { formatCandidateLine, parseCandidateLine } from './candidate-line.js';
import type { CandidateTransport, CandidateType, TcpType } from './candidate-type.js';

/** Changes for {@link Candidate.with}; an explicit `undefined` removes an optional field. */
export type CandidateChanges = { [K in keyof CandidateInit]?: CandidateInit[K] | undefined };

const OPTIONAL_KEYS = [
  'relatedAddress',
  'relatedPort',
  'tcpType',
  'generation',
  'ufrag',
  'networkId',
  'networkCost',
  'extensions',
] as const;

/**
 * An ICE candidate (RFC 8445 §5.1), an immutable value. Parsed from and
 * written as the SDP `candidate:` attribute (RFC 8839 §5.1, RFC 6544 for TCP).
 */
export class Candidate implements CandidateInit {
  readonly foundation: string;
  readonly component: number;
  readonly transport: CandidateTransport;
  readonly priority: number;
  readonly address: string;
  readonly port: number;
  readonly type: CandidateType;
  // Optional fields are `declare`d so an absent one is absent (not an own `undefined`).
  declare readonly relatedAddress?: string;
  declare readonly relatedPort?: number;
  declare readonly tcpType?: TcpType;
  declare readonly generation?: number;
  declare readonly ufrag?: string;
  declare readonly networkId?: number;
  declare readonly networkCost?: number;
  declare readonly extensions?: ReadonlyArray<readonly [string, string]>;
  #key: string | undefined;
  #line: string | undefined;

  /** Throws {@link InvalidArgumentError} when a field is out of range or malformed. */
  constructor(init: CandidateInit) {
    const problem = checkCandidateInit(init);
    if (problem !== undefined) throw new InvalidArgumentError(`invalid candidate: ${problem}`);
    this.foundation = init.foundation;
    this.component = init.component;
    this.transport = init.transport;
    this.priority = init.priority;
    this.address = normalizeAddress(init.address);
    this.port = init.port;
    this.type = init.type;
    if (init.relatedAddress !== undefined) this.relatedAddress = normalizeAddress(init.relatedAddress);
    if (init.relatedPort !== undefined) this.relatedPort = init.relatedPort;
    if (init.tcpType !== undefined) this.tcpType = init.tcpType;
    if (init.generation !== undefined) this.generation = init.generation;
    if (init.ufrag !== undefined) this.ufrag = init.ufrag;
    if (init.networkId !== undefined) this.networkId = init.networkId;
    if (init.networkCost !== undefined) this.networkCost = init.networkCost;
    if (init.extensions !== undefined && init.extensions.length > 0) {
      this.extensions = Object.freeze(init.extensions.map(([n, v]) => Object.freeze([n, v] as const)));
    }
    Object.freeze(this);
  }

  /**
   * Parses `a=candidate:...`, `candidate:...` (or the bare value). Throws only
   * {@link CandidateParseError}, whose message names the offending field.
   */
  static parse(line: string): Candidate {
    const init = parseCandidateLine(line);
    const problem = checkCandidateInit(init);
    if (problem !== undefined) throw new CandidateParseError(problem);
    return new Candidate(init);
  }

  /** The attribute value, `candidate:...` (without `a=`). */
  toString(): string {
    this.#line ??= formatCandidateLine(this);
    return this.#line;
  }

  toJSON(): string {
    return this.toString();
  }

  /** True when the address is an mDNS `.local` name that must be resolved before use. */
  get isMdns(): boolean {
    return isMdnsHostname(this.address);
  }

  /** IP family of the address; undefined for hostnames (mDNS). */
  get family(): 4 | 6 | undefined {
    const f = isIP(this.address);
    return f === 4 ? 4 : f === 6 ? 6 : undefined;
  }

  /** Identity of the transport address: transport/address/port/type (+tcpType). */
  get key(): string {
    this.#key ??= `${this.transport}|${this.address}|${this.port}|${this.type}${this.tcpType ? `|${this.tcpType}` : ''}`;
    return this.#key;
  }

  /** A copy with `changes` applied; `undefined` removes an optional field. */
  with(changes: CandidateChanges): Candidate {
    const init: Record<string, unknown> = { ...this.toInit() };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) {
        if ((OPTIONAL_KEYS as readonly string[]).includes(k)) delete init[k];
      } else {
        init[k] = v;
      }
    }
    return new Candidate(init as unknown as CandidateInit);
  }

  /** The fields as a plain object. */
  toInit(): CandidateInit {
    const init: CandidateInit = {
      foundation: this.foundation,
      component: this.component,
      transport: this.transport,
      priority: this.priority,
      address: this.address,
      port: this.port,
      type: this.type,
    };
    if (this.relatedAddress !== undefined) init.relatedAddress = this.relatedAddress;
    if (this.relatedPort !== undefined) init.relatedPort = this.relatedPort;
    if (this.tcpType !== undefined) init.tcpType = this.tcpType;
    if (this.generation !== undefined) init.generation = this.generation;
    if (this.ufrag !== undefined) init.ufrag = this.ufrag;
    if (this.networkId !== undefined) init.networkId = this.networkId;
    if (this.networkCost !== undefined) init.networkCost = this.networkCost;
    if (this.extensions !== undefined) init.extensions = this.extensions;
    return init;
  }

  /** Same fields (the written line is canonical, so comparing it compares every field). */
  equals(other: Candidate): boolean {
    return this === other || this.toString() === other.toString();
  }
}
