/**
 * Expectations: what a controller is waiting to see in its cache before it trusts the cache
 * again — kube-controller-manager's ControllerExpectations (pkg/controller/controller_utils.go).
 *
 * The problem: a ReplicaSet of 3 replicas with 0 pods creates 3. The next sync runs before the
 * pod informer has seen them; counting from the cache, it would create 3 more. So before
 * creating, the controller records "expect 3 creations"; each pod ADDED event the informer
 * delivers counts one off; until all are seen, syncs do not create or delete. The same for
 * deletions, tracked by pod key, because a deleted pod can be observed twice (its update with a
 * deletionTimestamp, then its deletion).
 *
 * Guarantees:
 * - `satisfied(key)` is true when nothing is pending, when the controller never set
 *   expectations for the key (a new object, or a restarted controller), or when the
 *   expectations are older than 5 minutes (Kubernetes' ExpectationsTimeout: a lost watch event
 *   must not wedge a ReplicaSet forever).
 * - A creation the API refused must be taken back (`creationFailed`), or the key would wait the
 *   full 5 minutes.
 *
 * Trace, ReplicaSet web (3 replicas, 0 pods):
 *   sync: satisfied (no record) → create 3, expectCreations(web, 3)   pending add=3
 *   ADDED web-a, ADDED web-b                                           pending add=1
 *   sync (queued by the ADDED events): not satisfied → no action, only status
 *   ADDED web-c                                                        pending add=0
 *   sync: satisfied → 3 pods, 3 wanted → nothing to do
 */
import { type Clock, realClock } from "../util/clock.ts";

/** Kubernetes' ExpectationsTimeout. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Pending {
  adds: number;
  /** Keys of pods whose deletion has been asked for and not yet observed. */
  deletes: Set<string>;
  at: number;
}

// #region Expectations
export class Expectations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly clock: Clock = realClock) {}

  /** Whether a sync of `key` may trust the cache and act. */
  satisfied(key: string): boolean {
    const p = this.pending.get(key);
    if (!p) return true;
    if (p.adds <= 0 && p.deletes.size === 0) return true;
    return this.clock.now() - p.at > EXPECTATIONS_TIMEOUT_MS;
  }

  /** Before creating `count` objects for `key`. Replaces any earlier expectations. */
  expectCreations(key: string, count: number): void {
    this.pending.set(key, { adds: count, deletes: new Set(), at: this.clock.now() });
  }

  /** Before deleting these pods (by "namespace/name") for `key`. */
  expectDeletions(key: string, podKeys: string[]): void {
    this.pending.set(key, { adds: 0, deletes: new Set(podKeys), at: this.clock.now() });
  }

  /** The informer saw one of the creations. */
  creationObserved(key: string): void {
    const p = this.pending.get(key);
    if (p) p.adds -= 1;
  }

  /** A creation failed: it will never be observed. */
  creationFailed(key: string, count = 1): void {
    this.creationObserved(key);
    const p = this.pending.get(key);
    if (p && count > 1) p.adds -= count - 1;
  }

  /** The informer saw the pod go (or start going); also used when the delete call failed. */
  deletionObserved(key: string, podKey: string): void {
    this.pending.get(key)?.deletes.delete(podKey);
  }

  /** The owner is gone: forget it. */
  delete(key: string): void {
    this.pending.delete(key);
  }

  /** For logs and tests: what is still awaited. */
  describe(key: string): { adds: number; deletes: string[] } | undefined {
    const p = this.pending.get(key);
    return p && { adds: p.adds, deletes: [...p.deletes] };
  }
}
// #endregion Expectations
