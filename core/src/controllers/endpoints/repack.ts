/**
 * RepackSubsets: Endpoints subsets in their canonical layout (pkg/api/v1/endpoints/util.go).
 *
 * The endpoints controller first writes one subset per pod and port; repacking merges them so
 * that addresses offering exactly the same ports share one subset, ready addresses under
 * `addresses` and the others under `notReadyAddresses`. Two computations of the same state then
 * give the same subsets, which is how the controller knows when there is nothing to write.
 *
 * Guarantees:
 * - An address (same IP and pod UID) appears at most once per subset; not ready for any one port
 *   wins over ready.
 * - Subsets with no ports (a headless Service without ports) survive, with no ports.
 * - Addresses are ordered by IP, then pod UID. Ports and subsets are in a fixed order of their
 *   content: Kubernetes orders them by an md5 of their printed form, tinykube by their JSON.
 *   Either way equal contents come out equal; the exact order differs from Kubernetes'.
 *
 * Example, Service ports http (targetPort "http") and metrics (9100); pods a and b name http 8080,
 * pod c names it 9090; b is not ready. Before: a/8080, a/9100, b/8080, b/9100, c/9090, c/9100.
 * After:
 *   { addresses: [a], notReadyAddresses: [b], ports: [http 8080] }
 *   { addresses: [a, c], notReadyAddresses: [b], ports: [metrics 9100] }
 *   { addresses: [c], ports: [http 9090] }
 */
import type { EndpointAddress, EndpointPort, Endpoints } from "../../api/types.ts";

export type EndpointSubset = NonNullable<Endpoints["subsets"]>[number];

/** Stands for "no ports" while grouping, so portless addresses are kept. */
const NO_PORTS = "no ports";

// #region repackSubsets
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  // 1. Each port (or NO_PORTS) → the addresses offering it, with their readiness.
  const addressesByKey = new Map<string, EndpointAddress>();
  const ports = new Map<string, EndpointPort | typeof NO_PORTS>();
  const readiness = new Map<string, Map<EndpointAddress, boolean>>();
  const record = (address: EndpointAddress, portKey: string, ready: boolean) => {
    const key = JSON.stringify([address.ip, address.targetRef?.uid ?? ""]);
    let shared = addressesByKey.get(key);
    if (!shared) {
      shared = structuredClone(address);
      addressesByKey.set(key, shared);
    }
    let offering = readiness.get(portKey);
    if (!offering) {
      offering = new Map();
      readiness.set(portKey, offering);
    }
    // Not ready for this port once means not ready for it.
    if (offering.get(shared) !== false) offering.set(shared, ready);
  };
  for (const subset of subsets) {
    const subsetPorts = subset.ports?.length ? subset.ports : [NO_PORTS as typeof NO_PORTS];
    for (const port of subsetPorts) {
      const portKey = port === NO_PORTS ? NO_PORTS : canonical(port);
      ports.set(portKey, port);
      for (const a of subset.addresses ?? []) record(a, portKey, true);
      for (const a of subset.notReadyAddresses ?? []) record(a, portKey, false);
    }
  }
  // 2. Each distinct set of addresses (with readiness) → the ports it offers.
  const groups = new Map<
    string,
    { offering: Map<EndpointAddress, boolean>; ports: EndpointPort[] }
  >();
  for (const [portKey, offering] of readiness) {
    const key = canonical(
      [...offering].sort(([a], [b]) => compareAddresses(a, b)).map(([a, ready]) => [a, ready]),
    );
    const group = groups.get(key) ?? { offering, ports: [] };
    const port = ports.get(portKey);
    if (port && port !== NO_PORTS) group.ports.push(port);
    groups.set(key, group);
  }
  // 3. One subset per group.
  const packed: EndpointSubset[] = [];
  for (const { offering, ports: groupPorts } of groups.values()) {
    const ready = [...offering].filter(([, r]) => r).map(([a]) => a);
    const notReady = [...offering].filter(([, r]) => !r).map(([a]) => a);
    packed.push({
      ...(ready.length > 0 ? { addresses: ready } : {}),
      ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
      ...(groupPorts.length > 0 ? { ports: groupPorts } : {}),
    });
  }
  return sortSubsets(packed);
}
// #endregion repackSubsets

/** SortSubsets: addresses by IP then pod UID; ports and subsets by content. */
export function sortSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  for (const subset of subsets) {
    subset.addresses?.sort(compareAddresses);
    subset.notReadyAddresses?.sort(compareAddresses);
    subset.ports?.sort(byContent);
  }
  return subsets.sort(byContent);
}

/** LessEndpointAddress: by IP (bytewise), then pod UID; no pod reference sorts first. */
export function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const x = a.targetRef?.uid;
  const y = b.targetRef?.uid;
  if (x === y) return 0;
  if (x === undefined) return -1;
  if (y === undefined) return 1;
  return x < y ? -1 : 1;
}

function byContent(a: unknown, b: unknown): number {
  const x = canonical(a);
  const y = canonical(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** JSON with object keys sorted, so equal values print equal whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
