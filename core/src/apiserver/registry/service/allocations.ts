/**
 * What a Service write takes from the cluster-IP and node-port allocators, and gives back
 * (Kubernetes' pkg/registry/core/service/storage/alloc.go). The registry calls it before it
 * validates and stores the Service, and ends the returned transaction after:
 *
 *   allocateCreate / allocateUpdate  → fills in spec.clusterIP(s), nodePorts, healthCheckNodePort
 *   transaction.commit()             → the Service was stored: free what the update let go
 *   transaction.revert()             → it was not: give back what this write took
 *
 * The store has no transaction spanning the allocators and the Service, so this is the order
 * that makes failures safe: take first, release only after the Service stopped naming it. A
 * crash in between leaks an address or a port, never hands one out twice; the repair loops
 * find such leaks.
 *
 * Each call runs in a mode (AllocationMode): "write" for real, "dry-run" as Kubernetes' dry run,
 * or "check" — tinykube's look before a write, which refuses what the write would refuse and
 * reserves nothing (strategy.ts, validateFirst).
 *
 * Errors are Kubernetes': a requested address or port that cannot be had is 422 Invalid on the
 * field ("spec.clusterIPs: Invalid value: [\"127.96.0.10\"]: failed to allocate IP 127.96.0.10:
 * provided IP is already allocated"); an exhausted range is 500 ("Internal error occurred:
 * failed to allocate a serviceIP: range is full").
 */
import type { Service, ServicePort } from "../../../api/types.ts";
import { validateServiceClusterIPsRelatedFields } from "../../../api/validate/index.ts";
import { type FieldError, invalid as fieldInvalid } from "../../../api/validation.ts";
import { internalError, invalid } from "../../errors.ts";
import { AllocationError, errorMessage } from "./errors.ts";
import type { ServiceName } from "./ip-addresses.ts";
import type { ClusterIPAllocator, IPAllocator } from "./ip-allocator.ts";
import type { PortAllocator } from "./port-allocator.ts";
import { type AllocationMode, PortAllocationOperation } from "./port-operation.ts";
import {
  clusterIPsOf,
  isExternalName,
  isHeadless,
  needsHealthCheckNodePort,
  needsNodePort,
  nodePortsOf,
  shouldAllocateNodePorts,
} from "./spec.ts";

export interface Transaction {
  commit(): Promise<void>;
  revert(): Promise<void>;
}

const SERVICE_KIND = { group: "", kind: "Service" };

/** tinykube's clusters are single-stack IPv4 (DESIGN.md, "Network model"). */
const CLUSTER_FAMILY = "IPv4";

function nameOf(svc: Service): ServiceName {
  return { namespace: svc.metadata.namespace ?? "", name: svc.metadata.name ?? "" };
}

const refuse = (svc: Service, errors: FieldError[]) =>
  invalid(SERVICE_KIND, svc.metadata.name ?? "", errors);

/** Runs every transaction's commit (or revert), in order. */
function allOf(transactions: Transaction[]): Transaction {
  return {
    async commit() {
      for (const t of transactions) await t.commit();
    },
    async revert() {
      for (const t of transactions) await t.revert();
    },
  };
}

export class ServiceAllocations {
  constructor(
    private readonly clusterIPs: IPAllocator,
    private readonly nodePorts: PortAllocator,
    private readonly log: (line: string) => void = () => {},
  ) {}

  // #region allocate-create
  /** 1. check the IP-family fields; 2. take the cluster IP; 3. take the node ports. */
  async allocateCreate(svc: Service, mode: AllocationMode): Promise<Transaction> {
    this.checkIPFamilies(svc);
    const ips = await this.txnAllocClusterIPs(svc, mode);
    try {
      return allOf([ips, await this.txnAllocNodePorts(svc, mode)]);
    } catch (error) {
      await ips.revert();
      throw error;
    }
  }
  // #endregion allocate-create

  // #region allocate-update
  /**
   * 1. check the IP-family fields; 2. cluster IPs: take them when the Service stops being an
   *    ExternalName, mark them for release when it becomes one; 3. node ports: take new ones,
   *    mark the ones no longer named for release.
   */
  async allocateUpdate(svc: Service, old: Service, mode: AllocationMode): Promise<Transaction> {
    this.checkIPFamilies(svc);
    const ips = await this.txnUpdateClusterIPs(svc, old, mode);
    try {
      return allOf([ips, await this.txnUpdateNodePorts(svc, old, mode)]);
    } catch (error) {
      await ips.revert();
      throw error;
    }
  }
  // #endregion allocate-update

  /**
   * The Service is gone: give back its cluster IP and node ports. Failures are only logged; the
   * repair loops pick up what was not given back.
   */
  async releaseAllocatedResources(svc: Service): Promise<void> {
    const what = `${svc.metadata.namespace}/${svc.metadata.name}`;
    if (!isExternalName(svc) && !isHeadless(svc)) {
      for (const ip of clusterIPsOf(svc)) {
        await this.clusterIPs
          .release(ip)
          .catch((e) =>
            this.log(`[apiserver] releasing cluster IP ${ip} of ${what}: ${errorMessage(e)}`),
          );
      }
    }
    const ports = nodePortsOf(svc);
    if (needsHealthCheckNodePort(svc) && (svc.spec.healthCheckNodePort ?? 0) > 0)
      ports.push(svc.spec.healthCheckNodePort ?? 0);
    for (const port of ports) {
      await this.nodePorts
        .release(port)
        .catch((e) =>
          this.log(`[apiserver] releasing node port ${port} of ${what}: ${errorMessage(e)}`),
        );
    }
  }

  /**
   * The part of initIPFamilyFields a single-stack cluster needs: the loose clusterIP checks
   * first (so no allocator sees a malformed address), then refuse what asks for IPv6.
   */
  private checkIPFamilies(svc: Service): void {
    if (isExternalName(svc)) return;
    const loose = validateServiceClusterIPsRelatedFields(svc);
    if (loose.length > 0) throw refuse(svc, loose);
    const errs: FieldError[] = [];
    const policy = svc.spec.ipFamilyPolicy;
    const ips = clusterIPsOf(svc);
    const families = svc.spec.ipFamilies ?? [];
    if (policy === "SingleStack" && ips.length === 2) {
      errs.push(
        fieldInvalid(
          "spec.ipFamilyPolicy",
          policy,
          "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified",
        ),
      );
    }
    if (policy === "SingleStack" && families.length === 2) {
      errs.push(
        fieldInvalid(
          "spec.ipFamilyPolicy",
          policy,
          "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified",
        ),
      );
    }
    if (errs.length > 0) throw refuse(svc, errs);
    // Headless and selectorless may name both families: its endpoints are written by hand.
    if (isHeadless(svc) && Object.keys(svc.spec.selector ?? {}).length === 0) return;
    if (policy === "RequireDualStack") {
      errs.push(
        fieldInvalid(
          "spec.ipFamilyPolicy",
          policy,
          "this cluster is not configured for dual-stack services",
        ),
      );
    }
    families.forEach((family, i) => {
      if (family !== CLUSTER_FAMILY)
        errs.push(fieldInvalid(`spec.ipFamilies[${i}]`, family, "not configured on this cluster"));
    });
    if (errs.length > 0) throw refuse(svc, errs);
  }

  private async txnAllocClusterIPs(svc: Service, mode: AllocationMode): Promise<Transaction> {
    const allocated = await this.allocClusterIPs(svc, mode);
    return {
      commit: async () => {},
      revert: async () => {
        if (mode === "write" && allocated !== undefined) await this.clusterIPs.release(allocated);
      },
    };
  }

  // #region alloc-cluster-ips
  /**
   * ExternalName and headless Services get no address. Otherwise the requested one, or any free
   * one; the result goes into both clusterIP and clusterIPs[0]. Returns what was taken.
   */
  private async allocClusterIPs(svc: Service, mode: AllocationMode): Promise<string | undefined> {
    if (isExternalName(svc) || isHeadless(svc)) return undefined;
    const allocator: ClusterIPAllocator =
      mode === "write"
        ? this.clusterIPs
        : mode === "dry-run"
          ? this.clusterIPs.dryRun()
          : this.clusterIPs.check();
    const requested = clusterIPsOf(svc)[0] ?? "";
    // Any free address will do: nothing to check before the write.
    if (requested === "" && mode === "check") return undefined;
    let ip: string;
    if (requested === "") {
      try {
        ip = await allocator.allocateNext(nameOf(svc));
      } catch (error) {
        throw internalError(new Error(`failed to allocate a serviceIP: ${errorMessage(error)}`));
      }
    } else {
      try {
        await allocator.allocate(requested, nameOf(svc));
      } catch (error) {
        if (!(error instanceof AllocationError)) throw error;
        throw refuse(svc, [
          fieldInvalid(
            "spec.clusterIPs",
            clusterIPsOf(svc),
            `failed to allocate IP ${requested}: ${error.message}`,
          ),
        ]);
      }
      ip = requested;
    }
    svc.spec.clusterIPs = [ip, ...clusterIPsOf(svc).slice(1)];
    svc.spec.clusterIP = ip;
    return ip;
  }
  // #endregion alloc-cluster-ips

  /**
   * The update cases of a single-stack cluster: from ExternalName, take an address; to
   * ExternalName, release the old ones on commit. (Dual-stack upgrades and downgrades cannot
   * happen here: checkIPFamilies refuses a second family.)
   */
  private async txnUpdateClusterIPs(
    svc: Service,
    old: Service,
    mode: AllocationMode,
  ): Promise<Transaction> {
    let allocated: string | undefined;
    let released: string[] = [];
    if (isExternalName(old) && !isExternalName(svc)) {
      allocated = await this.allocClusterIPs(svc, mode);
    } else if (!isExternalName(old) && !isHeadless(old) && isExternalName(svc)) {
      released = clusterIPsOf(old);
    }
    return {
      commit: async () => {
        if (mode !== "write") return;
        for (const ip of released) await this.clusterIPs.release(ip);
      },
      revert: async () => {
        if (mode === "write" && allocated !== undefined) await this.clusterIPs.release(allocated);
      },
    };
  }

  private async txnAllocNodePorts(svc: Service, mode: AllocationMode): Promise<Transaction> {
    const op = new PortAllocationOperation(this.nodePorts, mode);
    try {
      if (needsNodePort(svc)) await initNodePorts(svc, op);
      if (needsHealthCheckNodePort(svc)) await allocHealthCheckNodePort(svc, op);
    } catch (error) {
      await op.finish();
      throw error;
    }
    return portTransaction(op);
  }

  private async txnUpdateNodePorts(
    svc: Service,
    old: Service,
    mode: AllocationMode,
  ): Promise<Transaction> {
    const op = new PortAllocationOperation(this.nodePorts, mode);
    try {
      // To ClusterIP or ExternalName: the old node ports go when the write commits.
      if (needsNodePort(old) && (svc.spec.type === "ClusterIP" || isExternalName(svc))) {
        for (const port of nodePortsOf(old)) op.releaseLater(port);
      }
      if (needsNodePort(svc)) await updateNodePorts(svc, old, op);
      const needed = needsHealthCheckNodePort(old);
      const needs = needsHealthCheckNodePort(svc);
      if (!needed && needs) await allocHealthCheckNodePort(svc, op);
      if (needed && !needs) op.releaseLater(old.spec.healthCheckNodePort ?? 0);
    } catch (error) {
      await op.finish();
      throw error;
    }
    return portTransaction(op);
  }
}

function portTransaction(op: PortAllocationOperation): Transaction {
  return {
    async commit() {
      await op.commit();
      await op.finish();
    },
    revert: () => op.finish(),
  };
}

/** A requested node port that cannot be had is Invalid on that port's field. */
async function allocateRequested(
  svc: Service,
  op: PortAllocationOperation,
  port: number,
  i: number,
): Promise<void> {
  try {
    await op.allocate(port);
  } catch (error) {
    if (!(error instanceof AllocationError)) throw error;
    throw refuse(svc, [fieldInvalid(`spec.ports[${i}].nodePort`, port, error.message)]);
  }
}

async function allocateAny(op: PortAllocationOperation): Promise<number> {
  try {
    return await op.allocateNext();
  } catch (error) {
    throw internalError(new Error(`failed to allocate a nodePort: ${errorMessage(error)}`));
  }
}

/** The first port with this number that asks for a node port, or 0. */
const requestedNodePort = (port: number, ports: ServicePort[]) =>
  ports.find((p) => p.port === port && (p.nodePort ?? 0) !== 0)?.nodePort ?? 0;

// #region init-node-ports
/**
 * On create. Ports that share a number (TCP 53 and UDP 53) share one node port: the first
 * nodePort requested for that number, else one allocated for the first of them.
 */
async function initNodePorts(svc: Service, op: PortAllocationOperation): Promise<void> {
  const byPort = new Map<number, number>();
  const ports = svc.spec.ports ?? [];
  for (const [i, port] of ports.entries()) {
    // A LoadBalancer with allocateLoadBalancerNodePorts: false only gets the ones it names.
    if ((port.nodePort ?? 0) === 0 && !shouldAllocateNodePorts(svc)) continue;
    const shared = byPort.get(port.port);
    if (shared === undefined) {
      const requested = requestedNodePort(port.port, ports);
      if (requested !== 0) await allocateRequested(svc, op, requested, i);
      port.nodePort = requested !== 0 ? requested : await allocateAny(op);
      byPort.set(port.port, port.nodePort);
    } else if ((port.nodePort ?? 0) === 0) {
      port.nodePort = shared;
    } else if (port.nodePort !== shared) {
      await allocateRequested(svc, op, port.nodePort ?? 0, i);
    }
  }
}
// #endregion init-node-ports

/**
 * On update: a node port the old Service did not hold is taken, an unset one allocated; the old
 * ones the new Service no longer names are released on commit.
 */
async function updateNodePorts(
  svc: Service,
  old: Service,
  op: PortAllocationOperation,
): Promise<void> {
  const oldPorts = nodePortsOf(old);
  const taken = new Set<number>();
  const seen: string[] = [];
  for (const [i, port] of (svc.spec.ports ?? []).entries()) {
    if ((port.nodePort ?? 0) === 0 && !shouldAllocateNodePorts(svc)) continue;
    if ((port.nodePort ?? 0) !== 0) {
      const wanted = port.nodePort ?? 0;
      if (!oldPorts.includes(wanted) && !taken.has(wanted)) {
        await allocateRequested(svc, op, wanted, i);
        taken.add(wanted);
      }
    } else {
      port.nodePort = await allocateAny(op);
    }
    // Go prints the ServiceNodePort struct: {TCP 30080}.
    const key = `{${port.protocol ?? ""} ${port.nodePort}}`;
    if (seen.includes(key)) throw internalError(new Error(`duplicate nodePort: ${key}`));
    seen.push(key);
  }
  const newPorts = nodePortsOf(svc);
  for (const port of oldPorts) if (!newPorts.includes(port)) op.releaseLater(port);
}

/** The health-check node port: the one requested, or any free one. */
async function allocHealthCheckNodePort(svc: Service, op: PortAllocationOperation): Promise<void> {
  const requested = svc.spec.healthCheckNodePort ?? 0;
  try {
    if (requested !== 0) {
      await op.allocate(requested).catch((error: unknown) => {
        throw new Error(
          `failed to allocate requested HealthCheck NodePort ${requested}: ${errorMessage(error)}`,
        );
      });
      return;
    }
    svc.spec.healthCheckNodePort = await op.allocateNext().catch((error: unknown) => {
      // Go prints the variable it is filling, which is still 0.
      throw new Error(`failed to allocate a HealthCheck NodePort 0: ${errorMessage(error)}`);
    });
  } catch (error) {
    throw internalError(error);
  }
}
