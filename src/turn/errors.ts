import { TernError } from '../common/errors.js';
import type { TransportAddress } from '../transport/net.js';

/** Stable codes of {@link TurnError}. */
export type TurnErrorCode =
  /** Wrong username or password: the server answered 401 to an authenticated request. */
  | 'ERR_TURN_AUTH'
  /** The server refused the Allocate request (403, 437, 440, 442, 486, 508, ...). */
  | 'ERR_TURN_ALLOCATION'
  /** The allocation expired or the server no longer knows it (refresh failed). */
  | 'ERR_TURN_ALLOCATION_LOST'
  /** A request got no response within the STUN transaction timeout. */
  | 'ERR_TURN_TIMEOUT'
  /** CreatePermission was refused. */
  | 'ERR_TURN_PERMISSION'
  /** ChannelBind was refused, or no channel number is left. */
  | 'ERR_TURN_CHANNEL'
  /** The server redirected the client (300 ALTERNATE-SERVER); `alternateServer` says where. */
  | 'ERR_TURN_REDIRECT'
  /** The server could not be reached (connect, TLS handshake or DNS failure). */
  | 'ERR_TURN_CONNECT'
  /** A bounded table (permissions, channels, pending requests) is full. */
  | 'ERR_TURN_LIMIT'
  /** The allocation or relay is closed. */
  | 'ERR_TURN_CLOSED';

/** Errors of the TURN client, with the STUN error code of the response when there was one. */
export class TurnError extends TernError {
  declare readonly code: TurnErrorCode;
  /** ERROR-CODE of the server's response (e.g. 401, 403, 486), when the error came from one. */
  readonly stunCode: number | undefined;
  /** ALTERNATE-SERVER of a 300 response (code `ERR_TURN_REDIRECT`). */
  readonly alternateServer: TransportAddress | undefined;

  constructor(
    code: TurnErrorCode,
    message: string,
    options?: { cause?: unknown; stunCode?: number; alternateServer?: TransportAddress },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.stunCode = options?.stunCode;
    this.alternateServer = options?.alternateServer;
  }
}
