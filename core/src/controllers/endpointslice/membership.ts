/**
 * Which pods back a Service, and which Services a pod change concerns — the helpers the
 * endpoints and endpointslice controllers share in Kubernetes (staging/src/k8s.io/endpointslice/
 * util/controller_utils.go: ShouldPodBeInEndpoints, ShouldSetHostname, podEndpointsChanged,
 * GetServicesToUpdate).
 *
 * Guarantees:
 * - A Service without a selector selects nothing (not everything): its endpoints are written by
 *   someone else, out of band.
 * - A pod update that cannot change any endpoint (an annotation, a container restart count)
 *   queues no Service; a resync (same resourceVersion) queues none either, because the Service
 *   informer's own resync already revisits every Service.
 */
import { matchesLabels, selectorFromSet } from "../../api/labels.ts";
import type { Pod, Service } from "../../api/types.ts";
import { keyOf } from "../../client/indexer.ts";
import { isPodReady } from "../pods.ts";
import { sameLabels } from "./slice-labels.ts";

/**
 * The pod's addresses, podIPs first. Kubernetes' v1 conversion keeps status.podIPs[0] equal to
 * status.podIP, filling either from the other; tinykube stores what the writer sent, so a status
 * with only podIP counts as podIPs [podIP].
 */
export function podIPsOf(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip) => ip);
  if (ips.length > 0) return ips;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

// #region shouldPodBeInEndpoints
/**
 * ShouldPodBeInEndpoints: a pod backs its Services unless it has finished (Succeeded or Failed:
 * it will never serve again), has no address yet, or is being deleted and `includeTerminating`
 * is false. The endpoints controller passes the Service's publishNotReadyAddresses; the
 * endpointslice controller passes true and marks such endpoints terminating instead.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  if (podIPsOf(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}
// #endregion shouldPodBeInEndpoints

/**
 * ShouldSetHostname: a pod that names a hostname and, as its subdomain, this Service (in its own
 * namespace) gets a DNS name `<hostname>.<service>.<namespace>.svc`; the endpoint carries the
 * hostname so cluster DNS can serve it.
 */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return (
    Boolean(pod.spec.hostname) &&
    pod.spec.subdomain === service.metadata.name &&
    pod.metadata.namespace === service.metadata.namespace
  );
}

/**
 * A Service's selector as labels.Set(spec.selector).AsSelectorPreValidated(), or undefined when
 * it has none. An empty map counts as none: Kubernetes stores Services as protobuf, where an
 * empty map reads back as nil, so `selector: {}` never selects every pod.
 */
export function serviceSelector(service: Service) {
  const selector = service.spec.selector;
  if (!selector || Object.keys(selector).length === 0) return undefined;
  return selectorFromSet(selector);
}

/** Keys ("namespace/name") of the Services among `services` whose selector matches `labels`. */
export function servicesSelecting(
  services: Service[],
  labels: Record<string, string> | undefined,
): Set<string> {
  const keys = new Set<string>();
  for (const service of services) {
    const selector = serviceSelector(service);
    if (selector && matchesLabels(selector, labels)) keys.add(keyOf(service));
  }
  return keys;
}

/**
 * podEndpointsChanged: `podChanged` when an endpoint built from the pod may differ (deletion
 * started, readiness flipped, addresses changed); `labelsChanged` when the set of Services that
 * select it may differ (labels, or hostname and subdomain, which decide the endpoint's DNS name).
 * Name, namespace and UID are immutable, and nodeName is set before a pod gets an address.
 */
export function podEndpointsChanged(
  old: Pod,
  pod: Pod,
): { podChanged: boolean; labelsChanged: boolean } {
  const labelsChanged =
    !sameLabels(old.metadata.labels, pod.metadata.labels) ||
    old.spec.hostname !== pod.spec.hostname ||
    old.spec.subdomain !== pod.spec.subdomain;
  const oldIPs = old.status?.podIPs ?? [];
  const newIPs = pod.status?.podIPs ?? [];
  const podChanged =
    old.metadata.deletionTimestamp !== pod.metadata.deletionTimestamp ||
    isPodReady(old) !== isPodReady(pod) ||
    oldIPs.length !== newIPs.length ||
    oldIPs.some((ip, i) => ip.ip !== newIPs[i]?.ip);
  return { podChanged, labelsChanged };
}

// #region servicesToUpdateOnPodChange
/**
 * GetServicesToUpdate for a pod update: the Services whose endpoints may change.
 * - nothing relevant changed (or a resync): none;
 * - only the pod changed: the Services selecting it;
 * - labels changed and the pod too: every Service that selected it before or selects it now;
 * - only labels changed: the Services it joined or left, not those it stays in (their endpoint
 *   is unchanged).
 *
 * Example: a pod labelled app=web,tier=a relabelled app=web,tier=b. Services "web" (app=web), "a"
 * (tier=a) and "b" (tier=b): the pod left "a" and joined "b", so both are queued; "web" is not.
 */
export function servicesToUpdateOnPodChange(services: Service[], old: Pod, pod: Pod): Set<string> {
  if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return new Set();
  const { podChanged, labelsChanged } = podEndpointsChanged(old, pod);
  if (!podChanged && !labelsChanged) return new Set();
  const now = servicesSelecting(services, pod.metadata.labels);
  if (!labelsChanged) return now;
  const before = servicesSelecting(services, old.metadata.labels);
  if (podChanged) return new Set([...now, ...before]);
  return new Set([
    ...[...now].filter((k) => !before.has(k)),
    ...[...before].filter((k) => !now.has(k)),
  ]);
}
// #endregion servicesToUpdateOnPodChange
