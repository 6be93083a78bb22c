import { InvalidArgumentError, TernError } from '../common/errors.js';

/** A STUN message (or one of its attributes) is malformed. The only error decoders throw. */
export class StunDecodeError extends TernError {
  constructor(message: string) {
    super('ERR_STUN_DECODE', message);
  }
}

/** A `stun:`/`stuns:`/`turn:`/`turns:` URI (RFC 7064 / RFC 7065) is malformed. */
export class IceServerUriError extends InvalidArgumentError {
  readonly uri: string;

  constructor(uri: string, reason: string) {
    super(`invalid ICE server URI ${JSON.stringify(uri)}: ${reason}`);
    this.uri = uri;
  }
}

/** More client transactions than `maxPending` are outstanding. */
export class StunTransactionLimitError extends TernError {
  constructor(maxPending: number) {
    super('ERR_STUN_TOO_MANY_TRANSACTIONS', `more than ${maxPending} STUN transactions pending`);
  }
}
