/**
 * staleEndpointsTracker (pkg/controller/endpoint/endpoints_tracker.go): after the controller
 * updates an Endpoints object, the version it replaced is known to be old. If a later sync still
 * finds exactly that version in the cache, the informer has not caught up with the write, and
 * comparing against it could write again needlessly or undo the write; the sync fails and is
 * retried instead.
 *
 * Trace: cache has web@12 → update → server returns web@15, tracker remembers web@12;
 * a pod event syncs web while the cache still holds web@12 → stale, retry; the informer
 * delivers web@15 → the retry proceeds.
 */
import type { Endpoints } from "../../api/types.ts";
import { keyOf } from "../../client/indexer.ts";

export class StaleEndpointsTracker {
  /** "namespace/name" → a resourceVersion this controller has already replaced. */
  private readonly staleVersions = new Map<string, string>();

  /** `endpoints` (as read before an update that changed it) is now out of date. */
  markStale(endpoints: Endpoints): void {
    this.staleVersions.set(keyOf(endpoints), endpoints.metadata.resourceVersion ?? "");
  }

  isStale(endpoints: Endpoints): boolean {
    const stale = this.staleVersions.get(keyOf(endpoints));
    return stale !== undefined && stale === endpoints.metadata.resourceVersion;
  }

  delete(namespace: string, name: string): void {
    this.staleVersions.delete(`${namespace}/${name}`);
  }
}
