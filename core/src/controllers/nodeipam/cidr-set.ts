/**
 * The cluster's pod network cut into equal node ranges, with a bitmap of the ranges handed out —
 * kube-controller-manager's CidrSet (pkg/controller/nodeipam/ipam/cidrset/cidr_set.go). Pure:
 * no API, no clock; the node IPAM controller decides which node gets what.
 *
 * Guarantees:
 * - `allocateNext()` hands out each range at most once until it is released, and searches round
 *   robin: from the range after the last one it handed out, wrapping at the end. A released range
 *   is therefore not handed out again until the search comes round to it, so a node that comes
 *   back soon after it left does not find its old range reused under a new name straight away.
 * - `occupy()` and `release()` take any CIDR that overlaps the cluster CIDR: one larger than a
 *   node range marks every node range it covers, one smaller marks the node range that holds it.
 *   Both are idempotent: the count changes only for a bit that flips.
 * - A full set throws reason "Exhausted" with Kubernetes' message (ErrCIDRRangeNoCIDRsRemaining);
 *   a CIDR outside the cluster CIDR throws "OutOfRange", also worded as Kubernetes words it.
 * - IPv4 only: tinykube's pod network lives in 127.0.0.0/8 (DESIGN.md, "Network model").
 *   Kubernetes keeps one CidrSet per IP family for dual-stack clusters.
 *
 * The arithmetic, for tinykube's defaults (cluster 127.128.0.0/9, node mask 24): 24 − 9 = 15
 * bits pick a node range, so there are 2^15 = 32,768 ranges of 2^(32 − 24) = 256 addresses, and
 * range i starts at 127.128.0.0 + i × 256:
 *
 *     i = 0    127.128.0.0/24
 *     i = 1    127.128.1.0/24
 *     i = 300  127.128.0.0 + 76,800 = 127.129.44.0/24   (76,800 = 1 × 65,536 + 44 × 256)
 *
 * and back: 127.129.44.0 XOR 127.128.0.0 = 0.1.44.0 = 76,800, and 76,800 / 256 = 300. The
 * bitmap holds one bit per range: 32,768 bits, 4 KiB.
 *
 * A trace, for cluster 127.128.0.0/22 with node mask 24 (4 ranges; "next" is where the search
 * starts):
 *
 *     allocateNext()           → 127.128.0.0/24   used {0}          next 1
 *     allocateNext()           → 127.128.1.0/24   used {0,1}        next 2
 *     occupy(127.128.2.0/24)                      used {0,1,2}      next 2
 *     release(127.128.0.0/24)                     used {1,2}        next 2
 *     allocateNext()           → 127.128.3.0/24   used {1,2,3}      next 0   (2 is taken: skip)
 *     allocateNext()           → 127.128.0.0/24   used {0,1,2,3}    next 1   (wrapped round)
 *     allocateNext()           → Exhausted
 */
import { parseIPSloppy } from "../../api/validate/formats.ts";

/** Every failure is one of these, so callers branch on the reason and never on the message. */
export type CidrSetErrorReason = "Exhausted" | "OutOfRange" | "InvalidCIDR" | "InvalidMaskSize";

export class CidrSetError extends Error {
  override name = "CidrSetError";
  constructor(
    readonly reason: CidrSetErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/** An IPv4 network: its first address as an unsigned 32-bit number, and its prefix length. */
interface Network {
  address: number;
  prefix: number;
}

const blockSize = (prefix: number) => 2 ** (32 - prefix);

/** The network of `address` at `prefix`: the host bits cleared. */
const networkOf = (address: number, prefix: number) => address - (address % blockSize(prefix));

const format = ({ address, prefix }: Network) =>
  `${[24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".")}/${prefix}`;

/**
 * Go's net.ParseCIDR as Kubernetes calls it (netutils.ParseCIDRSloppy): the host bits are dropped,
 * so "127.128.1.7/24" is the network 127.128.1.0/24.
 */
function parseCIDR(cidr: string): Network {
  const slash = cidr.indexOf("/");
  const ip = slash < 0 ? undefined : parseIPSloppy(cidr.slice(0, slash));
  const bits = cidr.slice(slash + 1);
  if (!ip || slash < 0 || !/^[0-9]{1,3}$/.test(bits)) {
    // Go's net.ParseError for a CIDR.
    throw new CidrSetError("InvalidCIDR", `invalid CIDR address: ${cidr}`);
  }
  const prefix = Number(bits);
  if (ip.family !== 4 || prefix > 32) {
    throw new CidrSetError(
      "InvalidCIDR",
      `tinykube's node IPAM handles IPv4 CIDRs only (prefix 0 to 32); got ${JSON.stringify(cidr)}`,
    );
  }
  const address = ip.bytes.reduce((acc, byte) => acc * 256 + byte, 0);
  return { address: networkOf(address, prefix), prefix };
}

// #region cidr-set
export class CidrSet {
  private readonly cluster: Network;
  /** The prefix length of every node range; at least the cluster's. */
  readonly nodeMaskSize: number;
  /** How many node ranges the cluster CIDR holds: 2^(nodeMaskSize − cluster prefix). */
  readonly maxCIDRs: number;
  /** Bit i set ⇔ node range i is handed out or occupied. */
  private readonly used: Uint32Array;
  /** The number of set bits in `used`; maxCIDRs means full. */
  private allocatedCIDRs = 0;
  /** Where the next search starts: the range after the last one handed out. */
  private nextCandidate = 0;

  constructor(clusterCIDR: string, nodeMaskSize: number) {
    this.cluster = parseCIDR(clusterCIDR);
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize > 32 || nodeMaskSize < this.cluster.prefix)
      // node_ipam_controller.go refuses to start with this message (its "Controller: " prefix
      // left out); the values follow in parentheses.
      throw new CidrSetError(
        "InvalidMaskSize",
        `invalid --cluster-cidr, mask size of cluster CIDR must be less than or equal to --node-cidr-mask-size configured for CIDR family (cluster CIDR ${format(this.cluster)}, node mask size ${nodeMaskSize})`,
      );
    this.nodeMaskSize = nodeMaskSize;
    this.maxCIDRs = 2 ** (nodeMaskSize - this.cluster.prefix);
    this.used = new Uint32Array(Math.ceil(this.maxCIDRs / 32));
  }

  /** The cluster CIDR as a network ("127.128.0.0/9"). */
  get clusterCIDR(): string {
    return format(this.cluster);
  }

  /** How many node ranges are handed out or occupied. */
  get allocated(): number {
    return this.allocatedCIDRs;
  }

  /** The next free node range, searching round robin from the one after the last handed out. */
  allocateNext(): string {
    if (this.allocatedCIDRs === this.maxCIDRs) {
      throw new CidrSetError(
        "Exhausted",
        "CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range",
      );
    }
    let candidate = this.nextCandidate;
    while (this.isUsed(candidate)) candidate = (candidate + 1) % this.maxCIDRs;
    this.nextCandidate = (candidate + 1) % this.maxCIDRs;
    this.setUsed(candidate, true);
    return this.rangeAt(candidate);
  }

  /** Marks every node range `cidr` covers as used (a node that came with its own podCIDR). */
  occupy(cidr: string): void {
    const [begin, end] = this.indicesOf(cidr);
    for (let i = begin; i <= end; i++) this.setUsed(i, true);
  }

  /** Marks every node range `cidr` covers as free again (its node is gone). */
  release(cidr: string): void {
    const [begin, end] = this.indicesOf(cidr);
    for (let i = begin; i <= end; i++) this.setUsed(i, false);
  }

  /** Node range i as a CIDR: the cluster's first address plus i node ranges. */
  private rangeAt(index: number): string {
    return format({
      address: this.cluster.address + index * blockSize(this.nodeMaskSize),
      prefix: this.nodeMaskSize,
    });
  }

  /**
   * getBeginningAndEndIndices: the first and last node range `cidr` touches. A CIDR at least as
   * large as the cluster's covers them all; a smaller one covers from the range holding its
   * first address to the range holding its last.
   */
  private indicesOf(cidr: string): [number, number] {
    const network = parseCIDR(cidr);
    const overlaps =
      networkOf(network.address, this.cluster.prefix) === this.cluster.address ||
      networkOf(this.cluster.address, network.prefix) === network.address;
    if (!overlaps) {
      throw new CidrSetError(
        "OutOfRange",
        `cidr ${format(network)} is out the range of cluster cidr ${format(this.cluster)}`,
      );
    }
    if (network.prefix <= this.cluster.prefix) return [0, this.maxCIDRs - 1];
    const last = network.address + blockSize(network.prefix) - 1;
    return [this.indexOf(network.address), this.indexOf(last)];
  }

  /** getIndexForIP: which node range holds `address` (inside the cluster CIDR). */
  private indexOf(address: number): number {
    const offset = (this.cluster.address ^ address) >>> 0;
    return Math.floor(offset / blockSize(this.nodeMaskSize));
  }

  private isUsed(index: number): boolean {
    return (((this.used[index >>> 5] ?? 0) >>> (index & 31)) & 1) === 1;
  }

  private setUsed(index: number, used: boolean): void {
    if (this.isUsed(index) === used) return;
    const word = index >>> 5;
    this.used[word] = (this.used[word] ?? 0) ^ (1 << (index & 31));
    this.allocatedCIDRs += used ? 1 : -1;
  }
}
// #endregion cidr-set
