/**
 * Wire constants and defaults of the TURN client, with their sources.
 */

/** RFC 8656 §18: REQUESTED-TRANSPORT protocol number for UDP (IANA protocol 17). */
export const TRANSPORT_UDP = 17;

/** RFC 8656 §12: channel numbers 0x4000 through 0x4FFF may be bound to peers. */
export const CHANNEL_MIN = 0x4000;
export const CHANNEL_MAX = 0x4fff;

/** RFC 8656 §12.4: the ChannelData header is 4 bytes (channel number, length). */
export const CHANNEL_DATA_HEADER_BYTES = 4;

/** RFC 8489 §5: the STUN header is 20 bytes. */
export const STUN_HEADER_BYTES = 20;

/** RFC 8656 §3.6 / §7.2: default allocation lifetime, 10 minutes. */
export const DEFAULT_ALLOCATION_LIFETIME_SEC = 600;

/** RFC 8656 §9: a permission lasts 300 seconds unless refreshed. */
export const PERMISSION_LIFETIME_MS = 300_000;

/** Refresh permissions after 4 minutes, a minute before they lapse (RFC 8656 §9 leaves the margin to the client). */
export const PERMISSION_REFRESH_MS = 240_000;

/** RFC 8656 §12: a channel binding lasts 10 minutes unless refreshed. */
export const CHANNEL_LIFETIME_MS = 600_000;

/**
 * Refresh channel bindings after 4 minutes, like permissions: RFC 8656 §12.2 makes a
 * ChannelBind refresh also refresh the peer's permission, which lapses after 5 minutes,
 * so a channel refreshed only before its own 10-minute expiry would lose its permission.
 */
export const CHANNEL_REFRESH_MS = 240_000;

/** Refresh the allocation this long before it expires (for lifetimes of at least twice this). */
export const ALLOCATION_REFRESH_MARGIN_MS = 60_000;

/** A failed refresh (timeout) is retried after this delay while the allocation has not expired. */
export const REFRESH_RETRY_DELAY_MS = 5_000;

/** How many 438 (Stale Nonce) answers one request may get before it fails. */
export const MAX_STALE_NONCE_RETRIES = 3;

/** Default bound on permissions (distinct peer IPs) per allocation. */
export const DEFAULT_MAX_PERMISSIONS = 256;

/** Default bound on channel bindings per allocation (the RFC range has 4096). */
export const DEFAULT_MAX_CHANNELS = 256;

/** Datagrams queued per peer while its permission is being created; older ones are dropped. */
export const DEFAULT_MAX_QUEUED_PER_PEER = 16;

/**
 * Bind a channel automatically after this many datagrams were sent to one peer
 * (ChannelData costs 4 bytes per datagram instead of ~36 for a Send indication).
 * Pion binds on the first write; waiting a few packets avoids burning channel
 * numbers on candidate pairs that are checked once and never used again.
 */
export const DEFAULT_AUTO_CHANNEL_BIND_AFTER = 5;

/** Refresh with LIFETIME 0 on close: give up after this long (RFC 8656 §7.3 makes it best effort). */
export const CLOSE_TIMEOUT_MS = 3_000;

/** Retransmissions of the closing Refresh over UDP (kept short so close does not linger). */
export const CLOSE_RETRANSMIT_COUNT = 3;

/** Bound of the stream reassembly buffer: one maximal STUN message or ChannelData plus header. */
export const MAX_STREAM_FRAME_BYTES = 65_535 + CHANNEL_DATA_HEADER_BYTES + 4;

/** Redirects (300 ALTERNATE-SERVER) followed before giving up (RFC 8489 §10 leaves it to the client). */
export const MAX_REDIRECTS = 3;

/** Default time allowed for a TCP/TLS connection to the server. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
