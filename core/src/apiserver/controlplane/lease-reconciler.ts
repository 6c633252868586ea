/**
 * The lease endpoint reconciler (Kubernetes' leaseEndpointReconciler,
 * pkg/controlplane/reconcilers/lease.go): keeps the `kubernetes` Service's Endpoints (and its
 * EndpointSlice) listing exactly the API servers whose master lease is alive.
 *
 * A reconcile:
 * 1. refresh this API server's lease (so at least it counts, whatever else fails);
 * 2. read the Endpoints and the live leases; no live lease at all means something is wrong,
 *    and the Endpoints are left alone rather than emptied;
 * 3. if the Endpoints has one subset with exactly those addresses (and, when asked, those
 *    ports) and the skip-mirror label, only make sure the slice matches it;
 * 4. otherwise rewrite the subset (addresses from the leases, sorted by repacking; ports) and
 *    write the Endpoints and then the slice.
 */
import type { EndpointPort, Endpoints } from "../../api/types.ts";
import { repackSubsets } from "../../controllers/endpoints/repack.ts";
import type { EndpointsAdapter } from "./endpoints-adapter.ts";
import type { MasterLeases } from "./master-leases.ts";

/** discovery.LabelSkipMirror: the EndpointSlice mirroring controller leaves such Endpoints be. */
export const LABEL_SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror";

/** The namespace the `kubernetes` Service lives in (metav1.NamespaceDefault). */
const NAMESPACE = "default";

const samePort = (a: EndpointPort, b: EndpointPort | undefined) =>
  b !== undefined &&
  a.name === b.name &&
  a.port === b.port &&
  a.protocol === b.protocol &&
  a.appProtocol === b.appProtocol;

export class LeaseEndpointReconciler {
  private stopped = false;

  constructor(
    private readonly adapter: EndpointsAdapter,
    private readonly leases: MasterLeases,
    private readonly log: (line: string) => void = () => {},
  ) {}

  async reconcileEndpoints(
    serviceName: string,
    ip: string,
    ports: EndpointPort[],
    reconcilePorts: boolean,
  ): Promise<void> {
    if (this.stopped) return;
    await this.leases.update(ip);
    await this.doReconcile(serviceName, ports, reconcilePorts);
  }

  /** Drops this API server's lease and reconciles without it (on shutdown). */
  async removeEndpoints(serviceName: string, ip: string, ports: EndpointPort[]): Promise<void> {
    await this.leases.remove(ip);
    await this.doReconcile(serviceName, ports, true);
  }

  stopReconciling(): void {
    this.stopped = true;
  }

  // #region do-reconcile
  private async doReconcile(
    serviceName: string,
    ports: EndpointPort[],
    reconcilePorts: boolean,
  ): Promise<void> {
    const existing = await this.adapter.get(NAMESPACE, serviceName);
    const endpoints: Endpoints = existing ?? {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: serviceName, namespace: NAMESPACE },
    };
    const masterIPs = await this.leases.list();
    if (masterIPs.length === 0) {
      throw new Error(
        "no master IPs were listed in storage, refusing to erase all endpoints for the kubernetes service",
      );
    }
    const labels = endpoints.metadata.labels ?? {};
    const skipMirrorChanged = labels[LABEL_SKIP_MIRROR] !== "true";
    endpoints.metadata.labels = { ...labels, [LABEL_SKIP_MIRROR]: "true" };

    const subsets = endpoints.subsets ?? [];
    const formatCorrect = subsets.length === 1;
    const subset = subsets[0];
    const addresses = (subset?.addresses ?? []).map((a) => a.ip);
    const ipsCorrect =
      formatCorrect &&
      addresses.length === masterIPs.length &&
      new Set(addresses).size === addresses.length &&
      addresses.every((a) => masterIPs.includes(a));
    const portsCorrect =
      formatCorrect &&
      (!reconcilePorts ||
        ((subset?.ports ?? []).length === ports.length &&
          ports.every((p, i) => samePort(p, subset?.ports?.[i]))));
    if (!skipMirrorChanged && formatCorrect && ipsCorrect && portsCorrect) {
      await this.adapter.ensureEndpointSlice(NAMESPACE, endpoints);
      return;
    }
    let next = formatCorrect ? subsets : [{ addresses: [], ports }];
    if (!formatCorrect || !ipsCorrect) {
      next = repackSubsets([{ ...next[0], addresses: masterIPs.map((ip) => ({ ip })) }]);
    }
    if (!portsCorrect) next = [{ ...next[0], ports }];
    endpoints.subsets = next;
    this.log(
      `[apiserver] Resetting endpoints for master service "${serviceName}" to [${masterIPs.join(" ")}]`,
    );
    if (existing) await this.adapter.update(NAMESPACE, endpoints);
    else await this.adapter.create(NAMESPACE, endpoints);
  }
  // #endregion do-reconcile
}
