/**
 * The node ports one Service write takes and gives back, as a transaction around the write
 * (Kubernetes' PortAllocationOperation, portallocator/operation.go). It is better to leak a port
 * than to hand it out twice, so:
 *
 * - ports are taken at once (`allocate`, `allocateNext`), and given back by `finish` unless the
 *   write committed;
 * - ports the write frees are only marked (`releaseLater`) and given back by `commit`, after
 *   the Service no longer names them.
 *
 * A dry run (Kubernetes') takes nothing; it only checks a requested port against the bitmap and
 * against the ports it already pretended to take, and makes up ports from 32769 upwards for
 * unset ones. A check (tinykube's look before a real write) takes nothing either, but refuses
 * a requested port exactly as a real write would, range included.
 */
import { portAllocated, portNotInRange } from "./errors.ts";
import type { PortAllocator } from "./port-allocator.ts";

/**
 * How an allocation runs: "write" reserves for real; "dry-run" is Kubernetes' dry run (reserves
 * nothing, looks up little); "check" reserves nothing but refuses whatever a write would refuse,
 * so bad input can be turned away before anything is written.
 */
export type AllocationMode = "write" | "dry-run" | "check";

/** operation.go's placeholder: a dry run's first made-up port is this + 1. */
const DRY_RUN_LAST_PORT = 32768;

export class PortAllocationOperation {
  private readonly allocated: number[] = [];
  private readonly releaseDeferred: number[] = [];
  private shouldRollback = true;

  constructor(
    private readonly ports: PortAllocator,
    readonly mode: AllocationMode,
  ) {}

  /** Nothing is reserved: a dry run or a check. */
  private get pretending(): boolean {
    return this.mode !== "write";
  }

  async allocate(port: number): Promise<void> {
    if (this.pretending) {
      // Kubernetes' dry run checks only Has: a port outside the range passes there.
      if (this.mode === "check" && !this.ports.range.contains(port))
        throw portNotInRange(this.ports.range.toString());
      if ((await this.ports.has(port)) || this.allocated.includes(port)) throw portAllocated();
      this.allocated.push(port);
      return;
    }
    await this.ports.allocate(port);
    this.allocated.push(port);
  }

  async allocateNext(): Promise<number> {
    if (this.pretending) {
      const port =
        this.allocated.length === 0 ? DRY_RUN_LAST_PORT + 1 : Math.max(...this.allocated) + 1;
      this.allocated.push(port);
      return port;
    }
    const port = await this.ports.allocateNext();
    this.allocated.push(port);
    return port;
  }

  releaseLater(port: number): void {
    this.releaseDeferred.push(port);
  }

  /** The write succeeded: give back what it freed; keep what it took. */
  async commit(): Promise<void> {
    if (this.pretending) return;
    for (const port of this.releaseDeferred) await this.ports.release(port);
    this.shouldRollback = false;
  }

  /** After the write, either way: unless committed, give back what was taken. */
  async finish(): Promise<void> {
    if (!this.shouldRollback || this.pretending) return;
    for (const port of this.allocated) await this.ports.release(port);
  }
}
