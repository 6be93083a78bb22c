import type { DropCounter } from '../common/drop-counter.js';
import type { ScopedLogger } from '../common/log.js';
import type { Rng } from '../common/rng.js';
import { StunClass, StunErrorCode } from '../stun/constants.js';
import { newTransactionId } from '../stun/credentials.js';
import type { StunMessage } from '../stun/message.js';
import type { StunRetransmitConfig, StunTransactionCore } from '../stun/transaction-core.js';
import type { TransportAddress } from '../transport/net.js';
import type { ChannelEntry, PermissionEntry } from './peer-tables.js';
import {
  buildAllocate,
  buildChannelBind,
  buildCreatePermission,
  buildRefresh,
  encodeRequest,
  encodeSendIndication,
  getAlternateServer,
  transactionKey,
} from './turn-messages.js';
import { authFromChallenge, checkResponseIntegrity, type LongTermAuth } from './long-term-auth.js';

export type TurnRequestKind = 'allocate' | 'refresh' | 'permission' | 'channel';

/** A request in flight, and what it was for. */
export interface PendingRequest {
  readonly kind: TurnRequestKind;
  readonly transactionId: Buffer;
  /** Credentials it was signed with (undefined: sent without, to learn REALM and NONCE). */
  readonly auth: LongTermAuth | undefined;
  /** 438 answers already retried (RFC 8489 §9.2.5). */
  readonly staleRetries: number;
  readonly lifetimeSec?: number | undefined;
  readonly permission?: PermissionEntry | undefined;
  readonly channel?: ChannelEntry | undefined;
}

export type RequestSpec = Omit<PendingRequest, 'transactionId' | 'auth' | 'staleRetries'>;

export interface TurnRequestsOptions {
  transactions: StunTransactionCore<string>;
  rng: Rng;
  server: TransportAddress;
  username: string;
  password: string;
  lifetimeSec: number | undefined;
  family: 4 | 6 | undefined;
  software: string | undefined;
  log: ScopedLogger;
  drops: DropCounter;
}

/**
 * The request side of the TURN client: long-term credential state (REALM,
 * NONCE, key), building and signing requests, STUN client transactions, the
 * response integrity check of RFC 8489 §9.2.5, and the queue of bytes for the
 * server.
 */
export class TurnRequests {
  readonly #o: TurnRequestsOptions;
  readonly #pending = new Map<string, PendingRequest>();
  readonly #out: Buffer[] = [];
  #auth: LongTermAuth | undefined;
  #dirty = false;

  constructor(options: TurnRequestsOptions) {
    this.#o = options;
  }

  /** REALM learned from the server, once known. */
  get realm(): string | undefined {
    return this.#auth?.realm;
  }

  /** LIFETIME asked for in Allocate and Refresh requests. */
  get lifetimeSec(): number | undefined {
    return this.#o.lifetimeSec;
  }

  /** Something was queued or a transaction started since the last {@link pollTimeout}. */
  get dirty(): boolean {
    return this.#dirty;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Sends a request of `spec.kind` in a new transaction, signed with the
   * current credentials when the server's REALM and NONCE are known.
   * Throws only when the transaction limit is reached.
   */
  issue(now: number, spec: RequestSpec, staleRetries: number, overrides?: StunRetransmitConfig): void {
    const transactionId = newTransactionId(this.#o.rng);
    const msg = this.#build(transactionId, spec);
    const auth = this.#auth;
    const bytes = encodeRequest(msg, auth);
    const key = transactionKey(transactionId);
    this.#o.transactions.start(now, bytes, transactionId, this.#o.server, key, overrides);
    const p: PendingRequest = {
      kind: spec.kind,
      transactionId,
      auth,
      staleRetries,
      lifetimeSec: spec.lifetimeSec,
      permission: spec.permission,
      channel: spec.channel,
    };
    this.#pending.set(key, p);
    this.#dirty = true;
    if (this.#o.log.traceEnabled) {
      this.#o.log.trace(`-> ${spec.kind} request ${key}${auth ? '' : ' (unauthenticated)'}`);
    }
  }

  #build(transactionId: Buffer, spec: RequestSpec): StunMessage {
    switch (spec.kind) {
      case 'allocate':
        return buildAllocate(transactionId, {
          lifetimeSec: this.#o.lifetimeSec,
          family: this.#o.family,
          software: this.#o.software,
        });
      case 'refresh':
        return buildRefresh(transactionId, spec.lifetimeSec);
      case 'permission':
        return buildCreatePermission(transactionId, spec.permission!.peer);
      case 'channel':
        return buildChannelBind(transactionId, spec.channel!.channel, spec.channel!.peer);
    }
  }

  /**
   * Matches a response to its request and checks it, RFC 8489 §9.2.5: a
   * response to a signed request must carry a MESSAGE-INTEGRITY that verifies
   * with the same key, or it is discarded as if never received (so
   * retransmissions go on). Exceptions: 401 and 438 (they announce new
   * credentials state and cannot be signed with a key the server rejects),
   * and other error responses without integrity, which Pion's TURN server
   * sends for every failure (coturn signs them): discarding them would turn
   * a clear refusal into a 39.5 s timeout. They only fail the one request
   * they answer; no credential or allocation state is taken from them.
   */
  accept(now: number, msg: StunMessage): PendingRequest | undefined {
    const key = transactionKey(msg.transactionId);
    const p = this.#pending.get(key);
    if (!p) {
      this.#o.drops.drop('unknown-transaction');
      return undefined;
    }
    if (p.auth) {
      const integrity = checkResponseIntegrity(msg, p.auth);
      if (integrity === 'invalid') {
        this.#o.drops.drop('bad-integrity');
        return undefined;
      }
      if (integrity === 'absent') {
        if (msg.messageClass === StunClass.SuccessResponse) {
          this.#o.drops.drop('missing-integrity');
          return undefined;
        }
        const code = msg.getErrorCode()?.code;
        if (code !== StunErrorCode.Unauthorized && code !== StunErrorCode.StaleNonce && this.#o.log.traceEnabled) {
          this.#o.log.trace(`error response ${code ?? '?'} to ${p.kind} without MESSAGE-INTEGRITY`);
        }
      }
    }
    this.#pending.delete(key);
    this.#o.transactions.handleResponse(now, msg);
    if (this.#o.log.traceEnabled) {
      const err = msg.getErrorCode();
      this.#o.log.trace(`<- ${p.kind} ${err ? `error ${err.code} ${err.reason}` : 'success'} ${key}`);
    }
    return p;
  }

  /**
   * Takes REALM and NONCE (and any RFC 8489 security features) from a 401 or
   * 438 response (RFC 8489 §9.2.5) and derives the key. False when the
   * response gives nothing the client can retry with.
   */
  learnNonce(msg: StunMessage): boolean {
    const auth = authFromChallenge(msg, this.#o.username, this.#o.password, this.#auth);
    if (!auth) return false;
    this.#auth = auth;
    return true;
  }

  /** Advances the transactions; returns the requests that timed out. */
  handleTimeout(now: number): PendingRequest[] {
    this.#o.transactions.handleTimeout(now);
    const timedOut: PendingRequest[] = [];
    for (let e = this.#o.transactions.pollEvent(); e; e = this.#o.transactions.pollEvent()) {
      const p = this.#pending.get(e.ctx);
      if (!p) continue;
      this.#pending.delete(e.ctx);
      timedOut.push(p);
    }
    return timedOut;
  }

  /** RFC 8656 §10.1: a Send indication (a fresh transaction ID, no integrity). */
  sendIndication(peer: TransportAddress, data: Uint8Array): Buffer {
    return encodeSendIndication(newTransactionId(this.#o.rng), peer, data);
  }

  queueTransmit(bytes: Buffer): void {
    this.#out.push(bytes);
    this.#dirty = true;
  }

  pollTransmit(): Buffer | undefined {
    if (this.#out.length > 0) return this.#out.shift();
    return this.#o.transactions.pollTransmit()?.data;
  }

  pollTimeout(): number | undefined {
    this.#dirty = false;
    return this.#o.transactions.pollTimeout();
  }

  /** Cancels every request in flight and forgets queued bytes. */
  clear(): void {
    this.#o.transactions.clear();
    this.#pending.clear();
    this.#out.length = 0;
    this.#dirty = true;
  }

  static alternateServer(msg: StunMessage): TransportAddress | undefined {
    return getAlternateServer(msg);
  }
}
