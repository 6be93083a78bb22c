import { StunErrorCode } from '../stun/constants.js';
import type { StunMessage } from '../stun/message.js';
import { formatAddress } from '../transport/net.js';
import { TurnError } from './errors.js';
import { TurnRequests, type PendingRequest } from './turn-requests.js';

/** Typed errors for failed TURN requests. */

export function describeRequest(p: PendingRequest): string {
  switch (p.kind) {
    case 'allocate':
      return 'Allocate';
    case 'refresh':
      return `Refresh (lifetime ${p.lifetimeSec ?? 'default'})`;
    case 'permission':
      return `CreatePermission for ${p.permission?.address ?? '?'}`;
    case 'channel':
      return `ChannelBind for ${p.channel ? formatAddress(p.channel.peer) : '?'}`;
  }
}

export function stunCodeOf(e: TurnError): { stunCode?: number } {
  return e.stunCode === undefined ? {} : { stunCode: e.stunCode };
}

export function toTurnError(err: unknown): TurnError {
  if (err instanceof TurnError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TurnError('ERR_TURN_LIMIT', message, { cause: err });
}

/** Maps an error response to the typed error of the operation it answered. */
export function errorFor(p: PendingRequest, code: number, reason: string, msg: StunMessage): TurnError {
  const what = `${describeRequest(p)}: ${code} ${reason}`.trim();
  if (code === StunErrorCode.Unauthorized) {
    return new TurnError('ERR_TURN_AUTH', `TURN authentication failed (wrong username or password?): ${what}`, {
      stunCode: code,
    });
  }
  if (code === StunErrorCode.TryAlternate && p.kind === 'allocate') {
    const alternate = TurnRequests.alternateServer(msg);
    if (alternate) {
      return new TurnError('ERR_TURN_REDIRECT', `redirected to ${formatAddress(alternate)}`, {
        stunCode: code,
        alternateServer: alternate,
      });
    }
  }
  switch (p.kind) {
    case 'allocate':
      return new TurnError('ERR_TURN_ALLOCATION', `TURN ${what}`, { stunCode: code });
    case 'refresh':
      return new TurnError('ERR_TURN_ALLOCATION_LOST', `TURN ${what}`, { stunCode: code });
    case 'permission':
      return new TurnError('ERR_TURN_PERMISSION', `TURN ${what}`, { stunCode: code });
    case 'channel':
      return new TurnError('ERR_TURN_CHANNEL', `TURN ${what}`, { stunCode: code });
  }
}
