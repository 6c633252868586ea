/**
 * The cluster-IP repair loop (Kubernetes' RepairIPAddress,
 * pkg/registry/core/service/ipallocator/controller/repairip.go). A Service's cluster IP and its
 * IPAddress point at each other:
 *
 *   Service.spec.clusterIPs ∋ X   ⟷   IPAddress X with parentRef services/<namespace>/<name>
 *
 * and the loop mends whatever breaks that, from both sides:
 *
 *   Service side — for each address a Service holds:
 *     outside the service CIDR                  → say so (ClusterIPOutOfRange); nothing to mend
 *     no IPAddress                              → create it (ClusterIPNotAllocated; repairing)
 *     IPAddress names a non-Service, or a
 *       Service that no longer exists           → recreate it for this Service
 *     IPAddress names another live Service
 *       that holds the address too              → say so (ClusterIPAlreadyAllocated)
 *     IPAddress without the allocator's labels  → recreate it
 *   IPAddress side — for each address the allocator manages:
 *     names no Service                          → delete it
 *     its Service is gone                       → delete it once it is over 60 s old: younger,
 *                                                 it may belong to a create still in flight
 *     its Service does not hold the address     → delete it
 *
 * Kubernetes reports these as Events from "ipallocator-repair-controller"; tinykube logs them,
 * with the same reasons and messages.
 *
 * A pass runs when the API server starts, before it serves, and then every 3 minutes (the
 * informers' resync in Kubernetes: its RepairServicesInterval); a young orphan is checked again
 * when its grace ends.
 */
import type { IPAddress, Service } from "../../../api/types.ts";
import type { Clock, Timer } from "../../../util/clock.ts";
import { errorMessage } from "./errors.ts";
import {
  IP_ALLOCATOR,
  type IPAddressStore,
  isAlreadyExists,
  LABEL_IP_FAMILY,
  LABEL_MANAGED_BY,
  newIPAddress,
} from "./ip-addresses.ts";
import { parseIPv4, type ServiceIPRange } from "./ip-range.ts";
import { clusterIPsOf, hasClusterIP } from "./spec.ts";

/**
 * How old an IPAddress without its Service must be before it counts as leaked: kube-apiserver's
 * default request timeout (60 s), the longest a create can be between allocating and storing.
 */
export const ORPHAN_GRACE_MS = 60_000;

/** Kubernetes' default RepairServicesInterval. */
export const REPAIR_INTERVAL_MS = 3 * 60_000;

/** The Services the repair loops compare against. */
export interface ServiceLister {
  /** Every Service, read consistently from the store (an informer that has synced). */
  list(): Promise<Service[]>;
}

export interface ClusterIPRepairDeps {
  range: ServiceIPRange;
  addresses: IPAddressStore;
  services: ServiceLister;
  clock: Clock;
  log?: (line: string) => void;
}

/** Both sides as one pass read them. */
interface View {
  /** By "namespace/name". */
  services: Map<string, Service>;
  /** By address. */
  addresses: Map<string, IPAddress>;
}

const isManaged = (ip: IPAddress) => ip.metadata.labels?.[LABEL_MANAGED_BY] === IP_ALLOCATOR;

const pointsAtService = (ip: IPAddress) =>
  (ip.spec?.parentRef?.group ?? "") === "" && ip.spec?.parentRef?.resource === "services";

export class ClusterIPRepair {
  private readonly log: (line: string) => void;
  private timer: Timer | undefined;
  private readonly recheck = new Map<string, Timer>();
  private stopped = false;

  constructor(private readonly deps: ClusterIPRepairDeps) {
    this.log = deps.log ?? (() => {});
  }

  /** Runs a pass now, then one every REPAIR_INTERVAL_MS until stop(). */
  async start(): Promise<void> {
    await this.runOnce();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    for (const timer of this.recheck.values()) timer.cancel();
    this.recheck.clear();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.runOnce()
        .catch((error: unknown) =>
          this.log(`[ipallocator-repair] pass failed: ${errorMessage(error)}`),
        )
        .finally(() => this.schedule());
    }, REPAIR_INTERVAL_MS);
  }

  // #region run-once
  /**
   * One pass over a fresh read of both sides: every Service's addresses, then every address the
   * allocator manages. What the pass itself creates or deletes is kept in step in the snapshot.
   */
  async runOnce(): Promise<void> {
    const view = await this.read();
    for (const svc of view.services.values()) await this.syncService(svc, view);
    for (const name of [...view.addresses.keys()]) await this.syncIPAddress(name, view);
  }
  // #endregion run-once

  private async read(): Promise<View> {
    const services = new Map<string, Service>();
    for (const svc of await this.deps.services.list())
      services.set(`${svc.metadata.namespace}/${svc.metadata.name}`, svc);
    const addresses = new Map<string, IPAddress>();
    for (const ip of await this.deps.addresses.list()) addresses.set(ip.metadata.name ?? "", ip);
    return { services, addresses };
  }

  private warn(reason: string, message: string): void {
    this.log(`[ipallocator-repair] Warning ${reason}: ${message}`);
  }

  // #region sync-service
  private async syncService(svc: Service, view: View): Promise<void> {
    if (!hasClusterIP(svc)) return;
    const { namespace = "", name = "" } = svc.metadata;
    for (const ip of clusterIPsOf(svc)) {
      const address = parseIPv4(ip);
      if (address === undefined || !this.deps.range.contains(address)) {
        this.warn(
          "ClusterIPOutOfRange",
          `Cluster IP [IPv4]: ${ip} is not within any configured Service CIDR; please recreate service`,
        );
        continue;
      }
      const held = view.addresses.get(ip);
      if (!held) {
        this.warn("ClusterIPNotAllocated", `Cluster IP [IPv4]: ${ip} is not allocated; repairing`);
        await this.create(ip, svc, view);
        continue;
      }
      const ref = held.spec?.parentRef;
      if (!pointsAtService(held)) {
        this.warn(
          "ClusterIPNotAllocated",
          `the ClusterIP [IPv4]: ${ip} for Service ${namespace}/${name} has a wrong reference; repairing`,
        );
        await this.recreate(ip, svc, view);
        continue;
      }
      if (ref?.namespace !== namespace || ref?.name !== name) {
        const other = view.services.get(`${ref?.namespace}/${ref?.name}`);
        if (!other) {
          this.warn(
            "ClusterIPNotAllocated",
            `the ClusterIP [IPv4]: ${ip} for Service ${namespace}/${name} has a wrong reference; repairing`,
          );
          await this.recreate(ip, svc, view);
          continue;
        }
        // Two live Services claim the address: recreating would flip the reference back and
        // forth forever, so only say so.
        if (clusterIPsOf(other).includes(ip)) {
          this.warn(
            "ClusterIPAlreadyAllocated",
            `Cluster IP [IPv4]:${ip} was assigned to multiple services; please recreate service`,
          );
        }
      }
      const labels = held.metadata.labels ?? {};
      if (labels[LABEL_IP_FAMILY] !== "IPv4" || labels[LABEL_MANAGED_BY] !== IP_ALLOCATOR) {
        await this.recreate(ip, svc, view);
      }
    }
  }
  // #endregion sync-service

  // #region sync-ip-address
  private async syncIPAddress(name: string, view: View): Promise<void> {
    const ip = view.addresses.get(name);
    // Addresses other controllers manage are theirs to clean up.
    if (!ip || !isManaged(ip)) return;
    const ref = ip.spec?.parentRef;
    if (!pointsAtService(ip)) {
      this.warn(
        "IPAddressNotAllocated",
        `IPAddress ${name} appears to have been modified, not referencing a Service ${JSON.stringify(ref ?? null)}: cleaning up`,
      );
      await this.remove(name, view);
      return;
    }
    const svc = view.services.get(`${ref?.namespace}/${ref?.name}`);
    if (!svc) {
      const age = this.deps.clock.now() - Date.parse(ip.metadata.creationTimestamp ?? "");
      if (age > ORPHAN_GRACE_MS) {
        this.warn(
          "IPAddressNotAllocated",
          `IPAddress: ${name} for Service ${ref?.namespace}/${ref?.name} appears to have leaked: cleaning up`,
        );
        await this.remove(name, view);
      } else {
        this.recheckAfter(name, ORPHAN_GRACE_MS - age);
      }
      return;
    }
    if (clusterIPsOf(svc).includes(name)) return;
    this.warn(
      "IPAddressWrongReference",
      `IPAddress: ${name} for Service ${ref?.namespace}/${ref?.name} has a wrong reference; cleaning up`,
    );
    await this.remove(name, view);
  }
  // #endregion sync-ip-address

  /** Looks at one address again once its grace is over (the work queue's AddAfter). */
  private recheckAfter(name: string, ms: number): void {
    if (this.stopped || this.recheck.has(name)) return;
    const timer = this.deps.clock.setTimeout(() => {
      this.recheck.delete(name);
      this.read()
        .then((view) => this.syncIPAddress(name, view))
        .catch((error: unknown) =>
          this.log(`[ipallocator-repair] ${name}: ${errorMessage(error)}`),
        );
    }, ms);
    this.recheck.set(name, timer);
  }

  private async create(ip: string, svc: Service, view: View): Promise<void> {
    const owner = { namespace: svc.metadata.namespace ?? "", name: svc.metadata.name ?? "" };
    const ipAddress = newIPAddress(ip, owner);
    try {
      await this.deps.addresses.create(ipAddress);
      view.addresses.set(ip, ipAddress);
    } catch (error) {
      // Allocated since this pass read the addresses: the next pass looks at it.
      if (!isAlreadyExists(error)) throw error;
    }
  }

  private async recreate(ip: string, svc: Service, view: View): Promise<void> {
    await this.remove(ip, view);
    await this.create(ip, svc, view);
  }

  private async remove(name: string, view: View): Promise<void> {
    await this.deps.addresses.delete(name);
    view.addresses.delete(name);
  }
}
