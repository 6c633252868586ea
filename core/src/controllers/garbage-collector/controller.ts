/**
 * The garbage collector: deletes objects whose owners are gone, and carries out Foreground and
 * Orphan deletions — kube-controller-manager's pkg/controller/garbagecollector/garbagecollector.go.
 *
 * Shape: informers over every monitored resource feed the graph builder (graph-builder.ts), which
 * keeps the ownership graph and queues object UIDs on two queues; workers drain them:
 * - attemptToDelete → `attemptToDeleteItem`: delete an object whose owners are all gone
 *   (Background), drop the dangling references of one that still has an owner, and drive a
 *   Foreground deletion (delete the dependents, wait for the blocking ones, then remove the
 *   owner's foregroundDeletion finalizer so the API server can finish);
 * - attemptToOrphan → `attemptToOrphanItem`: remove the owner's references from its dependents,
 *   then its orphan finalizer.
 *
 * Guarantees:
 * - Nothing is deleted because a cache says its owner is missing: every owner is looked up live
 *   (or in the absent-owner cache, which holds only confirmed absences); an owner that now has
 *   another UID counts as gone.
 * - Deletes carry UID and resourceVersion preconditions (operations.ts).
 * - Restart-safe: the graph is rebuilt from the informers' lists; an owner deleted while the
 *   collector was down shows up as a virtual node, which the API server then confirms is gone.
 */

import type { KubeObject, OwnerReference } from "../../api/object.ts";
import { apiVersionOfType } from "../../api/scheme.ts";
import type { EventRecorder } from "../../client/events.ts";
import { unwrapTombstone } from "../../client/informer.ts";
import { isNotFound } from "../../client/rest.ts";
import { messageOf } from "../../util/errors.ts";
import type { Controller, ControllerContext, ControllerQueue } from "../context.ts";
import { runWorkers } from "../worker.ts";
import { AbsentOwnerCache } from "./absent-owner-cache.ts";
import {
  describeIdentity,
  FOREGROUND_FINALIZER,
  type GraphNode,
  hasFinalizer,
  identityOfReference,
  type ObjectIdentity,
  ORPHAN_FINALIZER,
} from "./graph.ts";
import { GraphBuilder, type GraphEvent } from "./graph-builder.ts";
import {
  NamespacedOwnerOfClusterScopedObjectError,
  Operations,
  type PropagationPolicy,
} from "./operations.ts";
import { MONITORED_RESOURCES, resourceFor } from "./resources.ts";

/**
 * How a look at one item ended, when it did not throw (a throw is retried with backoff):
 * - "done": nothing more to do for now;
 * - "virtualDeleteQueued": the object is gone; the graph builder has been told, which queues
 *   whatever that affects;
 * - "invalidOwnerScope": a cluster-scoped object names a namespaced owner; retrying cannot help.
 */
type Outcome = "done" | "virtualDeleteQueued" | "invalidOwnerScope";

/** An owner reference sorted by what its owner's live state means for the dependent. */
interface ClassifiedReferences {
  /** The owner exists and is not waiting for its dependents to go. */
  solid: OwnerReference[];
  /** The owner does not exist (NotFound, or that name now has another UID). */
  dangling: OwnerReference[];
  /** The owner is being deleted in the foreground and waits for its dependents. */
  waitingForDependentsDeletion: OwnerReference[];
}

export class GarbageCollector implements Controller {
  readonly name = "garbage-collector-controller";
  readonly graph: GraphBuilder;
  private readonly attemptToDelete: ControllerQueue;
  private readonly attemptToOrphan: ControllerQueue;
  private readonly absentOwners = new AbsentOwnerCache();
  private readonly ops: Operations;
  private readonly recorder: EventRecorder;

  // #region wiring
  constructor(private readonly ctx: ControllerContext) {
    this.attemptToDelete = ctx.newQueue("garbage_collector_attempt_to_delete");
    this.attemptToOrphan = ctx.newQueue("garbage_collector_attempt_to_orphan");
    this.recorder = ctx.recorder(this.name);
    this.ops = new Operations(ctx.client, ctx.clock);
    this.graph = new GraphBuilder({
      attemptToDelete: this.attemptToDelete,
      attemptToOrphan: this.attemptToOrphan,
      absentOwners: this.absentOwners,
      onInvalidNamespaceOwner: (dependent, ref) => this.reportInvalidNamespaceOwner(dependent, ref),
    });
    for (const type of MONITORED_RESOURCES) {
      const apiVersion = apiVersionOfType(type);
      const kind = type.kind;
      const change = (event: Omit<GraphEvent, "apiVersion" | "kind">) =>
        this.graph.processGraphChange({ ...event, apiVersion, kind });
      ctx.informers.informerFor(type).addEventHandler({
        onAdd: (object) => change({ type: "add", object }),
        onUpdate: (old, object) => change({ type: "update", object, old }),
        onDelete: (object) => change({ type: "delete", object: unwrapTombstone(object) }),
      });
    }
  }
  // #endregion wiring

  async run(workers: number): Promise<void> {
    const onError = (uid: string, error: unknown) => {
      // Waiting for an informer is routine, not a failure worth a log line.
      if (error instanceof NotYetObservedError) return;
      this.ctx.log(`[${this.name}] ${this.describe(uid)} failed, will retry: ${messageOf(error)}`);
    };
    // Kubernetes starts `workers` goroutines on each queue (--concurrent-gc-syncs, 20).
    await Promise.all([
      runWorkers(workers, {
        queue: this.attemptToDelete,
        reconcile: (uid) => this.attemptToDeleteWorker(uid),
        onError,
      }),
      runWorkers(workers, {
        queue: this.attemptToOrphan,
        reconcile: (uid) => this.attemptToOrphanItem(uid),
        onError,
      }),
    ]);
  }

  stop(): void {
    this.attemptToDelete.shutDown();
    this.attemptToOrphan.shutDown();
  }

  /** One attemptToDelete item: a node still in the graph, looked at until it has been observed. */
  private async attemptToDeleteWorker(uid: string): Promise<void> {
    const item = this.graph.uidToNode.get(uid);
    // Removed from the graph meanwhile (its deletion was observed): nothing left to decide.
    if (!item) return;
    const outcome = await this.attemptToDeleteItem(item);
    if (outcome !== "done") return;
    // A virtual node whose object exists waits for the informer, so it cannot get stuck in the
    // graph if the object is added and removed while a watch is being re-established (#56121).
    if (this.graph.uidToNode.get(uid)?.virtual) throw new NotYetObservedError(item.identity);
  }

  // #region attemptToDeleteItem
  /**
   * 1. Being deleted, and not in the foreground: wait for the deletion to finish.
   * 2. Read the object live; gone (or another UID under that name): tell the graph builder.
   * 3. Deleting its dependents in the foreground: see whether they are gone yet.
   * 4. No owners: nothing to collect.
   * 5. Look every owner up live, and decide:
   *    - some owner exists: keep it, but drop the references to owners that are gone or that wait
   *      for their dependents (else they would wait for ever);
   *    - an owner waits for its dependents and this object has dependents of its own: delete it
   *      in the foreground too, so the wait recurses down the tree;
   *    - otherwise (every owner gone, or waiting): delete it, honouring an orphan or
   *      foregroundDeletion finalizer it already has, else in the background.
   */
  async attemptToDeleteItem(item: GraphNode): Promise<Outcome> {
    if (item.beingDeleted && !item.deletingDependents) return "done";
    let latest: KubeObject;
    try {
      latest = await this.ops.get(item.identity);
    } catch (error) {
      if (error instanceof NamespacedOwnerOfClusterScopedObjectError) return "invalidOwnerScope";
      if (isNotFound(error)) return this.virtualDelete(item);
      throw error;
    }
    if (latest.metadata.uid !== item.uid) return this.virtualDelete(item);
    if (item.deletingDependents) {
      await this.processDeletingDependentsItem(item);
      return "done";
    }
    const ownerReferences = latest.metadata.ownerReferences ?? [];
    if (ownerReferences.length === 0) return "done";

    const classified = await this.classifyReferences(item, ownerReferences);
    if (classified === "invalidOwnerScope") return classified;
    const { solid, dangling, waitingForDependentsDeletion: waiting } = classified;
    const deleteWith = async (policy: PropagationPolicy): Promise<Outcome> => {
      try {
        await this.ops.delete(
          item.identity,
          policy,
          latest.metadata.resourceVersion,
          ownerReferences,
        );
        return "done";
      } catch (error) {
        if (isNotFound(error)) return this.virtualDelete(item);
        throw error;
      }
    };
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return "done";
      await this.ops.removeOwnerReferences(
        item.identity,
        [...dangling, ...waiting].map((ref) => ref.uid),
      );
      return "done";
    }
    if (waiting.length > 0 && item.dependents.size > 0) {
      if ([...item.dependents].some((dependent) => dependent.deletingDependents)) {
        // An owner and a dependent both wait on dependents: a possible cycle. Stop blocking the
        // owners so neither waits for ever (the check has false positives, as Kubernetes notes).
        await this.ops.unblockOwnerReferences(item.identity, latest.metadata.ownerReferences ?? []);
      }
      return deleteWith("Foreground");
    }
    if (hasFinalizer(latest, ORPHAN_FINALIZER)) return deleteWith("Orphan");
    if (hasFinalizer(latest, FOREGROUND_FINALIZER)) return deleteWith("Foreground");
    return deleteWith("Background");
  }
  // #endregion attemptToDeleteItem

  // #region processDeletingDependentsItem
  /**
   * An owner deleting in the foreground: once no dependent blocks it, remove its
   * foregroundDeletion finalizer (the API server then deletes it); until then, make sure every
   * blocking dependent is on its way out.
   */
  private async processDeletingDependentsItem(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      await this.ops.removeFinalizer(item.identity, FOREGROUND_FINALIZER);
      return;
    }
    for (const dependent of blocking) {
      if (!dependent.deletingDependents) this.attemptToDelete.add(dependent.uid);
    }
  }
  // #endregion processDeletingDependentsItem

  // #region classifyReferences
  /** Sorts the owner references by a live look at each owner (isDangling). */
  private async classifyReferences(
    item: GraphNode,
    references: OwnerReference[],
  ): Promise<ClassifiedReferences | "invalidOwnerScope"> {
    const result: ClassifiedReferences = {
      solid: [],
      dangling: [],
      waitingForDependentsDeletion: [],
    };
    for (const ref of references) {
      const owner = await this.liveOwner(item, ref);
      if (owner === "invalidOwnerScope") return owner;
      if (owner === undefined) result.dangling.push(ref);
      else if (owner.metadata.deletionTimestamp && hasFinalizer(owner, FOREGROUND_FINALIZER)) {
        result.waitingForDependentsDeletion.push(ref);
      } else result.solid.push(ref);
    }
    return result;
  }

  /**
   * The owner `ref` names, read from the API server; undefined if it does not exist — NotFound,
   * or the name now belongs to an object with another UID. Confirmed absences are remembered.
   */
  private async liveOwner(
    item: GraphNode,
    ref: OwnerReference,
  ): Promise<KubeObject | undefined | "invalidOwnerScope"> {
    const clusterKey = identityOfReference(ref, "");
    const namespacedKey = identityOfReference(ref, item.identity.namespace);
    if (this.absentOwners.has(clusterKey) || this.absentOwners.has(namespacedKey)) return undefined;
    const type = resourceFor(ref.apiVersion, ref.kind);
    if (type.namespaced && item.identity.namespace === "") return "invalidOwnerScope";
    const key = type.namespaced ? namespacedKey : clusterKey;
    let owner: KubeObject;
    try {
      owner = await this.ops.get(key);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      this.absentOwners.add(key);
      return undefined;
    }
    if (owner.metadata.uid !== ref.uid) {
      this.absentOwners.add(key);
      return undefined;
    }
    return owner;
  }
  // #endregion classifyReferences

  // #region attemptToOrphanItem
  /**
   * An owner deleted with propagationPolicy Orphan: remove its references from every dependent
   * the graph knows, then its orphan finalizer (the API server then deletes it). A dependent that
   * is already gone is fine.
   */
  private async attemptToOrphanItem(uid: string): Promise<void> {
    const owner = this.graph.uidToNode.get(uid);
    // Its object is gone, so nobody waits on its finalizer any more.
    if (!owner) return;
    const dependents = [...owner.dependents];
    const results = await Promise.allSettled(
      dependents.map((dependent) =>
        this.ops.removeOwnerReferences(dependent.identity, [owner.uid]),
      ),
    );
    const failures = results.flatMap((result, i) =>
      result.status === "rejected" && !isNotFound(result.reason)
        ? [
            `orphaning ${describeIdentity((dependents[i] as GraphNode).identity)} failed, ${messageOf(result.reason)}`,
          ]
        : [],
    );
    if (failures.length > 0) {
      throw new Error(
        `failed to orphan dependents of owner ${describeIdentity(owner.identity)}, got errors: ${aggregate(failures)}`,
      );
    }
    await this.ops.removeFinalizer(owner.identity, ORPHAN_FINALIZER);
  }
  // #endregion attemptToOrphanItem

  /** Tells the graph builder the object is gone, as an informer would (enqueueVirtualDeleteEvent). */
  private virtualDelete(item: GraphNode): Outcome {
    const { apiVersion, kind, name, namespace, uid } = item.identity;
    this.graph.processGraphChange({
      type: "delete",
      virtual: true,
      apiVersion,
      kind,
      object: { metadata: { name, uid, ...(namespace ? { namespace } : {}) } },
    });
    return "virtualDeleteQueued";
  }

  /** Kubernetes' OwnerRefInvalidNamespace event on the dependent. */
  private reportInvalidNamespaceOwner(dependent: GraphNode, ref: OwnerReference): void {
    const { apiVersion, kind, name, namespace, uid } = dependent.identity;
    const owner = describeIdentity(identityOfReference(ref, namespace));
    this.recorder.event(
      { apiVersion, kind, metadata: { name, namespace, uid } },
      "Warning",
      "OwnerRefInvalidNamespace",
      `ownerRef ${owner} does not exist in namespace "${namespace}"`,
    );
  }

  private describe(uid: string): string {
    const node = this.graph.uidToNode.get(uid);
    return node ? describeIdentity(node.identity) : `uid ${uid}`;
  }
}

/** A virtual node's object exists but no informer has shown it yet: look again, with backoff. */
class NotYetObservedError extends Error {
  constructor(readonly item: ObjectIdentity) {
    super(`${describeIdentity(item)} has not been observed by an informer yet`);
  }
}

/** utilerrors.NewAggregate's wording: one message as it is, several in brackets. */
function aggregate(messages: string[]): string {
  return messages.length === 1 ? (messages[0] as string) : `[${messages.join(", ")}]`;
}
