/**
 * The labels that tie an EndpointSlice to its Service and its manager (k8s.io/api/discovery/v1
 * well_known_labels.go; setEndpointSliceLabels in staging/src/k8s.io/endpointslice/utils.go).
 *
 * Guarantees: a managed slice carries the Service's own labels, except the three reserved keys,
 * which the controller always sets itself — the Service's name, the manager, and the headless
 * marker exactly when the Service has no cluster IP. kube-proxy finds a Service's slices by the
 * first; the manager label lets other controllers (or people) own slices of the same Service.
 */
import type { EndpointSlice, Service } from "../../api/types.ts";

/** The Service a slice belongs to; what consumers select slices by. */
export const LABEL_SERVICE_NAME = "kubernetes.io/service-name";
/** Who manages a slice; this controller only touches slices carrying its own name here. */
export const LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
/** The endpointslice controller's name in LABEL_MANAGED_BY (controllerQualifiedName). */
export const CONTROLLER_QUALIFIED_NAME = "endpointslice-controller.k8s.io";
/** Present (value "") on the Endpoints and slices of a Service with clusterIP None. */
export const LABEL_HEADLESS = "service.kubernetes.io/headless";

const RESERVED = new Set([LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS]);

/** A ClusterIP is allocated: neither empty nor "None" (helper.IsServiceIPSet). */
export function isServiceIPSet(service: Service): boolean {
  const ip = service.spec.clusterIP;
  return ip !== undefined && ip !== "" && ip !== "None";
}

// #region sliceLabels
/**
 * The labels a managed slice of `service` should have, and whether its non-reserved labels
 * differ from the Service's (only that counts as a change: a reserved label set by someone else
 * is simply overwritten with the next real change).
 */
export function sliceLabels(
  slice: Pick<EndpointSlice, "metadata"> | undefined,
  service: Service,
  controllerName: string,
): { labels: Record<string, string>; changed: boolean } {
  const current = withoutReserved(slice?.metadata.labels);
  const labels = withoutReserved(service.metadata.labels);
  const changed = !sameLabels(current, labels);
  if (!isServiceIPSet(service)) labels[LABEL_HEADLESS] = "";
  labels[LABEL_SERVICE_NAME] = service.metadata.name as string;
  labels[LABEL_MANAGED_BY] = controllerName;
  return { labels, changed };
}
// #endregion sliceLabels

function withoutReserved(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => !RESERVED.has(k)));
}

export function sameLabels(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return (
    x.length === Object.keys(y).length && x.every(([k, v]) => Object.hasOwn(y, k) && y[k] === v)
  );
}
