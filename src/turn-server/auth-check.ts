import type { ScopedLogger } from '../common/log.js';
import { StunAttr, StunErrorCode } from '../stun/constants.js';
import { buildErrorResponse } from '../stun/error-response.js';
import type { StunIntegrityKey } from '../stun/integrity-key.js';
import type { StunMessage } from '../stun/message.js';
import { formatAddress, type TransportAddress } from '../transport/net.js';
import type { AuthFailureLimiter, CredentialStore, NonceIssuer } from './auth.js';
import type { TurnServerCounters } from './turn-server-stats.js';

/** The outcome of the credential checks of one request. */
export type AuthVerdict =
  | { readonly kind: 'ok'; readonly username: string; readonly key: StunIntegrityKey }
  /** Answer with `response` (signed with `key` when given). */
  | { readonly kind: 'reply'; readonly response: StunMessage; readonly key?: StunIntegrityKey }
  /** Drop unanswered, counted under `reason`. */
  | { readonly kind: 'drop'; readonly reason: string; readonly detail: string };

/**
 * RFC 8489 §9.2.4: the long-term credential checks of a TURN request, in
 * order: MESSAGE-INTEGRITY present (else 401 with a fresh stateless nonce),
 * USERNAME/REALM/NONCE present (else 400), the source not rate-limited for
 * failures (else dropped), the nonce valid for this client (else 438), the
 * realm ours and the integrity right (else 401, counted as a failure), and
 * on an allocation, its owner (else 441, RFC 8656 §5).
 */
export class TurnAuthenticator {
  constructor(
    private readonly realm: string,
    private readonly creds: CredentialStore,
    private readonly nonces: NonceIssuer,
    private readonly limiter: AuthFailureLimiter,
    private readonly counters: TurnServerCounters,
    private readonly log: ScopedLogger,
  ) {}

  check(remote: TransportAddress, msg: StunMessage, owner: { readonly username: string; readonly key: StunIntegrityKey } | undefined, now: number): AuthVerdict {
    const client = formatAddress(remote);
    if (!msg.hasAttr(StunAttr.MessageIntegrity)) {
      this.counters.challenges++;
      return this.#challenge(msg, StunErrorCode.Unauthorized, client, now);
    }
    const username = msg.getUsername();
    const realm = msg.getRealm();
    const nonce = msg.getNonce();
    if (username === undefined || realm === undefined || nonce === undefined) {
      return { kind: 'reply', response: buildErrorResponse(msg, StunErrorCode.BadRequest, 'Bad Request') };
    }
    if (!this.limiter.allowed(remote.address, now)) return { kind: 'drop', reason: 'auth-rate-limited', detail: client };
    if (this.nonces.check(nonce, client, now) !== 'valid') return this.#challenge(msg, StunErrorCode.StaleNonce, client, now);
    if (realm !== this.realm) return this.#failed(remote, msg, client, now, 'auth-wrong-realm');
    let key = owner && owner.username === username ? owner.key : this.creds.keyFor(username, now);
    if (key !== undefined && !msg.verifyIntegrity(key)) {
      key = this.creds.alternateKeys(username, now).find((k) => msg.verifyIntegrity(k));
    }
    if (key === undefined) return this.#failed(remote, msg, client, now, 'auth-failed');
    if (owner && owner.username !== username) {
      return { kind: 'reply', response: buildErrorResponse(msg, StunErrorCode.WrongCredentials, 'Wrong Credentials'), key };
    }
    return { kind: 'ok', username, key };
  }

  #failed(remote: TransportAddress, msg: StunMessage, client: string, now: number, reason: string): AuthVerdict {
    this.counters.authFailures++;
    this.limiter.failed(remote.address, now);
    if (this.log.debugEnabled) this.log.debug(`${reason} from ${client} user ${msg.getUsername() ?? '-'}`);
    return this.#challenge(msg, StunErrorCode.Unauthorized, client, now);
  }

  #challenge(msg: StunMessage, code: number, client: string, now: number): AuthVerdict {
    const response = buildErrorResponse(msg, code, code === StunErrorCode.StaleNonce ? 'Stale Nonce' : 'Unauthorized', {
      realm: this.realm,
      nonce: this.nonces.issue(client, now),
    });
    return { kind: 'reply', response };
  }
}
