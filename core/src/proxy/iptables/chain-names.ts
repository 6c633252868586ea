/**
 * The names of kube-proxy's per-service chains (pkg/proxy/iptables/proxier.go portProtoHash,
 * servicePortPolicyClusterChain, servicePortEndpointChainName and friends).
 *
 * An iptables chain name may be at most 28 characters, so a Service port's chains carry a hash
 * instead of its name: the SHA-256 of "<ns>/<name>[:<port>]" followed by the lower-case protocol
 * (and, for an endpoint's chain, its "ip:port"), in standard base32, cut to 16 characters.
 *
 *   "ns1/svc1:p80" + "tcp"                 → KUBE-SVC-XPGD46QRK7WJZT7O
 *   "ns1/svc1:p80" + "tcp" + "10.180.0.1:80" → KUBE-SEP-SXIVWICOYRO3J4NJ
 *
 * (both from Kubernetes' own proxier_test.go). The SVC, SVL, EXT and FW chains of one port share
 * its hash; only the prefix tells them apart.
 */
import { createHash } from "node:crypto";

/** RFC 4648 base32, as Go's base32.StdEncoding. */
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Chains kube-proxy owns and would delete once unused (isServiceChainName). */
export const SERVICE_CHAIN_PREFIXES = [
  "KUBE-SVC-",
  "KUBE-SVL-",
  "KUBE-SEP-",
  "KUBE-FW-",
  "KUBE-EXT-",
] as const;

// #region hash16
/**
 * The first 16 base32 characters of SHA-256(text). 16 characters × 5 bits = 80 bits = the first
 * 10 bytes exactly, so only those are encoded: each byte shifts 8 bits in, and every full 5 bits
 * come out as one character (bytes 0x5B 0x8C → bits 01011 01110 00110 0… → "L", "O", "G", …).
 */
function hash16(text: string): string {
  const digest = createHash("sha256").update(text).digest();
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    buffer = (buffer << 8) | (digest[i] as number);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}
// #endregion hash16

/** portProtoHash: the 16 characters shared by a Service port's chains. */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return hash16(servicePortName + protocol.toLowerCase());
}

/** KUBE-SVC-…: dispatches to all endpoints (Cluster traffic policy). */
export function clusterPolicyChain(servicePortName: string, protocol: string): string {
  return `KUBE-SVC-${portProtoHash(servicePortName, protocol)}`;
}

/** KUBE-SVL-…: dispatches to this node's endpoints (Local traffic policy). */
export function localPolicyChain(servicePortName: string, protocol: string): string {
  return `KUBE-SVL-${portProtoHash(servicePortName, protocol)}`;
}

/** KUBE-EXT-…: the entry for NodePort, external IP and load-balancer traffic. */
export function externalChain(servicePortName: string, protocol: string): string {
  return `KUBE-EXT-${portProtoHash(servicePortName, protocol)}`;
}

/** KUBE-FW-…: loadBalancerSourceRanges filtering. */
export function firewallChain(servicePortName: string, protocol: string): string {
  return `KUBE-FW-${portProtoHash(servicePortName, protocol)}`;
}

/** KUBE-SEP-…: one endpoint of one Service port; its DNAT lives here. */
export function endpointChain(servicePortName: string, protocol: string, hostPort: string): string {
  return `KUBE-SEP-${hash16(servicePortName + protocol.toLowerCase() + hostPort)}`;
}

export function isServiceChainName(chain: string): boolean {
  return SERVICE_CHAIN_PREFIXES.some((prefix) => chain.startsWith(prefix));
}
