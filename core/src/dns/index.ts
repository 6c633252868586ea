export {
  type RunningClusterDns,
  type StartClusterDnsOptions,
  startClusterDns,
} from "./cluster-dns.ts";
export { ClusterState } from "./cluster-state.ts";
export { Flag, Rcode, RRClass, RRType, typeName } from "./constants.ts";
export { type DecodedMessage, type DecodedRecord, decodeMessage } from "./decode.ts";
export { encodeQuery, encodeResponse, type QueryMessage, type ResponseMessage } from "./encode.ts";
export { Forwarder, type ForwarderOptions, type Upstream } from "./forward.ts";
export { FrameReader, frame } from "./framing.ts";
export {
  ClusterDnsHandler,
  type ClusterDnsHandlerOptions,
  DEFAULT_TTL_SECONDS,
  type QueryHandler,
  type Transport,
} from "./handler.ts";
export { reverseName } from "./ip.ts";
export { type ParsedQuery, parseQuery } from "./parse.ts";
export { DNS_SCHEMA_VERSION, type PodMode, type Resolution, resolve } from "./resolve.ts";
export type { ResourceRecord } from "./rr.ts";
export {
  DEFAULT_DNS_ADDRESS,
  DNS_PORT,
  DnsServer,
  type DnsServerOptions,
  FALLBACK_DNS_PORT,
} from "./server.ts";
