/**
 * IP addresses as DNS needs them: their 4 or 16 bytes for A and AAAA data, one canonical text
 * per address (RFC 5952, what Go's net.IP.String prints, so "fd00:0:0::1" and "fd00::1" index
 * alike), and the reverse names of RFC 1035 §3.5 and RFC 3596 §2.5.
 *
 *   127.96.0.10   ⇄  10.0.96.127.in-addr.arpa
 *   fd00::1       ⇄  1.0.0.0.(28 more nibbles).0.0.d.f.ip6.arpa
 */
import { isIPv4, isIPv6 } from "node:net";

export function ipv4Bytes(address: string): number[] {
  return address.split(".").map(Number);
}

/** The 16 bytes of an IPv6 address, "::" and a trailing dotted IPv4 part included. */
export function ipv6Bytes(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    tail.push(...ipv4Bytes(text.slice(lastColon + 1)));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const zeros = new Array<number>(8 - left.length - right.length).fill(0);
  const words = [...left, ...zeros, ...right];
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function ipv6Text(bytes: ArrayLike<number>): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2)
    words.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}

/** One text per address; anything that is not an IP comes back undefined. */
export function canonicalIp(address: string): string | undefined {
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return ipv6Text(ipv6Bytes(address));
  return undefined;
}

/** "127.96.0.10" → "10.0.96.127.in-addr.arpa". */
export function reverseName(address: string): string {
  if (isIPv4(address)) return `${address.split(".").reverse().join(".")}.in-addr.arpa`;
  const nibbles = ipv6Bytes(address).flatMap((b) => [b >> 4, b & 0xf]);
  return `${nibbles
    .reverse()
    .map((n) => n.toString(16))
    .join(".")}.ip6.arpa`;
}

/**
 * The address a lower-cased reverse name stands for, or undefined when it names no single
 * address (too few labels, like "96.127.in-addr.arpa", or labels that are not octets/nibbles).
 */
export function addressOfReverseName(name: string): string | undefined {
  if (name.endsWith(".in-addr.arpa")) {
    const labels = name.slice(0, -".in-addr.arpa".length).split(".");
    if (labels.length !== 4) return undefined;
    const address = labels.reverse().join(".");
    return isIPv4(address) ? address : undefined;
  }
  if (name.endsWith(".ip6.arpa")) {
    const labels = name.slice(0, -".ip6.arpa".length).split(".");
    if (labels.length !== 32 || labels.some((l) => !/^[0-9a-f]$/.test(l))) return undefined;
    const nibbles = labels.reverse().map((l) => Number.parseInt(l, 16));
    const bytes: number[] = [];
    for (let i = 0; i < 32; i += 2)
      bytes.push(((nibbles[i] as number) << 4) | (nibbles[i + 1] as number));
    return ipv6Text(bytes);
  }
  return undefined;
}
