/**
 * The subsets of a Service's Endpoints, computed from the pods it selects — the body of
 * syncService in pkg/controller/endpoint/endpoints_controller.go (podToEndpointAddressForService,
 * addEndpointSubset, endpointPortFromServicePort), then RepackSubsets.
 *
 * Guarantees:
 * - A pod is listed if ShouldPodBeInEndpoints holds: not finished, has an address, and not being
 *   deleted — unless the Service publishes not-ready addresses, which also keeps terminating pods.
 * - Ready pods go under `addresses`, the others under `notReadyAddresses`; with
 *   publishNotReadyAddresses every listed pod counts as ready (a StatefulSet's peers must find
 *   each other in DNS before they are ready).
 * - Each Service port is resolved per pod (FindPort); a pod whose named targetPort does not
 *   resolve is left out for that port only. A pod that resolves no port at all is not listed,
 *   except for a headless Service without ports, whose pods are listed with no ports.
 * - One address per pod, of the Service's IP family.
 */
import { isIP } from "node:net";
import type { EndpointAddress, EndpointPort, Pod, Service } from "../../api/types.ts";
import { findPort } from "../endpointslice/find-port.ts";
import {
  podIPsOf,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from "../endpointslice/membership.ts";
import { isPodReady } from "../pods.ts";
import { type EndpointSubset, repackSubsets } from "./repack.ts";

// #region desiredSubsets
export function desiredSubsets(service: Service, pods: Pod[]): EndpointSubset[] {
  const tolerateUnready = service.spec.publishNotReadyAddresses === true;
  const servicePorts = service.spec.ports ?? [];
  const subsets: EndpointSubset[] = [];
  const add = (pod: Pod, address: EndpointAddress, port: EndpointPort | undefined) => {
    const ports = port ? { ports: [port] } : {};
    if (tolerateUnready || isPodReady(pod)) subsets.push({ addresses: [address], ...ports });
    else subsets.push({ notReadyAddresses: [address], ...ports });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const address = podToEndpointAddress(service, pod);
    // No address of the Service's family (a single-stack pod behind the other family).
    if (!address) continue;
    if (shouldSetHostname(pod, service)) address.hostname = pod.spec.hostname as string;
    if (servicePorts.length === 0) {
      // Headless Services may have no ports; a Service with a cluster IP needs them.
      if (service.spec.clusterIP === "None") add(pod, address, undefined);
      continue;
    }
    for (const servicePort of servicePorts) {
      const port = findPort(pod, servicePort);
      if (port === undefined) continue;
      add(pod, address, {
        ...(servicePort.name ? { name: servicePort.name } : {}),
        port,
        protocol: servicePort.protocol ?? "TCP",
        ...(servicePort.appProtocol !== undefined ? { appProtocol: servicePort.appProtocol } : {}),
      });
    }
  }
  return repackSubsets(subsets);
}
// #endregion desiredSubsets

/**
 * podToEndpointAddressForService: the pod's first address of the Service's family — its first
 * spec.ipFamilies entry; for a Service from before IP families, its clusterIP's family, or for a
 * headless one the pod's own primary family.
 */
export function podToEndpointAddress(service: Service, pod: Pod): EndpointAddress | undefined {
  const ips = podIPsOf(pod);
  let family = service.spec.ipFamilies?.[0];
  if (!family) {
    const clusterIP = service.spec.clusterIP;
    const probe = clusterIP && clusterIP !== "None" ? clusterIP : (ips[0] ?? "");
    family = isIP(probe) === 6 ? "IPv6" : "IPv4";
  }
  const want = family === "IPv6" ? 6 : 4;
  const ip = ips.find((candidate) => isIP(candidate) === want);
  if (!ip) return undefined;
  return {
    ip,
    // Kubernetes writes the pod's nodeName even when empty; a pod has an address only once it
    // is on a node, and the API rejects an empty nodeName, so tinykube leaves an empty one out.
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: {
      kind: "Pod",
      namespace: pod.metadata.namespace as string,
      name: pod.metadata.name as string,
      uid: pod.metadata.uid as string,
    },
  };
}
