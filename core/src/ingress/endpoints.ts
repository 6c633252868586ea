/**
 * From an Ingress backend (a Service and one of its ports) to the pod addresses to send requests
 * to. ingress-nginx, like most ingress controllers, bypasses the Service's ClusterIP and
 * kube-proxy: it reads the EndpointSlices and balances over the pods itself
 * (internal/ingress/controller/endpointslices.go, getEndpointsFromSlices).
 *
 * 1. The Service port: `port.number` names the Service's `port`, `port.name` its port's `name`
 *    (the API's IngressServiceBackend; ingress-nginx also accepts a number equal to a targetPort).
 * 2. For each EndpointSlice of the Service (label kubernetes.io/service-name), the pod port:
 *    - a slice without ports: the Service port's targetPort, if it is a number;
 *    - otherwise each TCP port of the slice whose name is the Service port's name (any port, when
 *      the Service port has no name, i.e. is its only port); if none is named so, the targetPort
 *      if it is a number.
 * 3. Every address of every ready endpoint, with each of those ports, once. `ready` unset counts
 *    as ready (the discovery API: "a nil value should be interpreted as true").
 *
 * An ExternalName Service has no endpoints here (ingress-nginx would proxy to the DNS name); an
 * FQDN slice is skipped for the same reason.
 */
import type { EndpointSlice, Service, ServicePort } from "../api/types.ts";

export interface Endpoint {
  address: string;
  port: number;
}

export interface Resolution {
  endpoints: Endpoint[];
  /** Why there are none, when it is not just "no ready pods". */
  problem?: string;
}

// #region resolveEndpoints
export function resolveEndpoints(
  service: Service | undefined,
  port: { number?: number; name?: string },
  slices: readonly EndpointSlice[],
  serviceKey: string,
): Resolution {
  if (!service) return { endpoints: [], problem: `Service "${serviceKey}" not found` };
  if (service.spec.type === "ExternalName")
    return { endpoints: [], problem: `Service "${serviceKey}" is of type ExternalName` };
  const servicePort = (service.spec.ports ?? []).find((p) =>
    port.number !== undefined ? p.port === port.number : p.name === port.name,
  );
  if (!servicePort)
    return {
      endpoints: [],
      problem: `Service "${serviceKey}" has no port ${port.number ?? JSON.stringify(port.name)}`,
    };

  const endpoints: Endpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType === "FQDN") continue;
    const ports = podPorts(slice, servicePort);
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      for (const p of ports) {
        for (const address of endpoint.addresses) {
          const id = `${address}|${p}`;
          if (seen.has(id)) continue;
          seen.add(id);
          endpoints.push({ address, port: p });
        }
      }
    }
  }
  return { endpoints };
}
// #endregion resolveEndpoints

function podPorts(slice: EndpointSlice, servicePort: ServicePort): number[] {
  const target = typeof servicePort.targetPort === "number" ? servicePort.targetPort : undefined;
  const slicePorts = slice.ports ?? [];
  if (slicePorts.length === 0) return target !== undefined ? [target] : [];
  const out: number[] = [];
  for (const p of slicePorts) {
    if ((p.protocol ?? "TCP") !== "TCP") continue;
    let port = 0;
    if (!servicePort.name || p.name === servicePort.name) port = p.port ?? 0;
    if (port === 0 && target !== undefined) port = target;
    if (port !== 0) out.push(port);
  }
  return out;
}
