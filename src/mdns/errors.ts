import { TernError } from '../common/errors.js';

/** A malformed DNS message from the network; the only error the decoders throw. */
export class MdnsDecodeError extends TernError {
  constructor(message: string) {
    super('ERR_MDNS_DECODE', message);
  }
}

/**
 * mDNS API errors: `ERR_MDNS_TIMEOUT` (no answer in time), `ERR_MDNS_CLOSED`,
 * `ERR_MDNS_SOCKET` (the multicast socket could not be opened),
 * `ERR_MDNS_INVALID_NAME`, `ERR_MDNS_INVALID_ADDRESS`, `ERR_MDNS_LIMIT`.
 */
export class MdnsError extends TernError {}
