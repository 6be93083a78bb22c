import { InvalidArgumentError } from '../common/errors.js';
import { getLogger, type ScopedLogger } from '../common/log.js';
import type { TransportAddress } from '../transport/net.js';
import { StunClass, TRANSACTION_ID_LENGTH } from './constants.js';
import { StunTransactionLimitError } from './errors.js';
import type { StunMessage } from './message.js';

/** RFC 8489 §6.2.1: initial RTO, "SHOULD be greater than or equal to 500 ms". */
export const DEFAULT_STUN_RTO_MS = 500;
/** RFC 8489 §6.2.1: Rc, the number of requests sent before giving up. */
export const DEFAULT_STUN_RC = 7;
/** RFC 8489 §6.2.1: Rm, the last wait in multiples of the initial RTO. */
export const DEFAULT_STUN_RM = 16;
/** RFC 8489 §6.2.2: Ti, the transaction timeout over reliable transports. */
export const DEFAULT_STUN_RELIABLE_TIMEOUT_MS = 39_500;
/** Bound on concurrent client transactions (peer-driven work must be bounded). */
export const DEFAULT_STUN_MAX_PENDING = 1024;

export interface StunRetransmitConfig {
  /** Initial retransmission timeout (ms), doubled after every retransmission. Default 500. */
  rtoMs?: number;
  /** Total number of sends over unreliable transports. Default 7. */
  rc?: number;
  /** The final wait after the last send is `rm × rtoMs`. Default 16. */
  rm?: number;
  /** Reliable transport (TCP/TLS): one send, timeout after `reliableTimeoutMs`. */
  reliable?: boolean;
  /** Ti for reliable transports (ms). Default 39 500. */
  reliableTimeoutMs?: number;
}

export interface StunTransmit {
  data: Buffer;
  destination: TransportAddress;
  transactionId: Buffer;
}

export interface StunTransactionTimeout<Ctx> {
  type: 'timeout';
  transactionId: Buffer;
  ctx: Ctx;
}

export interface StunTransactionResult<Ctx> {
  ctx: Ctx;
  destination: TransportAddress;
  /** Time since the first send. */
  rttMs: number;
  /** True when the request was sent more than once (the RTT is then ambiguous, RFC 8489 §6.2.1 / Karn). */
  retransmitted: boolean;
}

interface Pending<Ctx> {
  readonly key: string;
  readonly transactionId: Buffer;
  readonly request: Buffer;
  readonly method: number;
  readonly destination: TransportAddress;
  readonly ctx: Ctx;
  readonly startedAt: number;
  readonly rc: number;
  readonly finalWaitMs: number;
  readonly reliable: boolean;
  rtoMs: number;
  sends: number;
  deadline: number;
}

function txKey(id: Buffer): string {
  return id.toString('latin1');
}

function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return v;
}

/**
 * Sans-IO STUN client transactions (RFC 8489 §6.2): sends the request,
 * retransmits it on unreliable transports at RTO, 2·RTO, 4·RTO … after the
 * previous send (Rc sends in all), and reports a timeout `Rm × RTO` after the
 * last one; over reliable transports it sends once and times out after Ti.
 * With the defaults the sends are at 0, 500, 1500, 3500, 7500, 15500, 31500 ms
 * and the timeout at 39 500 ms.
 *
 * Fed `now` (ms) with every call; output is pulled with `pollTransmit`,
 * `pollEvent` and `pollTimeout`. Responses are matched by transaction ID and
 * method (RFC 8489 §6.3.3); unmatched ones are left to the caller.
 */
export class StunTransactionCore<Ctx = unknown> {
  readonly #defaults: Required<StunRetransmitConfig>;
  readonly #maxPending: number;
  readonly #log: ScopedLogger;
  readonly #pending = new Map<string, Pending<Ctx>>();
  #transmits: StunTransmit[] = [];
  #events: StunTransactionTimeout<Ctx>[] = [];

  constructor(config: StunRetransmitConfig & { maxPending?: number; logger?: ScopedLogger } = {}) {
    this.#log = config.logger ?? getLogger('stun');
    this.#defaults = {
      rtoMs: positive('rtoMs', config.rtoMs, DEFAULT_STUN_RTO_MS),
      rc: Math.floor(positive('rc', config.rc, DEFAULT_STUN_RC)),
      rm: positive('rm', config.rm, DEFAULT_STUN_RM),
      reliable: config.reliable ?? false,
      reliableTimeoutMs: positive('reliableTimeoutMs', config.reliableTimeoutMs, DEFAULT_STUN_RELIABLE_TIMEOUT_MS),
    };
    this.#maxPending = Math.floor(positive('maxPending', config.maxPending, DEFAULT_STUN_MAX_PENDING));
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Starts a transaction and queues the first send. Throws
   * StunTransactionLimitError beyond `maxPending`, InvalidArgumentError for a
   * duplicate or malformed transaction ID.
   */
  start(
    now: number,
    request: Buffer,
    transactionId: Buffer,
    destination: TransportAddress,
    ctx: Ctx,
    overrides: StunRetransmitConfig = {},
  ): void {
    if (transactionId.length !== TRANSACTION_ID_LENGTH) throw new InvalidArgumentError('transaction ID must be 12 bytes');
    if (request.length < 20) throw new InvalidArgumentError('request is not a STUN message');
    const key = txKey(transactionId);
    if (this.#pending.has(key)) throw new InvalidArgumentError('duplicate STUN transaction ID');
    if (this.#pending.size >= this.#maxPending) throw new StunTransactionLimitError(this.#maxPending);
    const d = this.#defaults;
    const rtoMs = positive('rtoMs', overrides.rtoMs, d.rtoMs);
    const reliable = overrides.reliable ?? d.reliable;
    const rc = Math.floor(positive('rc', overrides.rc, d.rc));
    const rm = positive('rm', overrides.rm, d.rm);
    const type = request.readUInt16BE(0);
    const p: Pending<Ctx> = {
      key,
      transactionId: Buffer.from(transactionId),
      request,
      method: (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2),
      destination,
      ctx,
      startedAt: now,
      rc: reliable ? 1 : rc,
      // RFC 8489 §6.2.1: wait Rm times the (initial) RTO after the last request.
      finalWaitMs: reliable ? positive('reliableTimeoutMs', overrides.reliableTimeoutMs, d.reliableTimeoutMs) : rm * rtoMs,
      reliable,
      rtoMs,
      sends: 0,
      deadline: now,
    };
    this.#pending.set(key, p);
    if (this.#log.traceEnabled) {
      this.#log.trace(
        `transaction ${p.transactionId.toString('hex')} start method 0x${p.method.toString(16)} to ${destination.address}:${destination.port}` +
          (reliable ? ` (reliable, Ti ${p.finalWaitMs} ms)` : ` (RTO ${rtoMs} ms, Rc ${p.rc}, Rm ${rm})`),
      );
    }
    this.#send(now, p);
  }

  /**
   * Completes the transaction `response` answers (success or error class,
   * same method). Returns undefined when it matches none.
   */
  handleResponse(now: number, response: StunMessage): StunTransactionResult<Ctx> | undefined {
    if (response.messageClass !== StunClass.SuccessResponse && response.messageClass !== StunClass.ErrorResponse) {
      return undefined;
    }
    const key = txKey(response.transactionId);
    const p = this.#pending.get(key);
    if (p === undefined || p.method !== response.method) return undefined;
    this.#remove(p);
    if (this.#log.traceEnabled) {
      this.#log.trace(`transaction ${p.transactionId.toString('hex')} answered after ${now - p.startedAt} ms, ${p.sends} send(s)`);
    }
    return { ctx: p.ctx, destination: p.destination, rttMs: now - p.startedAt, retransmitted: p.sends > 1 };
  }

  /** Retransmits and times out whatever is due at `now`. */
  handleTimeout(now: number): void {
    for (const p of this.#pending.values()) {
      if (p.deadline > now) continue;
      if (p.sends < p.rc) {
        // RFC 8489 §6.2.1: the RTO doubles after each retransmission.
        p.rtoMs *= 2;
        this.#send(now, p);
        if (this.#log.traceEnabled) {
          this.#log.trace(`transaction ${p.transactionId.toString('hex')} retransmit ${p.sends}/${p.rc}, next deadline ${p.deadline}`);
        }
      } else {
        this.#remove(p);
        if (this.#log.debugEnabled) {
          this.#log.debug(`transaction ${p.transactionId.toString('hex')} timed out after ${now - p.startedAt} ms`);
        }
        this.#events.push({ type: 'timeout', transactionId: p.transactionId, ctx: p.ctx });
      }
    }
  }

  pollTransmit(): StunTransmit | undefined {
    return this.#transmits.shift();
  }

  pollEvent(): StunTransactionTimeout<Ctx> | undefined {
    return this.#events.shift();
  }

  /** Absolute time (ms) of the next retransmission or timeout; undefined when idle. */
  pollTimeout(): number | undefined {
    let next: number | undefined;
    for (const p of this.#pending.values()) if (next === undefined || p.deadline < next) next = p.deadline;
    return next;
  }

  /** Forgets a transaction (no timeout event; queued sends of it are dropped). */
  cancel(transactionId: Buffer): void {
    const p = this.#pending.get(txKey(transactionId));
    if (p !== undefined) this.#remove(p);
  }

  /** Forgets every transaction and queued output. */
  clear(): void {
    this.#pending.clear();
    this.#transmits = [];
    this.#events = [];
  }

  #send(now: number, p: Pending<Ctx>): void {
    p.sends++;
    p.deadline = p.sends < p.rc ? now + p.rtoMs : now + p.finalWaitMs;
    this.#transmits.push({ data: p.request, destination: p.destination, transactionId: p.transactionId });
  }

  #remove(p: Pending<Ctx>): void {
    this.#pending.delete(p.key);
    if (this.#transmits.length > 0) this.#transmits = this.#transmits.filter((t) => t.transactionId !== p.transactionId);
  }
}
