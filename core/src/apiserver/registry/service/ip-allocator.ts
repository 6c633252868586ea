/**
 * The cluster-IP allocator of Kubernetes 1.33+ (MultiCIDRServiceAllocator, GA; the bitmap at
 * /registry/ranges/serviceips is gone since DisableAllocatorDualWrite went GA in 1.34): an
 * address is allocated by creating the IPAddress object named after it, and released by
 * deleting that object. tinykube has one service CIDR, so this is Kubernetes' MetaAllocator with
 * its one Allocator (pkg/registry/core/service/ipallocator/{cidrallocator,ipallocator}.go).
 *
 * Guarantees:
 * - Two Services never hold one address: each allocation is a create of the address's object,
 *   and the store lets only one create of a name win.
 * - Allocations outlive the API server: they are objects in the store, not memory.
 * - A dynamic allocation (an empty clusterIP) takes a random free address from the dynamic band
 *   and only falls back to the static band when the dynamic band is full (KEP-3070), so
 *   addresses users pick by hand (in the static band) are rarely taken first.
 * - A dry run reserves nothing; as in Kubernetes it does not even look for a free address.
 *
 * A dynamic allocation, in the CIDR 127.96.0.0/27 (32 addresses, static band 16):
 *
 *   dynamic band .17–.30 (14): start at a random address, say .25, and try .25 .26 … .30 .17 …
 *     .24, skipping addresses the cache shows taken; a create that loses a race (the cache was a
 *     moment behind) moves on to the next address;
 *   static band .1–.16: only if all 14 above are taken, the same from a random start there;
 *   then "range is full".
 */
import { ipAllocated, ipNotInRange, mismatchedNetwork, rangeFull } from "./errors.ts";
import {
  type IPAddressStore,
  isAlreadyExists,
  newIPAddress,
  type ServiceName,
} from "./ip-addresses.ts";
import { formatIPv4, parseIPv4, type ServiceIPRange } from "./ip-range.ts";
import { mathRandomInt, type RandomInt } from "./random.ts";

/** What the Service registry asks of an allocator, real or dry-run. */
export interface ClusterIPAllocator {
  /** Reserves the address the Service asked for. */
  allocate(ip: string, service: ServiceName): Promise<void>;
  /** Reserves any free address and returns it. */
  allocateNext(service: ServiceName): Promise<string>;
  /** Gives an address back; one not held, or outside the range, is not an error. */
  release(ip: string): Promise<void>;
}

export class IPAllocator implements ClusterIPAllocator {
  private readonly random: RandomInt;

  constructor(
    readonly range: ServiceIPRange,
    private readonly addresses: IPAddressStore,
    options: { random?: RandomInt } = {},
  ) {
    this.random = options.random ?? mathRandomInt;
  }

  // #region allocate
  /**
   * 1. the address must lie in the service CIDR (else the MetaAllocator finds no allocator for
   *    it: "the provided network does not match the current range");
   * 2. and be usable: not the network or broadcast address;
   * 3. create its IPAddress; if the name is taken, the address is "already allocated".
   */
  async allocate(ip: string, service: ServiceName): Promise<void> {
    await this.addresses.ready();
    const address = parseIPv4(ip);
    if (address === undefined || !this.range.contains(address)) throw mismatchedNetwork();
    if (!this.range.usable(address)) throw ipNotInRange(ip, this.range.cidr);
    try {
      await this.addresses.create(newIPAddress(formatIPv4(address), service));
    } catch (error) {
      if (isAlreadyExists(error)) throw ipAllocated();
      throw error;
    }
  }
  // #endregion allocate

  // #region allocate-next
  /** The dynamic band from a random start, then the static band from a random start. */
  async allocateNext(service: ServiceName): Promise<string> {
    await this.addresses.ready();
    const { first, offset, last } = this.range;
    const dynamic = last - offset + 1;
    if (dynamic <= 0) throw rangeFull();
    const upper = await this.allocateFrom(offset, last, this.random(dynamic), service);
    if (upper !== undefined) return upper;
    const staticBand = offset - first;
    if (staticBand > 0) {
      const lower = await this.allocateFrom(first, offset - 1, this.random(staticBand), service);
      if (lower !== undefined) return lower;
    }
    throw rangeFull();
  }

  /**
   * Tries every address of [low, high] once, starting at low + start and wrapping; undefined
   * when all are taken.
   */
  private async allocateFrom(
    low: number,
    high: number,
    start: number,
    service: ServiceName,
  ): Promise<string | undefined> {
    const count = high - low + 1;
    for (let i = 0; i < count; i++) {
      const ip = formatIPv4(low + ((start + i) % count));
      if (this.addresses.cached(ip) !== undefined) continue;
      try {
        await this.addresses.create(newIPAddress(ip, service));
        return ip;
      } catch (error) {
        // A mid-air collision: another API server (or request) created it after our cache
        // looked. Kubernetes moves on to the next address (issue 135333).
        if (!isAlreadyExists(error)) throw error;
      }
    }
    return undefined;
  }
  // #endregion allocate-next

  async release(ip: string): Promise<void> {
    const address = parseIPv4(ip);
    if (address === undefined || !this.range.contains(address)) return;
    await this.addresses.delete(formatIPv4(address));
  }

  /**
   * The checking allocator: refuses a requested address exactly as `allocate` would, reading
   * the store rather than the cache so an address released a moment ago is not refused, and
   * reserves nothing. It does not choose addresses: `allocateNext` is not for it.
   */
  check(): ClusterIPAllocator {
    const range = this.range;
    const addresses = this.addresses;
    return {
      async allocate(ip) {
        const address = parseIPv4(ip);
        if (address === undefined || !range.contains(address)) throw mismatchedNetwork();
        if (!range.usable(address)) throw ipNotInRange(ip, range.cidr);
        if (await addresses.exists(formatIPv4(address))) throw ipAllocated();
      },
      allocateNext: async () => {
        throw new Error("a checking allocator does not choose addresses");
      },
      release: async () => {},
    };
  }

  /**
   * The dry-run allocator (dryRunAllocator): it reserves nothing and does not look for a free
   * address, so a dry-run create shows the CIDR's network address as its clusterIP, and a
   * requested address is only checked against the range.
   */
  dryRun(): ClusterIPAllocator {
    const range = this.range;
    return {
      async allocate(ip) {
        const address = parseIPv4(ip);
        if (address === undefined || !range.usable(address)) throw ipNotInRange(ip, range.cidr);
      },
      allocateNext: async () => formatIPv4(range.network),
      release: async () => {},
    };
  }
}
