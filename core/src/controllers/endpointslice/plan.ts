/**
 * The EndpointSlice reconciler's arithmetic: given a Service's slices of one address type and the
 * endpoints it should have, which slices to create, update and delete
 * (staging/src/k8s.io/endpointslice/reconciler.go: reconcileByAddressType, reconcileByPortMapping,
 * the start of finalize; utils.go: newEndpointSlice, getSliceToFill, ownedBy). Pure: the
 * reconciler does the writes.
 *
 * Guarantees:
 * - At most `maxEndpointsPerSlice` endpoints per slice, and one set of ports per slice.
 * - Few writes: an endpoint that did not change stays in its slice; a slice is rewritten only if
 *   one of its endpoints (or the Service's labels) changed; new endpoints go first into slices that
 *   are being rewritten anyway, then into the existing slice they fill most exactly, and only
 *   then into new slices.
 * - A Service with no endpoints keeps exactly one empty placeholder slice (no ports, no
 *   endpoints), so consumers can tell "no endpoints" from "not processed yet".
 * - A slice to create and a slice to delete of the same address type become one update of the
 *   latter (recycleDeletions), so churn does not create and delete objects needlessly.
 *
 * Worked example, max 100 per slice. Slices A (100 endpoints) and B (40); 5 of A's pods went
 * away and 30 new pods arrived:
 *   1. A keeps 95 → to update; B unchanged (40)
 *   2. fill the slices being updated, fullest first: A takes 5 new → 100; 25 left
 *   3. 25 < 100 and B is unchanged: the slice that fits them most exactly is B (40 + 25 = 65
 *      ≤ 100) → B takes 25, to update. Nothing is created.
 */
import type { Endpoint, EndpointPort, EndpointSlice, Service } from "../../api/types.ts";
import { type AddressType, endpointKey, endpointsEqualBeyondHash, portMapKey } from "./desired.ts";
import { sameLabels, sliceLabels } from "./slice-labels.ts";

/** The endpoints wanted for one set of ports: endpointKey → endpoint. */
export interface DesiredGroup {
  ports: EndpointPort[];
  endpoints: Map<string, Endpoint>;
}

export interface SliceChanges {
  toCreate: EndpointSlice[];
  toUpdate: EndpointSlice[];
  toDelete: EndpointSlice[];
}

export interface PlanInput {
  service: Service;
  /** The Service's managed slices of `addressType`, as the cache has them. */
  existing: EndpointSlice[];
  /** portMapKey → what those ports' slices should hold. */
  desired: Map<string, DesiredGroup>;
  addressType: AddressType;
  maxEndpointsPerSlice: number;
  controllerName: string;
}

// #region planByAddressType
/**
 * reconcileByAddressType's decisions:
 * 1. Slices not owned by this Service (left by a deleted Service of the same name) go.
 * 2. Per set of ports wanted, planByPortMapping against the slices with those ports.
 * 3. Slices whose ports are no longer wanted go.
 * 4. If every slice goes and none is created, keep (or create) the one placeholder.
 */
export function planByAddressType(input: PlanInput): SliceChanges {
  const { service, existing, desired } = input;
  const changes: SliceChanges = { toCreate: [], toUpdate: [], toDelete: [] };
  const existingByPorts = new Map<string, EndpointSlice[]>();
  for (const slice of existing) {
    if (!ownedBy(slice, service)) {
      changes.toDelete.push(slice);
      continue;
    }
    const key = portMapKey(slice.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
  }
  for (const [key, group] of desired) {
    const part = planByPortMapping(input, existingByPorts.get(key) ?? [], group);
    changes.toCreate.push(...part.toCreate);
    changes.toUpdate.push(...part.toUpdate);
    changes.toDelete.push(...part.toDelete);
  }
  for (const [key, slices] of existingByPorts)
    if (!desired.has(key)) changes.toDelete.push(...slices);
  if (existing.length === changes.toDelete.length && changes.toCreate.length === 0) {
    const placeholder = newEndpointSlice(service, [], input.addressType, input.controllerName);
    const only = changes.toDelete.length === 1 ? changes.toDelete[0] : undefined;
    // Already there: deleting it to create the same again would be churn.
    if (only && isSamePlaceholder(only, placeholder)) changes.toDelete = [];
    else changes.toCreate.push(placeholder);
  }
  return changes;
}
// #endregion planByAddressType

// #region planByPortMapping
/**
 * reconcileByPortMapping, for the slices sharing one set of ports:
 * 1. Walk the existing slices: keep each endpoint still wanted (in its new form), drop the rest.
 *    A slice that lost every endpoint goes; one that changed (or whose labels differ from the
 *    Service's) is updated; the others are unchanged.
 * 2. Put the endpoints still unplaced into the slices being updated, fullest first.
 * 3. Then, while some remain: fewer than a full slice → the unchanged slice they fill most
 *    exactly; otherwise (or if none fits) a new slice.
 */
function planByPortMapping(
  input: PlanInput,
  existing: EndpointSlice[],
  group: DesiredGroup,
): SliceChanges {
  const { service, maxEndpointsPerSlice: max, controllerName } = input;
  const wanted = new Map(group.endpoints);
  const byName = new Map<string, EndpointSlice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();

  for (const slice of existing) {
    const name = slice.metadata.name as string;
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let endpointChanged = false;
    for (const endpoint of slice.endpoints ?? []) {
      const key = endpointKey(endpoint);
      const want = wanted.get(key);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, endpoint)) endpointChanged = true;
      wanted.delete(key);
    }
    const { labels, changed: labelsChanged } = sliceLabels(slice, service, controllerName);
    if (endpointChanged || (slice.endpoints ?? []).length !== kept.length) {
      if (kept.length === 0) toDelete.add(name);
      else {
        byName.set(name, withChanges(slice, { endpoints: kept, labels }));
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      byName.set(name, withChanges(slice, { labels }));
      toUpdate.add(name);
    } else unchanged.add(name);
  }

  const fill = (slice: EndpointSlice) => {
    for (const [key, endpoint] of wanted) {
      if (slice.endpoints.length >= max) break;
      slice.endpoints.push(endpoint);
      wanted.delete(key);
    }
  };
  if (wanted.size > 0 && toUpdate.size > 0) {
    const fullestFirst = [...toUpdate]
      .map((name) => byName.get(name) as EndpointSlice)
      .sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const slice of fullestFirst) fill(slice);
  }

  const toCreate: EndpointSlice[] = [];
  while (wanted.size > 0) {
    let slice: EndpointSlice | undefined;
    if (wanted.size < max && unchanged.size > 0) {
      const candidates = [...unchanged].map((name) => byName.get(name) as EndpointSlice);
      const found = sliceToFill(candidates, wanted.size, max);
      if (found) {
        slice = withChanges(found, {});
        byName.set(slice.metadata.name as string, slice);
      }
    }
    slice ??= newEndpointSlice(service, group.ports, input.addressType, controllerName);
    fill(slice);
    const name = slice.metadata.name;
    if (name) {
      toUpdate.add(name);
      unchanged.delete(name);
    } else toCreate.push(slice);
  }

  const named = (names: Set<string>) => [...names].map((n) => byName.get(n) as EndpointSlice);
  return { toCreate, toUpdate: named(toUpdate), toDelete: named(toDelete) };
}
// #endregion planByPortMapping

/**
 * getSliceToFill: the slice that `count` more endpoints bring closest to full without going
 * over, or undefined. Example, max 100, count 25, slices of 40, 70 and 80: 40 → 65, 70 → 95,
 * 80 → 105 (too many); 70 is left with the smallest gap, 5.
 */
export function sliceToFill(
  slices: EndpointSlice[],
  count: number,
  max: number,
): EndpointSlice | undefined {
  let closestGap = max;
  let closest: EndpointSlice | undefined;
  for (const slice of slices) {
    const gap = max - (count + slice.endpoints.length);
    if (gap >= 0 && gap < closestGap) {
      closestGap = gap;
      closest = slice;
      if (gap === 0) break;
    }
  }
  return closest;
}

// #region recycleDeletions
/**
 * finalize's first step: each slice about to be created takes the name of a slice about to be
 * deleted — same address type, owned by this Service (not one the garbage collector is removing
 * for a deleted namesake) — and becomes an update of it. Example: a Service's only pod is
 * replaced by one with different ports: instead of creating a slice with the new ports and
 * deleting the old one, the old one is rewritten.
 */
export function recycleDeletions(service: Service, changes: SliceChanges): SliceChanges {
  const toCreate = [...changes.toCreate];
  const toUpdate = [...changes.toUpdate];
  const toDelete = [...changes.toDelete];
  for (let i = 0; i < toDelete.length && toCreate.length > 0; ) {
    const doomed = toDelete[i] as EndpointSlice;
    const fresh = toCreate[toCreate.length - 1] as EndpointSlice;
    if (doomed.addressType === fresh.addressType && ownedBy(doomed, service)) {
      fresh.metadata.name = doomed.metadata.name;
      toCreate.pop();
      toUpdate.push(fresh);
      toDelete.splice(i, 1);
    } else i++;
  }
  return { toCreate, toUpdate, toDelete };
}
// #endregion recycleDeletions

/**
 * newEndpointSlice: an empty slice for `service`, named by the API server from the prefix
 * "<service>-" (a Service name is a DNS label of at most 63 characters, so the prefix is always
 * a valid generateName), owned by the Service so the garbage collector removes it with it.
 */
export function newEndpointSlice(
  service: Service,
  ports: EndpointPort[],
  addressType: AddressType,
  controllerName: string,
): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      generateName: `${service.metadata.name}-`,
      namespace: service.metadata.namespace,
      labels: sliceLabels(undefined, service, controllerName).labels,
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Service",
          name: service.metadata.name as string,
          uid: service.metadata.uid as string,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

/** Whether an owner reference names this very Service (its UID, not just its name). */
export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some(
    (o) => o.uid === service.metadata.uid && o.kind === "Service" && o.apiVersion === "v1",
  );
}

/**
 * placeholderSliceCompare: namespace, labels and the slice's own fields agree (empty and
 * missing lists alike); name, UID, owner references and annotations are not compared.
 */
function isSamePlaceholder(slice: EndpointSlice, placeholder: EndpointSlice): boolean {
  return (
    slice.metadata.namespace === placeholder.metadata.namespace &&
    sameLabels(slice.metadata.labels, placeholder.metadata.labels) &&
    slice.addressType === placeholder.addressType &&
    (slice.endpoints ?? []).length === 0 &&
    (slice.ports ?? []).length === 0
  );
}

/** A copy of a cached slice (caches are read-only) with some fields replaced. */
function withChanges(
  slice: EndpointSlice,
  changes: { endpoints?: Endpoint[]; labels?: Record<string, string> },
): EndpointSlice {
  const copy = structuredClone(slice);
  copy.endpoints = changes.endpoints ? [...changes.endpoints] : (copy.endpoints ?? []);
  if (changes.labels) copy.metadata.labels = changes.labels;
  return copy;
}
