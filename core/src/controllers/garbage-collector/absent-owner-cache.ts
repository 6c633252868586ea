/**
 * Owners known to be gone — Kubernetes' absentOwnerCache (pkg/controller/garbagecollector/
 * uid_cache.go, a ReferenceCache of 500 entries). When a ReplicaSet with 300 pods is deleted,
 * the first pod's check asks the API server and the other 299 read the answer here.
 *
 * Why a cached absence is safe here when an informer's is not: an entry is added only when the
 * API server answered NotFound (or an object of another UID) for that exact identity, or when an
 * informer reported that UID's deletion. UIDs are never reused, so once the object with a UID is
 * gone it stays gone. Missing from an informer's cache proves nothing: the cache may lag.
 *
 * Guarantees: at most `capacity` entries; adding beyond that forgets the least recently used.
 */
import type { ObjectIdentity } from "./graph.ts";

/** Kubernetes' NewReferenceCache(500) in NewDependencyGraphBuilder. */
export const ABSENT_OWNER_CACHE_SIZE = 500;

export class AbsentOwnerCache {
  /** Keys in least- to most-recently-used order (a Map iterates in insertion order). */
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity = ABSENT_OWNER_CACHE_SIZE) {}

  add(identity: ObjectIdentity): void {
    const key = keyOf(identity);
    this.entries.delete(key);
    this.entries.set(key, true);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  has(identity: ObjectIdentity): boolean {
    const key = keyOf(identity);
    if (!this.entries.has(key)) return false;
    // A hit makes the entry the most recently used.
    this.entries.delete(key);
    this.entries.set(key, true);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(id: ObjectIdentity): string {
  return JSON.stringify([id.apiVersion, id.kind, id.namespace, id.name, id.uid]);
}
