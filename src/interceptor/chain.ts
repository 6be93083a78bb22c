import type { Interceptor, RTCPReader, RTCPWriter, RTPReader, RTPWriter, StreamInfo } from './interceptor.js';

/**
 * Several interceptors acting as one (Pion's interceptor.Chain). Each bind
 * call wraps in registration order, so the first registered interceptor sits
 * next to the transport and the last one next to the application: on the way
 * out the last one sees a packet first, on the way in the first one does.
 */
export class InterceptorChain implements Interceptor {
  readonly #interceptors: readonly Interceptor[];

  constructor(interceptors: readonly Interceptor[]) {
    this.#interceptors = [...interceptors];
  }

  get interceptors(): readonly Interceptor[] {
    return this.#interceptors;
  }

  bindRTCPReader(reader: RTCPReader): RTCPReader {
    for (const i of this.#interceptors) reader = i.bindRTCPReader(reader);
    return reader;
  }

  bindRTCPWriter(writer: RTCPWriter): RTCPWriter {
    for (const i of this.#interceptors) writer = i.bindRTCPWriter(writer);
    return writer;
  }

  bindLocalStream(info: StreamInfo, writer: RTPWriter): RTPWriter {
    for (const i of this.#interceptors) writer = i.bindLocalStream(info, writer);
    return writer;
  }

  unbindLocalStream(info: StreamInfo): void {
    for (const i of this.#interceptors) i.unbindLocalStream(info);
  }

  bindRemoteStream(info: StreamInfo, reader: RTPReader): RTPReader {
    for (const i of this.#interceptors) reader = i.bindRemoteStream(info, reader);
    return reader;
  }

  unbindRemoteStream(info: StreamInfo): void {
    for (const i of this.#interceptors) i.unbindRemoteStream(info);
  }

  /** Closes every interceptor, even when one throws; the first error is rethrown after. */
  close(): void {
    let first: unknown;
    for (const i of this.#interceptors) {
      try {
        i.close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }
}
