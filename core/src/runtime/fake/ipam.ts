/**
 * Sandbox addresses from the node's pod CIDR, handed out as the CNI host-local IPAM plugin does
 * for the bridge plugin (containernetworking/plugins plugins/ipam/host-local/backend/allocator):
 * - the network address and the broadcast address are never handed out, nor the gateway, which
 *   defaults to the first address (the bridge's own, "cni0");
 * - allocation is round robin: the search starts after the last address handed out, so a
 *   crash-looping pod does not get the address a pod that just left still has in some cache.
 *
 * Worked example, 10.244.1.0/24: network .0, gateway .1, broadcast .255, so the pool is
 * .2 … .254 (253 addresses). allocate() → .2, allocate() → .3; release(.2); allocate() → .4, not
 * .2; after .254 the search wraps to .2.
 *
 * IPv4 only, held in memory and synchronous — the process runtime's HostLocalIpam (../ipam.ts)
 * persists each claim, which thousands of hollow nodes do not need: the fake runtime's addresses
 * are as real as its containers.
 */
import { CriError } from "../cri.ts";
import { formatIpv4 as formatIPv4, parseIpv4 as parseIPv4 } from "../ipam.ts";

const MAX_PREFIX = 30; // a /31 or /32 has no room for a gateway and a pod

export class PodAddressAllocator {
  /** First and last address that may be handed out (gateway + 1 … broadcast − 1), as numbers. */
  private readonly first: number;
  private readonly last: number;
  /** Addresses handed out and not yet released; each lies in [first, last]. */
  private readonly used = new Set<number>();
  /** The address handed out last; the next search starts after it. `first − 1` before any. */
  private lastAllocated: number;

  constructor(readonly cidr: string) {
    const [base = "", bits = ""] = cidr.split("/");
    const address = parseIPv4(base);
    const prefix = /^\d{1,2}$/.test(bits) ? Number(bits) : Number.NaN;
    if (address === undefined || !(prefix >= 0 && prefix <= MAX_PREFIX)) {
      throw new CriError(
        "InvalidArgument",
        `pod CIDR ${JSON.stringify(cidr)}: expected an IPv4 range with a prefix of at most /${MAX_PREFIX}, like "10.244.1.0/24"`,
      );
    }
    const size = 2 ** (32 - prefix);
    const network = address - (address % size);
    this.first = network + 2;
    this.last = network + size - 2;
    this.lastAllocated = this.first - 1;
  }

  /** How many addresses the pool holds in all. */
  capacity(): number {
    return this.last - this.first + 1;
  }

  /** Hands out the next free address after the last one handed out. */
  allocate(): string {
    const count = this.capacity();
    for (let step = 1; step <= count; step++) {
      const candidate = this.first + ((this.lastAllocated - this.first + step) % count);
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        this.lastAllocated = candidate;
        return formatIPv4(candidate);
      }
    }
    // host-local's message, with its range (network + 1 to broadcast − 1), which containerd
    // passes on and the kubelet shows in a pod event.
    throw new CriError(
      "Unknown",
      `no IP addresses available in range set: ${formatIPv4(this.first - 1)}-${formatIPv4(this.last)}`,
    );
  }

  /** Marks an address in use (one a sandbox kept across a CIDR change). False if outside the pool or taken. */
  reserve(ip: string): boolean {
    const n = parseIPv4(ip);
    if (n === undefined || n < this.first || n > this.last || this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  /** Gives an address back; releasing one not handed out does nothing. */
  release(ip: string): void {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.delete(n);
  }

  inUse(): number {
    return this.used.size;
  }
}
