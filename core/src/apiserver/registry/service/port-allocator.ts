/**
 * The node-port allocator: Kubernetes keeps node ports, unlike cluster IPs, in one bitmap stored
 * as a RangeAllocation at /registry/ranges/servicenodeports (portallocator/allocator.go over
 * allocator/storage/storage.go). tinykube does the same, and changes it only by compare-and-swap:
 *
 *   read the RangeAllocation (revision r) → change the bitmap → write it if still at revision r,
 *   else read again and redo the change against what the other writer left.
 *
 * Guarantees:
 * - Two Services never get one port: a port is taken by a write that only succeeds if nobody
 *   wrote the bitmap since it was read.
 * - Allocations outlive the API server: the bitmap is in the store.
 * - An unset nodePort comes from the dynamic band, at random; the static band only when the
 *   dynamic band is full (KEP-3668).
 */
import type { Store } from "../../../store/index.ts";
import { AllocationBitmap } from "./bitmap.ts";
import { portAllocated, portNotInRange, rangeFull } from "./errors.ts";
import type { PortRange } from "./port-range.ts";
import { mathRandomInt, type RandomInt } from "./random.ts";

/** Where Kubernetes stores the node-port bitmap (storage prefix + "/ranges/servicenodeports"). */
export const NODE_PORTS_KEY = "/registry/ranges/servicenodeports";

/** A write that loses a race reads and tries again; another writer won, so this ends. */
const MAX_ATTEMPTS = 1000;

/** The stored form: core/v1 RangeAllocation (range spec and base64 bitmap bytes). */
interface RangeAllocation {
  kind: "RangeAllocation";
  apiVersion: "v1";
  metadata: Record<string, never>;
  range: string;
  data: string;
}

/** The bitmap as read, and the revision a write must find to replace it. */
export interface PortSnapshot {
  bitmap: AllocationBitmap;
  /** The stored range spec; differs from the configured one after --service-node-port-range changed. */
  range: string;
  /** 0 when nothing is stored yet. */
  modRevision: number;
}

export class PortAllocator {
  private readonly random: RandomInt;

  constructor(
    readonly range: PortRange,
    private readonly store: Store,
    options: { random?: RandomInt } = {},
  ) {
    this.random = options.random ?? mathRandomInt;
  }

  // #region allocate-port
  /** Takes the port, or says why not: out of range, or already taken. */
  async allocate(port: number): Promise<void> {
    if (!this.range.contains(port)) throw portNotInRange(this.range.toString());
    await this.change((bitmap) => {
      const item = port - this.range.base;
      if (bitmap.has(item)) throw portAllocated();
      bitmap.set(item);
    });
  }
  // #endregion allocate-port

  /** Takes a free port: from the dynamic band at random, else from the static band. */
  async allocateNext(): Promise<number> {
    return this.change((bitmap) => {
      const item = bitmap.freeItem(this.range.staticBand, this.random);
      if (item === undefined) throw rangeFull();
      bitmap.set(item);
      return this.range.base + item;
    });
  }

  /** Gives the port back; a port not taken, or outside the range, is not an error. */
  async release(port: number): Promise<void> {
    if (!this.range.contains(port)) return;
    await this.change((bitmap) => bitmap.clear(port - this.range.base));
  }

  async has(port: number): Promise<boolean> {
    if (!this.range.contains(port)) return false;
    return (await this.snapshot()).bitmap.has(port - this.range.base);
  }

  async snapshot(): Promise<PortSnapshot> {
    const kv = await this.store.get(NODE_PORTS_KEY);
    if (!kv) return { bitmap: new AllocationBitmap(this.range.size), range: "", modRevision: 0 };
    const stored = JSON.parse(kv.value) as RangeAllocation;
    return {
      bitmap: AllocationBitmap.fromBytes(this.range.size, Buffer.from(stored.data, "base64")),
      range: stored.range,
      modRevision: kv.modRevision,
    };
  }

  /**
   * Replaces the stored bitmap with `bitmap` (for the configured range) if it is still at
   * `modRevision`; false if someone wrote in between. The repair loop's CreateOrUpdate.
   */
  async replace(bitmap: AllocationBitmap, modRevision: number): Promise<boolean> {
    const value: RangeAllocation = {
      kind: "RangeAllocation",
      apiVersion: "v1",
      metadata: {},
      range: this.range.toString(),
      data: Buffer.from(bitmap.toBytes()).toString("base64"),
    };
    const result = await this.store.txn({
      compare: [
        modRevision === 0
          ? { key: NODE_PORTS_KEY, target: "createRevision", op: "=", value: 0 }
          : { key: NODE_PORTS_KEY, target: "modRevision", op: "=", value: modRevision },
      ],
      success: [{ type: "put", key: NODE_PORTS_KEY, value: JSON.stringify(value) }],
    });
    return result.succeeded;
  }

  /**
   * Runs `apply` on the current bitmap and stores the result by compare-and-swap, again from a
   * fresh read whenever another writer got there first. `apply` may throw to refuse.
   */
  private async change<T>(apply: (bitmap: AllocationBitmap) => T): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.snapshot();
      if (current.modRevision !== 0 && current.range !== this.range.toString()) {
        // The repair pass at start rewrites the bitmap for the configured range before any
        // request is served, so this means a second API server runs with another range.
        throw new Error(
          `the stored node port range ${current.range} does not match this API server's ${this.range.toString()}`,
        );
      }
      const before = current.bitmap.toBytes().join();
      const result = apply(current.bitmap);
      if (current.bitmap.toBytes().join() === before) return result;
      if (await this.replace(current.bitmap, current.modRevision)) return result;
    }
    throw new Error(`the node port allocations kept changing; gave up after ${MAX_ATTEMPTS} tries`);
  }
}
