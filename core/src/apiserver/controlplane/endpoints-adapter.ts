/**
 * Writes the `kubernetes` Service's Endpoints and its one EndpointSlice together (Kubernetes'
 * EndpointsAdapter, pkg/controlplane/reconcilers/endpointsadapter.go). The Service has no
 * selector, so neither the endpoints nor the EndpointSlice controller touches it, and its
 * Endpoints carries endpointslice.kubernetes.io/skip-mirror so the mirroring controller leaves
 * it alone too: this adapter is the only writer of both.
 *
 * The slice is the Endpoints' one subset turned round: same name, labelled with the Service's
 * name (and no managed-by label), one endpoint per address, ready or not as the subset says.
 */
import { applyDefaults } from "../../api/defaults/index.ts";
import type { KubeObject } from "../../api/object.ts";
import type { Endpoint, EndpointAddress, EndpointSlice, Endpoints } from "../../api/types.ts";
import { deepEqual } from "../../api/validate/access.ts";
import type { Registry } from "../registry/registry.ts";

/** discovery.LabelServiceName. */
export const LABEL_SERVICE_NAME = "kubernetes.io/service-name";

const isNotFound = (error: unknown) => (error as { code?: number }).code === 404;
const isAlreadyExists = (error: unknown) =>
  (error as { reason?: string }).reason === "AlreadyExists";

// #region endpoint-slice-from-endpoints
export function endpointSliceFromEndpoints(endpoints: Endpoints): EndpointSlice {
  const subset = endpoints.subsets?.[0];
  const all = [...(subset?.addresses ?? []), ...(subset?.notReadyAddresses ?? [])];
  // IPv6 only if every address is IPv6 (the adapter does not do dual-stack).
  const addressType = all.length > 0 && all.every((a) => a.ip.includes(":")) ? "IPv6" : "IPv4";
  const ofType = (addresses: EndpointAddress[] = [], ready: boolean): Endpoint[] =>
    addresses
      .filter((a) => a.ip.includes(":") === (addressType === "IPv6"))
      .map((a) => ({
        addresses: [a.ip],
        conditions: { ready },
        ...(a.targetRef ? { targetRef: a.targetRef } : {}),
        ...(a.nodeName ? { nodeName: a.nodeName } : {}),
      }));
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: endpoints.metadata.name,
      namespace: endpoints.metadata.namespace,
      labels: { [LABEL_SERVICE_NAME]: endpoints.metadata.name ?? "" },
    },
    addressType,
    endpoints: subset
      ? [...ofType(subset.addresses, true), ...ofType(subset.notReadyAddresses, false)]
      : [],
    ...(subset?.ports
      ? {
          ports: subset.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
        }
      : {}),
  };
}
// #endregion endpoint-slice-from-endpoints

export class EndpointsAdapter {
  constructor(
    private readonly endpoints: Registry,
    private readonly slices: Registry,
  ) {}

  /** The Endpoints, or undefined if there is none. */
  async get(namespace: string, name: string): Promise<Endpoints | undefined> {
    try {
      return (await this.endpoints.get(namespace, name)) as Endpoints;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates the Endpoints (AlreadyExists is fine: another API server won), then the slice. */
  async create(namespace: string, endpoints: Endpoints): Promise<void> {
    try {
      const created = await this.endpoints.create(namespace, withDefaults(endpoints));
      await this.ensureEndpointSlice(namespace, created as Endpoints);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  /** Updates the Endpoints (at the resourceVersion it was read at), then the slice. */
  async update(namespace: string, endpoints: Endpoints): Promise<void> {
    const name = endpoints.metadata.name ?? "";
    const { object } = await this.endpoints.update(namespace, name, withDefaults(endpoints));
    await this.ensureEndpointSlice(namespace, object as Endpoints);
  }

  // #region ensure-endpoint-slice
  /**
   * EnsureEndpointSliceFromEndpoints: create the slice if missing; re-create it if its address
   * type changed (addressType is immutable); update it if its endpoints, ports or labels differ.
   */
  async ensureEndpointSlice(namespace: string, endpoints: Endpoints): Promise<void> {
    const desired = withDefaults(endpointSliceFromEndpoints(endpoints));
    const name = desired.metadata.name ?? "";
    let current: EndpointSlice;
    try {
      current = (await this.slices.get(namespace, name)) as EndpointSlice;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.slices.create(namespace, desired).catch((e: unknown) => {
        if (!isAlreadyExists(e)) throw e;
      });
      return;
    }
    if (current.addressType !== desired.addressType) {
      await this.slices.delete(namespace, name);
      await this.slices.create(namespace, desired);
      return;
    }
    if (
      deepEqual(current.endpoints, desired.endpoints) &&
      deepEqual(current.ports, desired.ports) &&
      deepEqual(current.metadata.labels, desired.metadata.labels)
    ) {
      return;
    }
    // An update without a resourceVersion applies to whatever is current, as the Go client's
    // Update of an object it built from scratch does.
    await this.slices.update(namespace, name, desired);
  }
  // #endregion ensure-endpoint-slice
}

/** What the API server's decoding would have defaulted, had these come over HTTP. */
function withDefaults<T extends KubeObject>(object: T): T {
  return applyDefaults(structuredClone(object));
}
