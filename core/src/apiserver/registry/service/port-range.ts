/**
 * The node-port range (k8s.io/apimachinery/pkg/util/net.PortRange as --service-node-port-range
 * sets it) and its static band (KEP-3668, GA in Kubernetes 1.29).
 *
 * For the default 30000-32767, 2,768 ports:
 *
 *   30000 … 30085   static band: min(max(16, floor(2768 / 32)), 128) = 86 ports, for nodePorts
 *                   users pick by hand
 *   30086 … 32767   dynamic band: an unset nodePort is drawn from here first (2,682 ports)
 */

/** calculateRangeOffset for ports: 1/32 of the range, at least 16, at most 128. */
const STATIC_BAND_MIN = 16;
const STATIC_BAND_MAX = 128;
const STATIC_BAND_STEP = 32;

/** Kubernetes' default --service-node-port-range. */
export const DEFAULT_NODE_PORT_RANGE = "30000-32767";

export function staticPortBandSize(size: number): number {
  if (size <= STATIC_BAND_MIN) return 0;
  return Math.min(Math.max(STATIC_BAND_MIN, Math.floor(size / STATIC_BAND_STEP)), STATIC_BAND_MAX);
}

export class PortRange {
  private constructor(
    /** The lowest port. */
    readonly base: number,
    /** How many ports: base … base + size − 1. */
    readonly size: number,
  ) {}

  /** "30000-32767" (both ends included) or a single port "30000", as ParsePortRange reads them. */
  static parse(text: string): PortRange {
    const match = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(text.trim());
    const low = Number(match?.[1]);
    const high = match?.[2] === undefined ? low : Number(match[2]);
    if (!match || low < 1 || high > 65535 || high < low) {
      throw new Error(
        `service node port range must be "<low>-<high>" within 1-65535 (e.g. ${DEFAULT_NODE_PORT_RANGE}), got ${JSON.stringify(text)}`,
      );
    }
    return new PortRange(low, high - low + 1);
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.base && port < this.base + this.size;
  }

  /** The size of the static band: dynamic allocation starts at base + this. */
  get staticBand(): number {
    return staticPortBandSize(this.size);
  }

  /** PortRange.String(): what error messages and the stored RangeAllocation say. */
  toString(): string {
    return this.size === 1 ? `${this.base}` : `${this.base}-${this.base + this.size - 1}`;
  }
}
