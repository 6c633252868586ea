/**
 * Pod addresses, handed out as CNI's host-local IPAM plugin hands them out for containerd
 * (containernetworking/plugins plugins/ipam/host-local/backend/allocator: range.go,
 * allocator.go). A node's pod range ("127.128.1.0/24", from UpdateRuntimeConfig's podCIDR) gives
 * each new sandbox one address; stopping the sandbox gives it back.
 *
 * Guarantees:
 * - The addresses handed out are the range minus its network address, its broadcast address and
 *   its gateway: for a /24, .2 to .254 (253 addresses). host-local's range runs from network+1 to
 *   broadcast-1 (Canonicalize, lastIP) and it claims network+1 as the gateway, which it never
 *   hands out. On loopback there is no bridge and so no gateway; tinykube keeps .1 out anyway, so
 *   a pod gets the address a real node with the same range would give (10.244.1.2 there,
 *   127.128.1.2 here) and .1 stays free for the node's side, as a bridge's cni0 holds it.
 * - One address, one owner: a store's `reserve` is atomic, so two sandboxes never share an
 *   address, also when two runtimes share a store (a kubelet restarting beside its old self).
 * - Round robin: the search starts just after the last address handed out (host-local's
 *   last_reserved_ip), so a crash-looping pod does not get the address it just gave back until
 *   the rest of the range has been used — a client still talking to the old pod does not reach
 *   the new one by mistake.
 * - A full range fails with CriError "Unknown" and host-local's message, "no IP addresses
 *   available in range set: 127.128.1.1-127.128.1.254" (containerd passes the plugin's error on
 *   as a plain error, which gRPC reports as Unknown).
 *
 * The range arithmetic and the search order are pure; where the holdings live is an IpamStore
 * (MemoryIpamStore here, a directory of files in process/ipam-store.ts).
 */
import { CriError } from "./cri.ts";

/** A pod range as host-local canonicalises it; addresses are 32-bit unsigned integers. */
export interface HostLocalRange {
  /** The CIDR, with any host bits cleared: "127.128.1.0/24". */
  subnet: string;
  /** network + 1: claimed, never handed out. */
  gateway: number;
  /** network + 1 (inclusive); the iteration skips the gateway. */
  rangeStart: number;
  /** broadcast - 1 (inclusive). */
  rangeEnd: number;
}

// #region host-local-range
/**
 * The range of a CIDR. "127.128.1.0/24": network 127.128.1.0, broadcast 127.128.1.255, so
 * rangeStart 127.128.1.1, rangeEnd 127.128.1.254, gateway 127.128.1.1. A /31 or /32 has no
 * address left and is refused, as host-local refuses it ("too small to allocate from").
 */
export function hostLocalRange(cidr: string): HostLocalRange {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  const prefix = Number(match?.[2]);
  const address = match?.[1] === undefined ? undefined : parseIpv4(match[1]);
  if (address === undefined || !(prefix >= 0 && prefix <= 32)) {
    throw new CriError(
      "InvalidArgument",
      `pod CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR such as "127.128.1.0/24"`,
    );
  }
  if (prefix > 30) {
    throw new CriError("InvalidArgument", `network ${cidr} too small to allocate from`);
  }
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  return {
    subnet: `${formatIpv4(network)}/${prefix}`,
    gateway: network + 1,
    rangeStart: network + 1,
    rangeEnd: network + size - 2,
  };
}
// #endregion host-local-range

// #region candidates
/**
 * Every address of the range once, in the order host-local tries them: from the one after
 * `lastReserved` (or from rangeStart when there is none, or it lies outside the range), wrapping
 * from rangeEnd to rangeStart, and skipping the gateway. For 127.128.1.0/24 with last .253:
 * .254, (.1 is the gateway) .2, .3, ..., .253.
 */
export function* candidates(range: HostLocalRange, lastReserved?: number): Generator<number> {
  const size = range.rangeEnd - range.rangeStart + 1;
  const inRange =
    lastReserved !== undefined &&
    lastReserved >= range.rangeStart &&
    lastReserved <= range.rangeEnd;
  const first = inRange ? lastReserved - range.rangeStart + 1 : 0;
  for (let i = 0; i < size; i++) {
    const ip = range.rangeStart + ((first + i) % size);
    if (ip !== range.gateway) yield ip;
  }
}
// #endregion candidates

/** Where the holdings live. Addresses are dotted strings; an owner is a sandbox ID. */
export interface IpamStore {
  /** Claims `ip` for `owner` and records it as the last reserved; false if it is already held. Atomic. */
  reserve(ip: string, owner: string): Promise<boolean>;
  /** Frees every address `owner` holds. Freeing nothing is fine. */
  release(owner: string): Promise<void>;
  /** The address reserved most recently, if any (kept after it is released, as host-local keeps it). */
  lastReserved(): Promise<string | undefined>;
  /** Address → owner, for every held address. */
  holdings(): Promise<Map<string, string>>;
}

// #region allocate
/** Hands out and takes back pod addresses from one range at a time (the node's podCIDR). */
export class HostLocalIpam {
  constructor(private readonly store: IpamStore) {}

  /** An address from `cidr` for `owner`, now held by it. */
  async allocate(cidr: string, owner: string): Promise<string> {
    const range = hostLocalRange(cidr);
    const last = await this.store.lastReserved();
    for (const ip of candidates(range, last === undefined ? undefined : parseIpv4(last))) {
      if (await this.store.reserve(formatIpv4(ip), owner)) return formatIpv4(ip);
    }
    throw new CriError(
      "Unknown",
      `no IP addresses available in range set: ${formatIpv4(range.rangeStart)}-${formatIpv4(range.rangeEnd)} ` +
        `(pod CIDR ${range.subnet}: all ${range.rangeEnd - range.rangeStart} addresses are held by sandboxes)`,
    );
  }

  release(owner: string): Promise<void> {
    return this.store.release(owner);
  }
}
// #endregion allocate

/** Holdings in memory: for runtimes that keep nothing on disk, and for tests. */
export class MemoryIpamStore implements IpamStore {
  private readonly held = new Map<string, string>();
  private last: string | undefined;

  async reserve(ip: string, owner: string): Promise<boolean> {
    if (this.held.has(ip)) return false;
    this.held.set(ip, owner);
    this.last = ip;
    return true;
  }

  async release(owner: string): Promise<void> {
    for (const [ip, holder] of this.held) if (holder === owner) this.held.delete(ip);
  }

  async lastReserved(): Promise<string | undefined> {
    return this.last;
  }

  async holdings(): Promise<Map<string, string>> {
    return new Map(this.held);
  }
}

/** "127.128.1.2" → 2139095298; undefined unless four decimal octets of 0-255. */
export function parseIpv4(dotted: string): number | undefined {
  const parts = dotted.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return undefined;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}
