/**
 * From a pod to the endpoint that represents it in a Service's EndpointSlices, and the keys that
 * group and identify endpoints (staging/src/k8s.io/endpointslice/utils.go podToEndpoint,
 * getEndpointPorts, getAddressTypesForService; util/endpointset.go hashEndpoint;
 * util/controller_utils.go NewPortMapKey, EndpointsEqualBeyondHash).
 *
 * Guarantees:
 * - An endpoint's conditions say three things apart: serving (the pod is Ready), terminating
 *   (it is being deleted), and ready (serving and not terminating — or always, for a Service
 *   with publishNotReadyAddresses). kube-proxy sends new connections to ready endpoints, and falls
 *   back to serving terminating ones only when no endpoint is ready.
 * - Endpoints are identified by their addresses, hostname and pod (endpointKey), not their
 *   conditions: a pod turning ready is an update of its endpoint in place, not a remove and add.
 * - Pods whose named targetPorts resolve to the same numbers share a port map key, and only
 *   pods with the same key may share a slice, because a slice has one list of ports.
 */
import { isIP } from "node:net";
import type { KubeObject } from "../../api/object.ts";
import type { Endpoint, EndpointPort, Pod, Service } from "../../api/types.ts";
import { isPodReady } from "../pods.ts";
import { findPort } from "./find-port.ts";
import { podIPsOf, shouldSetHostname } from "./membership.ts";

export type AddressType = "IPv4" | "IPv6";

/** The node label that names its zone; endpoints copy it for topology-aware routing. */
export const LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone";

/**
 * The address types a Service's slices use: one per entry of spec.ipFamilies. A Service from
 * before IP families were defaulted has none; then its clusterIP's family, or both for a headless
 * Service, so its traffic is not cut while the API server catches up.
 */
export function addressTypesForService(service: Service): AddressType[] {
  const families = service.spec.ipFamilies ?? [];
  const types = (["IPv4", "IPv6"] as const).filter((t) => families.includes(t));
  if (types.length > 0) return types;
  const ip = service.spec.clusterIP;
  if (ip && ip !== "None") return [isIP(ip) === 6 ? "IPv6" : "IPv4"];
  return ["IPv4", "IPv6"];
}

/** The pod's addresses of one family. */
export function endpointAddresses(pod: Pod, addressType: AddressType): string[] {
  const want = addressType === "IPv6" ? 6 : 4;
  return podIPsOf(pod).filter((ip) => isIP(ip) === want);
}

// #region endpointPortsFor
/**
 * getEndpointPorts: each Service port resolved on this pod; a named targetPort the pod does not
 * have is left out (for this pod only). A headless Service may have no ports at all.
 */
export function endpointPortsFor(service: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const servicePort of service.spec.ports ?? []) {
    const port = findPort(pod, servicePort);
    if (port === undefined) continue;
    ports.push({
      name: servicePort.name ?? "",
      port,
      // The API server defaults a Service port's protocol to TCP; a slice port's likewise.
      protocol: servicePort.protocol ?? "TCP",
      ...(servicePort.appProtocol !== undefined ? { appProtocol: servicePort.appProtocol } : {}),
    });
  }
  return ports;
}
// #endregion endpointPortsFor

// #region podToEndpoint
/** podToEndpoint: the endpoint for one pod in a slice of `addressType`. */
export function podToEndpoint(
  pod: Pod,
  node: KubeObject | undefined,
  service: Service,
  addressType: AddressType,
): Endpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  // For compatibility, ready is never true for a terminating pod, unless the Service publishes
  // not-ready addresses.
  const ready = service.spec.publishNotReadyAddresses === true || (serving && !terminating);
  const zone = node?.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
  return {
    addresses: endpointAddresses(pod, addressType),
    conditions: { ready, serving, terminating },
    ...(shouldSetHostname(pod, service) ? { hostname: pod.spec.hostname as string } : {}),
    targetRef: {
      kind: "Pod",
      namespace: pod.metadata.namespace as string,
      name: pod.metadata.name as string,
      uid: pod.metadata.uid as string,
    },
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(zone ? { zone } : {}),
  };
}
// #endregion podToEndpoint

/**
 * hashEndpoint: what makes two endpoints the same endpoint — sorted addresses, hostname, and the
 * pod's namespace and name. Conditions, node and zone are not part of it, so they change in place.
 */
export function endpointKey(endpoint: Endpoint): string {
  return JSON.stringify([
    [...endpoint.addresses].sort(),
    endpoint.hostname ?? "",
    endpoint.targetRef?.namespace ?? "",
    endpoint.targetRef?.name ?? "",
  ]);
}

/**
 * NewPortMapKey: one key per distinct set of ports, whatever their order. Kubernetes hashes the
 * sorted ports; a canonical string serves the same purpose.
 */
export function portMapKey(ports: EndpointPort[] | null | undefined): string {
  return JSON.stringify(
    (ports ?? [])
      .map((p) => JSON.stringify([p.name ?? "", p.port, p.protocol ?? "", p.appProtocol ?? null]))
      .sort(),
  );
}

/**
 * EndpointsEqualBeyondHash: two endpoints with the same key are equal when their node, zone,
 * conditions and pod reference agree (a condition that is unset differs from one that is false).
 */
export function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  return (
    a.nodeName === b.nodeName &&
    a.zone === b.zone &&
    a.conditions.ready === b.conditions.ready &&
    a.conditions.serving === b.conditions.serving &&
    a.conditions.terminating === b.conditions.terminating &&
    sameRef(a.targetRef, b.targetRef)
  );
}

/** ObjectReferences equal but for resourceVersion (a pod's changes that do not matter here). */
function sameRef(a: Endpoint["targetRef"], b: Endpoint["targetRef"]): boolean {
  if (!a || !b) return a === b;
  const { resourceVersion: _a, ...x } = a as Record<string, unknown>;
  const { resourceVersion: _b, ...y } = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => (x[k] ?? "") === (y[k] ?? ""));
}
