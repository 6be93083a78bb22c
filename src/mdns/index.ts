export { MdnsDecodeError, MdnsError } from './errors.js';
export {
  DnsType,
  DNS_CLASS_IN,
  DNS_CLASS_ANY,
  DNS_FLAG_RESPONSE,
  DNS_FLAG_AUTHORITATIVE,
  MAX_MDNS_MESSAGE_BYTES,
  encodeDnsMessage,
  decodeDnsMessage,
  isResponse,
} from './dns-message.js';
export type { DnsMessage, DnsQuestion, DnsRecord } from './dns-message.js';
export { canonicalName, MAX_LABEL_BYTES, MAX_NAME_BYTES } from './dns-name.js';
export {
  MdnsCore,
  MDNS_PORT,
  HOST_RECORD_TTL_SEC,
  LEGACY_UNICAST_TTL_SEC,
  QUERY_RETRANSMIT_INITIAL_MS,
  DEFAULT_MAX_PENDING_QUERIES,
  DEFAULT_MAX_CACHE_ENTRIES,
  DEFAULT_MAX_PUBLISHED_NAMES,
} from './mdns-core.js';
export type { MdnsCoreOptions, MdnsCoreEvent, MdnsTransmit, MdnsFamily } from './mdns-core.js';
export { generateMdnsName } from './mdns-name.js';
export { MDNS_GROUP_V4, MDNS_GROUP_V6, nodeMdnsSocketFactory, netMdnsSocketFactory } from './mdns-socket.js';
export type { MdnsSocket, MdnsSocketOptions, MdnsSocketFactory } from './mdns-socket.js';
export { MulticastDns, DEFAULT_MDNS_QUERY_TIMEOUT_MS } from './multicast-dns.js';
export type { MdnsResolver, MdnsResolveOptions, MulticastDnsOptions } from './multicast-dns.js';
export { MdnsCandidates } from './mdns-candidates.js';
export type { MdnsCandidatesOptions } from './mdns-candidates.js';
