import { TernError } from '../common/errors.js';

/**
 * Errors of the peer-connection API carry the W3C DOMException names
 * (`InvalidStateError`, ...) as `name`, plus a stable tern `code`.
 */
export class PeerConnectionError extends TernError {
  constructor(name: string, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = name;
  }
}

export class InvalidStateError extends PeerConnectionError {
  constructor(message: string) {
    super('InvalidStateError', 'ERR_PC_INVALID_STATE', message);
  }
}

export class InvalidAccessError extends PeerConnectionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidAccessError', 'ERR_PC_INVALID_ACCESS', message, options);
  }
}

export class InvalidModificationError extends PeerConnectionError {
  constructor(message: string) {
    super('InvalidModificationError', 'ERR_PC_INVALID_MODIFICATION', message);
  }
}

/** W3C SyntaxError: e.g. an ICE server URL that does not parse. */
export class IceServerSyntaxError extends PeerConnectionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SyntaxError', 'ERR_PC_SYNTAX', message, options);
  }
}

/** WebIDL TypeError: a value outside its enum or of the wrong type. */
export class RTCTypeError extends PeerConnectionError {
  constructor(message: string) {
    super('TypeError', 'ERR_PC_TYPE', message);
  }
}

export class OperationError extends PeerConnectionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OperationError', 'ERR_PC_OPERATION', message, options);
  }
}

/**
 * An argument of the wrong type (W3C/WebIDL `TypeError`), naming the
 * argument (`candidate.candidate`, `packets[2]`, `track`).
 */
export class ArgumentTypeError extends PeerConnectionError {
  readonly argument: string;

  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super('TypeError', 'ERR_PC_ARGUMENT_TYPE', `${argument}: ${message}`, options);
    this.argument = argument;
  }
}

/** An argument of the right type but outside what can be sent (`RangeError`), e.g. an RTP packet over the MTU. */
export class ArgumentRangeError extends PeerConnectionError {
  readonly argument: string;

  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super('RangeError', 'ERR_PC_ARGUMENT_RANGE', `${argument}: ${message}`, options);
    this.argument = argument;
  }
}
