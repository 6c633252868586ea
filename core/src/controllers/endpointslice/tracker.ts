/**
 * What the endpointslice controller last wrote, so it can tell a cache that lags behind its own
 * writes — Kubernetes' EndpointSliceTracker (staging/src/k8s.io/endpointslice/util/
 * endpointslice_tracker.go).
 *
 * The problem: a sync creates slice web-abc; a pod event queues web again before the informer
 * has delivered web-abc. Reading the cache, the next sync sees no slice and creates a second one.
 * So every write records the slice's UID and generation; a sync whose cache lacks a recorded
 * slice, holds an older generation of one, or still holds one it deleted, is stale: it fails
 * (and is retried after a back-off) instead of acting.
 *
 * The same records filter informer events: an event for a slice at the generation this controller
 * wrote is its own write coming back and needs no sync; anything newer (someone else edited or
 * deleted the slice) does.
 *
 * Trace, Service web:
 *   create web-abc → generation 1           tracked {abc: 1}
 *   sync, cache has no web-abc               stale (3. tracked but not provided) → retry
 *   informer delivers web-abc gen 1          shouldSync false (our own write)
 *   delete web-abc                           tracked {abc: deleting}
 *   sync, cache still has web-abc            stale (2. deletion expected) → retry
 *   informer delivers the deletion           handleDeletion → true (expected): no sync
 *
 * In Kubernetes a slice's generation starts at 1 and moves when its endpoints, ports or labels
 * change. tinykube's API server does not set it on EndpointSlices yet, so every slice reads as
 * generation 0 (an unset int64 in Go): lagging caches and deletions are still caught, but an
 * edit of a managed slice by someone else is only repaired at the Service's next sync.
 */
import type { EndpointSlice, Service } from "../../api/types.ts";
import { LABEL_SERVICE_NAME } from "./slice-labels.ts";

/** The generation recorded for a slice this controller has deleted. */
const DELETION_EXPECTED = -1;

// #region EndpointSliceTracker
export class EndpointSliceTracker {
  /** "namespace/service" → slice UID → the generation written, or DELETION_EXPECTED. */
  private readonly generationsByService = new Map<string, Map<string, number>>();
  /** "namespace/service" → the UID of the Service those writes were for. */
  private readonly serviceUIDs = new Map<string, string>();

  /** Whether a slice of this Service is tracked at all. */
  has(slice: EndpointSlice): boolean {
    return this.generationsFor(slice)?.has(uidOf(slice)) ?? false;
  }

  /** An informer event for `slice` is news: not tracked, or newer than what was written. */
  shouldSync(slice: EndpointSlice): boolean {
    const generation = this.generationsFor(slice)?.get(uidOf(slice));
    return generation === undefined || generationOf(slice) > generation;
  }

  /**
   * StaleSlices: whether `slices` (the cache's slices of `service`, those being deleted left out)
   * lag behind this controller's writes:
   *   1. one of them is older than the generation written;
   *   2. one of them was deleted by this controller;
   *   3. a slice written (and not deleted) is missing.
   * A Service recreated under the same name (new UID) starts afresh: its predecessor's writes
   * say nothing about it.
   */
  staleSlices(service: Service, slices: EndpointSlice[]): boolean {
    const key = serviceKey(service.metadata.namespace, service.metadata.name);
    const uid = service.metadata.uid ?? "";
    const trackedUID = this.serviceUIDs.get(key);
    if (trackedUID && uid && trackedUID !== uid) this.generationsByService.delete(key);
    this.serviceUIDs.set(key, uid);
    const generations = this.generationsByService.get(key);
    if (!generations) return false;
    const provided = new Set<string>();
    for (const slice of slices) {
      provided.add(uidOf(slice));
      const written = generations.get(uidOf(slice));
      if (written === undefined) continue;
      if (written === DELETION_EXPECTED || written > generationOf(slice)) return true;
    }
    for (const [sliceUID, written] of generations)
      if (written !== DELETION_EXPECTED && !provided.has(sliceUID)) return true;
    return false;
  }

  /** This controller created or updated `slice` (as the API server returned it). */
  update(slice: EndpointSlice): void {
    this.generationsForWrite(slice).set(uidOf(slice), generationOf(slice));
  }

  /** This controller deleted `slice`. */
  expectDeletion(slice: EndpointSlice): void {
    this.generationsForWrite(slice).set(uidOf(slice), DELETION_EXPECTED);
  }

  /** The informer saw `slice` go: true if this controller deleted it, false if someone else did. */
  handleDeletion(slice: EndpointSlice): boolean {
    const generations = this.generationsFor(slice);
    const written = generations?.get(uidOf(slice));
    generations?.delete(uidOf(slice));
    return written === undefined || written === DELETION_EXPECTED;
  }

  /** The Service is gone: forget its slices. */
  deleteService(namespace: string, name: string): void {
    const key = serviceKey(namespace, name);
    this.generationsByService.delete(key);
    this.serviceUIDs.delete(key);
  }

  private generationsFor(slice: EndpointSlice): Map<string, number> | undefined {
    return this.generationsByService.get(serviceKeyOf(slice));
  }

  private generationsForWrite(slice: EndpointSlice): Map<string, number> {
    const key = serviceKeyOf(slice);
    let generations = this.generationsByService.get(key);
    if (!generations) {
      generations = new Map();
      this.generationsByService.set(key, generations);
    }
    return generations;
  }
}
// #endregion EndpointSliceTracker

function serviceKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ""}/${name ?? ""}`;
}

/** The Service a slice belongs to, by its kubernetes.io/service-name label. */
function serviceKeyOf(slice: EndpointSlice): string {
  return serviceKey(slice.metadata.namespace, slice.metadata.labels?.[LABEL_SERVICE_NAME]);
}

function uidOf(slice: EndpointSlice): string {
  return slice.metadata.uid ?? "";
}

function generationOf(slice: EndpointSlice): number {
  return slice.metadata.generation ?? 0;
}
