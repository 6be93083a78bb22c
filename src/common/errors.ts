/**
 * Every error tern-rtc throws at an API caller carries a stable `code`
 * (e.g. `ERR_STUN_BAD_INTEGRITY`) so callers can branch on it without
 * parsing messages. Modules subclass `TernError` for their own family.
 */
export class TernError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Invalid argument or call made through the public API. */
export class InvalidArgumentError extends TernError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_ARGUMENT', message, options);
  }
}

/** An operation on an object that has already been closed. */
export class ClosedError extends TernError {
  constructor(what: string) {
    super('ERR_CLOSED', `${what} is closed`);
  }
}

/** An operation that did not finish in time. */
export class TimeoutError extends TernError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}
