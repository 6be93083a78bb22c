import { getLogger } from '../../common/log.js';
import { lazyNativeModule, type NativeModuleStatus } from '../../common/native-module.js';

/** An open native UDP socket (opaque). */
export type NativeUdpHandle = { readonly __nativeUdpHandle: unique symbol };

/**
 * The optional batched UDP sockets (native/udp/tern_udp.c, Linux). Received
 * datagrams arrive a batch per call: back to back in `data`, described by
 * the first `count` rows of the shared {@link NativeUdp.meta} table, which
 * is valid only during the call. Rows are {@link NativeUdp.metaSize} bytes,
 * little-endian: u32 length, u8 family (4 or 6), one unused byte, u16 port,
 * 16 address bytes (IPv4 in the first four). `send` takes the same layout.
 */
export interface NativeUdp {
  /** Binds; throws an Error with `code` (EADDRINUSE, EADDRNOTAVAIL, ...) when it cannot. */
  open(
    family: 4 | 6,
    address: string,
    port: number,
    onRecv: (data: Buffer, count: number) => void,
    onWritable: () => void,
  ): [NativeUdpHandle, number];
  /** Sends `count` datagrams; returns how many were consumed (fewer: buffer full, `onWritable` follows). */
  send(handle: NativeUdpHandle, data: Uint8Array, meta: Uint8Array, count: number): number;
  close(handle: NativeUdpHandle): void;
  /** [truncated datagrams, receive errors, send errors]. */
  stats(handle: NativeUdpHandle): [number, number, number];
  /** Sockets of this thread not yet closed. */
  openCount(): number;
  /** The receive metadata table. */
  meta(): Buffer;
  /** Datagrams per system call. */
  readonly batch: number;
  /** Bytes per metadata row. */
  readonly metaSize: number;
}

/** Whether UDP runs on the native batched sockets, and if not, why. */
export type NativeUdpStatus = NativeModuleStatus;

const sockets = lazyNativeModule<NativeUdp>(
  {
    file: 'tern_udp.node',
    disableEnv: 'TERN_UDP_NATIVE',
    pathEnv: 'TERN_UDP_NATIVE_PATH',
    fromUrl: import.meta.url,
    platforms: ['linux'],
  },
  getLogger('net'),
  { what: 'UDP sockets', native: 'native batched I/O', fallback: 'node:dgram' },
);

/** The native UDP sockets, or undefined when not built, disabled or not for this platform. */
export function nativeUdp(): NativeUdp | undefined {
  return sockets.binding();
}

/** Whether UDP sockets use the native batched I/O in this process, and if not, why. */
export function nativeUdpStatus(): NativeUdpStatus {
  return sockets.status();
}

/** Native UDP sockets of this thread not yet closed (0 without the module): what leak checks count. */
export function nativeUdpOpenSockets(): number {
  return sockets.loadedBinding()?.openCount() ?? 0;
}
