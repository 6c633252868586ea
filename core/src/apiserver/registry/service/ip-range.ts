/**
 * The service CIDR as the cluster-IP allocator sees it (NewIPAllocator in Kubernetes'
 * pkg/registry/core/service/ipallocator/ipallocator.go): which addresses may be handed out, and
 * where the band kept for addresses users choose ends (KEP-3070, GA in Kubernetes 1.26).
 *
 * Guarantees:
 * - `first`..`last` are the addresses a Service may hold: never the network address, never the
 *   IPv4 broadcast address.
 * - `first`..`offset - 1` is the static band and `offset`..`last` the dynamic band; an empty
 *   clusterIP is filled from the dynamic band first, so well-known addresses (the `kubernetes`
 *   Service at the first address, cluster DNS at the tenth) are rarely taken by chance.
 *
 * For tinykube's 127.96.0.0/12, 2^20 = 1,048,576 addresses:
 *
 *   127.96.0.0        network, never handed out
 *   127.96.0.1        first   ┐ static band: rangeOffset = min(max(16, 2^20 / 16), 256) = 256
 *   127.96.1.0                ┘ (kubernetes is .0.1, DNS .0.10)
 *   127.96.1.1        offset  ┐ dynamic band: 1,048,574 usable − 256 = 1,048,318 addresses
 *   127.111.255.254   last    ┘
 *   127.111.255.255   broadcast, never handed out
 *
 * tinykube's clusters are single-stack IPv4 (DESIGN.md, "Network model"), so this is IPv4 only;
 * addresses are unsigned 32-bit numbers.
 */

/**
 * calculateRangeOffset's constants: the static band is 1/16 of the CIDR, never fewer than 16 nor
 * more than 256 addresses; a CIDR of 16 addresses or fewer has no static band at all.
 */
const STATIC_BAND_MIN = 16;
const STATIC_BAND_MAX = 256;
const STATIC_BAND_STEP = 16;

/** "127.96.0.10" → 2137522186, or undefined if it is not a dotted-quad IPv4 address. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join(".");
}

// #region static-band
/**
 * calculateRangeOffset: how many addresses at the bottom of the CIDR are kept for static
 * assignment. /12 → 2^20 / 16 = 65,536, capped at 256; /27 → 32 / 16 = 2, raised to 16;
 * /28 → 16 addresses, too few to split: 0.
 */
export function staticBandSize(cidrSize: number): number {
  if (cidrSize <= STATIC_BAND_MIN) return 0;
  return Math.min(
    Math.max(STATIC_BAND_MIN, Math.floor(cidrSize / STATIC_BAND_STEP)),
    STATIC_BAND_MAX,
  );
}
// #endregion static-band

export class ServiceIPRange {
  /** The CIDR in canonical form, as error messages print it: "127.96.0.0/12". */
  readonly cidr: string;
  readonly network: number;
  readonly broadcast: number;
  /** The lowest address a Service may hold: the network address + 1. */
  readonly first: number;
  /** The highest: the broadcast address − 1. */
  readonly last: number;
  /** The first address of the dynamic band; equal to `first` when there is no static band. */
  readonly offset: number;

  private constructor(network: number, bits: number) {
    const size = 2 ** (32 - bits);
    this.network = network;
    this.broadcast = network + size - 1;
    this.cidr = `${formatIPv4(network)}/${bits}`;
    this.first = network + 1;
    this.last = this.broadcast - 1;
    this.offset = this.first + staticBandSize(size);
  }

  /** Parses "a.b.c.d/n"; host bits must be zero, as for --service-cluster-ip-range. */
  static parse(text: string): ServiceIPRange {
    const [address = "", bitsText = "", extra] = text.split("/");
    const network = parseIPv4(address);
    const bits = /^[0-9]{1,2}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
    // Fewer than 4 addresses leave none to hand out once network and broadcast are set aside.
    if (network === undefined || extra !== undefined || !(bits >= 0 && bits <= 30)) {
      throw new Error(
        `service cluster IP range must be an IPv4 CIDR of at most /30 (e.g. 127.96.0.0/12), got ${JSON.stringify(text)}`,
      );
    }
    if (network % 2 ** (32 - bits) !== 0) {
      throw new Error(
        `service cluster IP range ${JSON.stringify(text)} has host bits set; did you mean ${formatIPv4(network - (network % 2 ** (32 - bits)))}/${bits}?`,
      );
    }
    return new ServiceIPRange(network, bits);
  }

  /** Whether the address is inside the CIDR at all, network and broadcast included. */
  contains(address: number): boolean {
    return address >= this.network && address <= this.broadcast;
  }

  /** Whether a Service may hold the address. */
  usable(address: number): boolean {
    return address >= this.first && address <= this.last;
  }

  /** How many addresses a Service may hold: the CIDR minus network and broadcast. */
  get size(): number {
    return this.last - this.first + 1;
  }
}
