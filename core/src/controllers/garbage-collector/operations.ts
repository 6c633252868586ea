/**
 * The garbage collector's requests to the API server, for objects of any kind —
 * Kubernetes' pkg/controller/garbagecollector/operations.go and patch.go.
 *
 * Guarantees:
 * - Every delete carries a UID precondition, so an object deleted and re-created under the same
 *   name meanwhile is never hit; it also carries the resourceVersion the decision was made on,
 *   so an object whose owner references changed meanwhile is not deleted on stale grounds.
 * - Owner references are removed with a strategic merge patch naming only the UIDs to drop
 *   (`$patch: delete`, merged by uid) and the dependent's own UID, so concurrent writers of other
 *   fields are not overwritten and a re-created object is refused (409).
 * - A finalizer is removed with a merge patch carrying the resourceVersion read, retried on
 *   conflict with backoff.
 */
import type { DeleteOptions, KubeObject, OwnerReference } from "../../api/object.ts";
import type { ResourceType } from "../../api/scheme.ts";
import { isConflict, isNotFound, type RestClient } from "../../client/rest.ts";
import type { Clock } from "../../util/clock.ts";
import { messageOf } from "../../util/errors.ts";
import { describeIdentity, type ObjectIdentity } from "./graph.ts";
import { resourceFor } from "./resources.ts";

export type PropagationPolicy = NonNullable<DeleteOptions["propagationPolicy"]>;

/** A cluster-scoped object names a namespaced owner, which cannot exist; retrying will not help. */
export class NamespacedOwnerOfClusterScopedObjectError extends Error {
  constructor(readonly item: ObjectIdentity) {
    super(`cluster-scoped objects cannot refer to namespaced owners: ${describeIdentity(item)}`);
  }
}

/**
 * client-go's retry.DefaultBackoff: 4 tries, 10 ms then ×5 (10, 50, 250 ms between them). Its
 * 10% jitter is left out: the waits only space out tries against one object.
 */
const FINALIZER_RETRY = { steps: 4, firstMs: 10, factor: 5 };

export class Operations {
  constructor(
    private readonly client: RestClient,
    private readonly clock: Clock,
  ) {}

  /** The live object (NotFound is thrown as the API server's error). */
  get(item: ObjectIdentity): Promise<KubeObject> {
    return this.clientFor(item).get(item.name);
  }

  // #region deleteObject
  /**
   * Deletes `item` with preconditions uid (always) and resourceVersion (when given). A conflict
   * caused only by a change that left the owner references as they were is not a reason to
   * stop: the delete is repeated with the UID precondition alone.
   */
  async delete(
    item: ObjectIdentity,
    policy: PropagationPolicy,
    resourceVersion = "",
    ownersAtResourceVersion: OwnerReference[] = [],
  ): Promise<void> {
    const client = this.clientFor(item);
    const preconditions = { uid: item.uid, ...(resourceVersion ? { resourceVersion } : {}) };
    try {
      await client.delete(item.name, { preconditions, propagationPolicy: policy });
    } catch (error) {
      if (!isConflict(error) || !resourceVersion) throw error;
      let live: KubeObject;
      try {
        live = await client.get(item.name);
      } catch (liveError) {
        // Gone meanwhile: NotFound, which the caller handles as it handles any vanished object.
        if (isNotFound(liveError)) throw liveError;
        throw error;
      }
      const ownersUnchanged =
        JSON.stringify(live.metadata.ownerReferences ?? []) ===
        JSON.stringify(ownersAtResourceVersion);
      if (
        live.metadata.uid === item.uid &&
        live.metadata.resourceVersion !== resourceVersion &&
        ownersUnchanged
      ) {
        return this.delete(item, policy);
      }
      throw error;
    }
  }
  // #endregion deleteObject

  /** Drops the references to `ownerUids` from `item` (deleteOwnerRefStrategicMergePatch). */
  async removeOwnerReferences(item: ObjectIdentity, ownerUids: string[]): Promise<void> {
    await this.clientFor(item).patch(
      item.name,
      {
        metadata: {
          ownerReferences: ownerUids.map((uid) => ({ $patch: "delete", uid })),
          uid: item.uid,
        },
      },
      "strategic",
    );
  }

  /**
   * Sets blockOwnerDeletion false on every blocking reference `owners` holds
   * (unblockOwnerReferencesStrategicMergePatch): breaks a Foreground cycle.
   */
  async unblockOwnerReferences(item: ObjectIdentity, owners: OwnerReference[]): Promise<void> {
    const blocking = owners.filter((ref) => ref.blockOwnerDeletion === true);
    await this.clientFor(item).patch(
      item.name,
      {
        metadata: {
          ownerReferences: blocking.map((ref) => ({ ...ref, blockOwnerDeletion: false })),
          uid: item.uid,
        },
      },
      "strategic",
    );
  }

  // #region removeFinalizer
  /** Removes `finalizer` from `item`; done when the object or the finalizer is already gone. */
  async removeFinalizer(item: ObjectIdentity, finalizer: string): Promise<void> {
    let wait = FINALIZER_RETRY.firstMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.removeFinalizerOnce(item, finalizer);
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
        if (attempt === FINALIZER_RETRY.steps) {
          throw new Error(
            `updateMaxRetries(${FINALIZER_RETRY.steps}) has reached. The garbage collector will retry later for owner ${describeIdentity(item)}`,
            { cause: error },
          );
        }
      }
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, wait));
      wait *= FINALIZER_RETRY.factor;
    }
  }
  // #endregion removeFinalizer

  private async removeFinalizerOnce(item: ObjectIdentity, finalizer: string): Promise<void> {
    let owner: KubeObject;
    try {
      owner = await this.get(item);
    } catch (error) {
      if (isNotFound(error)) return;
      throw new Error(
        `cannot finalize owner ${describeIdentity(item)}, because cannot get it: ${messageOf(error)}. The garbage collector will retry later`,
        { cause: error },
      );
    }
    const finalizers = owner.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) return;
    const rest = finalizers.filter((f) => f !== finalizer);
    // Go marshals the empty list it builds as null, which a merge patch reads as "remove".
    await this.clientFor(item).patch(
      item.name,
      {
        metadata: {
          resourceVersion: owner.metadata.resourceVersion,
          finalizers: rest.length > 0 ? rest : null,
        },
      },
      "merge",
    );
  }

  /** The client for the item's resource and, if namespaced, its namespace. */
  private clientFor(item: ObjectIdentity) {
    const type: ResourceType = resourceFor(item.apiVersion, item.kind);
    if (type.namespaced && item.namespace === "")
      throw new NamespacedOwnerOfClusterScopedObjectError(item);
    return this.client.resource(type, type.namespaced ? item.namespace : undefined);
  }
}
