/**
 * The node-port repair loop (Kubernetes' portallocator/controller/repair.go): rebuilds the
 * node-port bitmap from the Services that exist and writes it over the stored one.
 *
 *   stored  = the bitmap as it is in the store
 *   rebuilt = an empty bitmap; then, for every node port a Service names:
 *     free in rebuilt     → take it in rebuilt; if stored did not have it: "not allocated;
 *                           repairing" (PortNotAllocated)
 *     taken in rebuilt    → two Services name it (PortAlreadyAllocated)
 *     outside the range   → PortOutOfRange
 *   what stored has and no Service names may have leaked — or may belong to a create that has
 *   allocated but not yet stored its Service. So it is kept for 3 passes and freed on the third:
 *
 *     pass 1: flagged, kept (2 to go)    pass 2: kept (1 to go)    pass 3: freed
 *
 *   finally rebuilt replaces stored by compare-and-swap; a lost race runs the pass again.
 *
 * Kubernetes reports these as Events from "portallocator-repair-controller"; tinykube logs them.
 * A pass runs at start, before the API server serves, and every 3 minutes after.
 */
import type { Service } from "../../../api/types.ts";
import type { Clock, Timer } from "../../../util/clock.ts";
import { AllocationBitmap } from "./bitmap.ts";
import { errorMessage } from "./errors.ts";
import type { PortAllocator } from "./port-allocator.ts";
import { PortRange } from "./port-range.ts";
import { REPAIR_INTERVAL_MS, type ServiceLister } from "./repair-cluster-ips.ts";

/** numRepairsBeforeLeakCleanup. */
export const PASSES_BEFORE_LEAK_CLEANUP = 3;

/** A pass whose write keeps losing races gives up after this many tries (until the next pass). */
const MAX_ATTEMPTS = 10;

/**
 * collectServiceNodePorts: every node port the Service names, the health-check one included.
 * TCP 53 and UDP 53 may share one node port: it counts once. The same port twice with the same
 * protocol counts twice, so it shows up as a duplicate.
 */
export function collectServiceNodePorts(svc: Service): number[] {
  const out: number[] = [];
  const protocols = new Map<number, Set<string>>();
  for (const port of svc.spec.ports ?? []) {
    const nodePort = port.nodePort ?? 0;
    if (nodePort === 0) continue;
    const protocol = port.protocol ?? "";
    const seen = protocols.get(nodePort);
    if (!seen) {
      protocols.set(nodePort, new Set([protocol]));
      out.push(nodePort);
    } else if (seen.has(protocol)) out.push(nodePort);
    else seen.add(protocol);
  }
  if ((svc.spec.healthCheckNodePort ?? 0) !== 0) out.push(svc.spec.healthCheckNodePort ?? 0);
  return out;
}

export interface NodePortRepairDeps {
  ports: PortAllocator;
  services: ServiceLister;
  clock: Clock;
  log?: (line: string) => void;
}

export class NodePortRepair {
  /** Passes left before a port no Service names is freed, per port. */
  private readonly leaks = new Map<number, number>();
  private readonly log: (line: string) => void;
  private timer: Timer | undefined;
  private stopped = false;

  constructor(private readonly deps: NodePortRepairDeps) {
    this.log = deps.log ?? (() => {});
  }

  async start(): Promise<void> {
    await this.runOnce();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.runOnce()
        .catch((error: unknown) =>
          this.log(`[portallocator-repair] pass failed: ${errorMessage(error)}`),
        )
        .finally(() => this.schedule());
    }, REPAIR_INTERVAL_MS);
  }

  /** One pass, again from the start when another writer changed the bitmap meanwhile. */
  async runOnce(): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await this.pass()) return;
    }
    throw new Error(`the node port allocations kept changing; gave up after ${MAX_ATTEMPTS} tries`);
  }

  private warn(reason: string, message: string): void {
    this.log(`[portallocator-repair] Warning ${reason}: ${message}`);
  }

  // #region repair-pass
  private async pass(): Promise<boolean> {
    const { ports, services } = this.deps;
    const range = ports.range;
    const snapshot = await ports.snapshot();
    // The stored ports as numbers, whatever range they were stored for.
    const storedRange = snapshot.range === "" ? range : PortRange.parse(snapshot.range);
    const stored = new Set(
      AllocationBitmap.fromBytes(storedRange.size, snapshot.bitmap.toBytes())
        .items()
        .map((item) => storedRange.base + item),
    );
    const rebuilt = new AllocationBitmap(range.size);
    for (const svc of await services.list()) {
      for (const port of collectServiceNodePorts(svc)) {
        if (!range.contains(port)) {
          this.warn(
            "PortOutOfRange",
            `Port ${port} is not within the port range ${range}; please recreate service`,
          );
        } else if (rebuilt.has(port - range.base)) {
          this.warn(
            "PortAlreadyAllocated",
            `Port ${port} was assigned to multiple services; please recreate service`,
          );
        } else {
          rebuilt.set(port - range.base);
          if (stored.has(port)) stored.delete(port);
          else this.warn("PortNotAllocated", `Port ${port} is not allocated; repairing`);
          this.leaks.delete(port);
        }
      }
    }
    for (const port of stored) {
      const left = this.leaks.get(port) ?? PASSES_BEFORE_LEAK_CLEANUP - 1;
      if (!this.leaks.has(port))
        this.log(
          `[portallocator-repair] the node port ${port} may have leaked: flagging for later clean up`,
        );
      if (left > 0) {
        // Pretend it is still in use until its count runs out.
        this.leaks.set(port, left - 1);
        if (range.contains(port)) rebuilt.set(port - range.base);
      } else {
        this.leaks.delete(port);
        this.log(
          `[portallocator-repair] the node port ${port} appears to have leaked: cleaning up`,
        );
      }
    }
    return ports.replace(rebuilt, snapshot.modRevision);
  }
  // #endregion repair-pass
}
