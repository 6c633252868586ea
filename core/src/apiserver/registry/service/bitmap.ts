/**
 * Kubernetes' AllocationBitmap (pkg/registry/core/service/allocator/bitmap.go): one bit per item
 * of a range, bit i set when item i is taken, kept as one big integer. Its bytes are what the
 * node-port RangeAllocation stores: big-endian, leading zero bytes dropped (Go's big.Int.Bytes),
 * so item 0 is the lowest bit of the last byte.
 *
 * A trace over 8 items (bits written high to low):
 *
 *   new                      00000000   bytes []
 *   set 0, set 3             00001001   bytes [0x09]
 *   set 7                    10001001   bytes [0x89]
 *   clear 7                  00001001   bytes [0x09]   (the leading zero byte is dropped)
 *
 * The bitmap is a value: the port allocator reads it from the store, changes it and writes it
 * back in one compare-and-swap, so it never needs a lock.
 */
import type { RandomInt } from "./random.ts";

export class AllocationBitmap {
  private bits: bigint;

  constructor(
    /** How many items the range has: items are 0 … size − 1. */
    readonly size: number,
    bits = 0n,
  ) {
    this.bits = bits;
  }

  static fromBytes(size: number, bytes: Uint8Array): AllocationBitmap {
    let bits = 0n;
    for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
    return new AllocationBitmap(size, bits);
  }

  toBytes(): Uint8Array {
    const out: number[] = [];
    for (let rest = this.bits; rest > 0n; rest >>= 8n) out.unshift(Number(rest & 0xffn));
    return Uint8Array.from(out);
  }

  has(item: number): boolean {
    return ((this.bits >> BigInt(item)) & 1n) === 1n;
  }

  set(item: number): void {
    this.bits |= 1n << BigInt(item);
  }

  clear(item: number): void {
    this.bits &= ~(1n << BigInt(item));
  }

  /** The items taken, lowest first. */
  items(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.has(i)) out.push(i);
    return out;
  }

  count(): number {
    return this.items().length;
  }

  // #region random-scan-with-offset
  /**
   * randomScanStrategyWithOffset: a free item, looking first in the upper band [offset, size)
   * from a random start and wrapping within it, then in the lower band [0, offset) the same way;
   * undefined when every item is taken. The lower band is the one users pick from by hand.
   */
  freeItem(offset: number, random: RandomInt): number | undefined {
    const upper = this.size - offset;
    if (upper > 0) {
      const start = random(upper);
      for (let i = 0; i < upper; i++) {
        const at = offset + ((start + i) % upper);
        if (!this.has(at)) return at;
      }
    }
    if (offset > 0) {
      const start = random(offset);
      for (let i = 0; i < offset; i++) {
        const at = (start + i) % offset;
        if (!this.has(at)) return at;
      }
    }
    return undefined;
  }
  // #endregion random-scan-with-offset
}
