/**
 * The graph builder: turns every informer event into a change of the ownership graph, and
 * queues the objects that change may have made garbage — Kubernetes'
 * pkg/controller/garbagecollector/graph_builder.go (processGraphChanges).
 *
 * It is the graph's only writer. Kubernetes funnels the events of many informer goroutines into
 * one graphChanges queue read by one goroutine to get that; JavaScript runs one handler at a
 * time, so the informers call `processGraphChange` directly and get the same order and the same
 * single writer. The collector's workers only read the graph, and report an object the API
 * server says is gone as a *virtual* delete event through the same door.
 *
 * What it queues (by UID) on `attemptToDelete`:
 * - every dependent of an object that is deleted — its owners may all be gone now;
 * - a virtual node, made up for an owner UID no informer has shown — the API server decides
 *   whether it exists;
 * - an object that starts a Foreground deletion, and all its dependents;
 * - an owner waiting for its dependents, when one of them goes or stops blocking it.
 * And on `attemptToOrphan`: an object that starts an Orphan deletion.
 *
 * A trace (web owns rs, rs owns pod; the pod is listed first):
 *   add pod   → node pod {owners: [rs]}; rs unknown → virtual node rs, queued to attemptToDelete
 *   add rs    → rs observed: no longer virtual; node rs {owners: [web]}; virtual node web, queued
 *   add web   → web observed
 *   delete web → node web removed; its dependent rs queued (its owners may all be gone)
 */
import type { KubeObject, OwnerReference } from "../../api/object.ts";
import type { AbsentOwnerCache } from "./absent-owner-cache.ts";
import {
  FOREGROUND_FINALIZER,
  GraphNode,
  hasFinalizer,
  identityOfObject,
  identityOfReference,
  type ObjectIdentity,
  ORPHAN_FINALIZER,
  referenceMatches,
  sameIdentity,
} from "./graph.ts";

export interface GraphEvent {
  type: "add" | "update" | "delete";
  /** Of the informer that saw it (objects in a list may omit their own). */
  apiVersion: string;
  kind: string;
  object: Pick<KubeObject, "metadata">;
  /** For updates: the object before. */
  old?: Pick<KubeObject, "metadata">;
  /** Made up by the collector after the API server said the object is gone, not from an informer. */
  virtual?: boolean;
}

/** What the builder needs of the collector's queues (keys are UIDs). */
export interface UidQueue {
  add(uid: string): void;
  addRateLimited(uid: string): void;
}

export interface GraphBuilderOptions {
  attemptToDelete: UidQueue;
  attemptToOrphan: Pick<UidQueue, "add">;
  absentOwners: AbsentOwnerCache;
  /** Told of a dependent naming an owner that lives in another namespace (an Event in Kubernetes). */
  onInvalidNamespaceOwner?: (dependent: GraphNode, owner: OwnerReference) => void;
}

export class GraphBuilder {
  /** Every node by UID: observed objects and virtual owners. */
  readonly uidToNode = new Map<string, GraphNode>();
  private readonly attemptToDelete: UidQueue;
  private readonly attemptToOrphan: Pick<UidQueue, "add">;
  private readonly absentOwners: AbsentOwnerCache;

  constructor(private readonly options: GraphBuilderOptions) {
    this.attemptToDelete = options.attemptToDelete;
    this.attemptToOrphan = options.attemptToOrphan;
    this.absentOwners = options.absentOwners;
  }

  // #region processGraphChange
  /**
   * 1. An informer shows a node we only knew as virtual: it is observed now (and if dependents
   *    named it by other coordinates, they are checked again).
   * 2. Add or update of an unknown UID: a new node, linked to its owners.
   * 3. Add or update of a known UID: owner references added or removed are relinked; a
   *    deletionTimestamp marks it being deleted.
   * 4. Either way, a deletion that has just started with the orphan or foregroundDeletion
   *    finalizer is queued for its dependents.
   * 5. Delete: the node goes, and its dependents are queued, since their owners may all be gone.
   */
  processGraphChange(event: GraphEvent): void {
    const meta = event.object.metadata;
    if (!meta.uid) return;
    let existing = this.uidToNode.get(meta.uid);
    if (existing?.virtual && !event.virtual) existing = this.observe(existing, event);

    if (event.type !== "delete") {
      if (!existing) {
        const beingDeleted = meta.deletionTimestamp !== undefined;
        const node = new GraphNode({
          identity: identityOfObject(event.apiVersion, event.kind, event.object),
          owners: [...(meta.ownerReferences ?? [])],
          beingDeleted,
          deletingDependents: beingDeleted && hasFinalizer(event.object, FOREGROUND_FINALIZER),
        });
        this.uidToNode.set(node.uid, node);
        this.addDependentToOwners(node, node.owners);
        this.processTransitions(event, node);
        return;
      }
      // Kubernetes also follows an object seen under another apiVersion or kind here; every
      // tinykube kind is served in one version, so an observed identity never changes.
      const { added, removed, changed } = referencesDiff(
        existing.owners,
        meta.ownerReferences ?? [],
      );
      if (added.length + removed.length + changed.length > 0) {
        this.addUnblockedOwnersToDeleteQueue(removed, changed);
        existing.owners = [...(meta.ownerReferences ?? [])];
        this.addDependentToOwners(existing, added);
        this.removeDependentFromOwners(existing, removed);
      }
      if (meta.deletionTimestamp) existing.beingDeleted = true;
      this.processTransitions(event, existing);
      return;
    }

    if (!existing) return;
    if (event.virtual && !this.virtualDeleteRemoves(existing, event)) return;
    this.removeNode(existing);
    if (existing.dependents.size > 0) {
      this.absentOwners.add(identityOfObject(event.apiVersion, event.kind, event.object));
    }
    for (const dependent of existing.dependents) this.attemptToDelete.add(dependent.uid);
    for (const ref of existing.owners) {
      // An owner deleting in the foreground may have been waiting for just this one.
      const owner = this.uidToNode.get(ref.uid);
      if (owner?.deletingDependents) this.attemptToDelete.add(owner.uid);
    }
  }
  // #endregion processGraphChange

  /** Step 1: a virtual node meets its object. Returns the node now in the graph. */
  private observe(node: GraphNode, event: GraphEvent): GraphNode {
    const observed = identityOfObject(event.apiVersion, event.kind, event.object);
    let current = node;
    if (!sameIdentity(observed, node.identity)) {
      // Dependents that named this UID with other coordinates (wrong kind, name or namespace)
      // are checked again: for them the owner may not exist at all.
      const [, mismatched] = partitionDependents([...node.dependents], observed);
      for (const dependent of mismatched) {
        if (observed.namespace !== "" && dependent.identity.namespace !== observed.namespace) {
          this.reportInvalidNamespace(dependent, observed.uid);
        }
        this.attemptToDelete.add(dependent.uid);
      }
      current = node.clone();
      current.identity = observed;
      this.uidToNode.set(current.uid, current);
    }
    current.virtual = false;
    return current;
  }

  // #region addDependentToOwners
  /**
   * Links `node` under each owner it names. An owner UID not in the graph gets a virtual node,
   * queued so that the API server, not the cache, says whether it exists. A reference whose
   * coordinates disagree with the owner we know queues the dependent for a check.
   */
  private addDependentToOwners(node: GraphNode, owners: OwnerReference[]): void {
    let potentiallyInvalid = false;
    for (const ref of owners) {
      let owner = this.uidToNode.get(ref.uid);
      if (!owner) {
        owner = new GraphNode({
          identity: identityOfReference(ref, node.identity.namespace),
          virtual: true,
        });
        this.uidToNode.set(owner.uid, owner);
        owner.dependents.add(node);
        this.attemptToDelete.add(owner.uid);
        continue;
      }
      owner.dependents.add(node);
      if (potentiallyInvalid) continue;
      const ownerNamespaced = owner.identity.namespace !== "";
      if (ownerNamespaced && owner.identity.namespace !== node.identity.namespace) {
        // A namespaced owner must live in its dependent's namespace.
        if (!owner.virtual) this.reportInvalidNamespace(node, ref.uid);
        potentiallyInvalid = true;
      } else if (!referenceMatches(ref, owner.identity)) {
        potentiallyInvalid = true;
      } else if (
        !ownerNamespaced &&
        owner.identity.namespace !== node.identity.namespace &&
        owner.virtual
      ) {
        // A virtual "cluster-scoped" owner may be a namespaced one named from a cluster-scoped
        // dependent, which cannot be (Kubernetes issue #98040).
        potentiallyInvalid = true;
      }
    }
    if (potentiallyInvalid) this.attemptToDelete.add(node.uid);
  }
  // #endregion addDependentToOwners

  private removeDependentFromOwners(node: GraphNode, owners: OwnerReference[]): void {
    for (const ref of owners) this.uidToNode.get(ref.uid)?.dependents.delete(node);
  }

  private removeNode(node: GraphNode): void {
    this.uidToNode.delete(node.uid);
    this.removeDependentFromOwners(node, node.owners);
  }

  /** An owner waiting for its blocking dependents is looked at again when one stops blocking. */
  private addUnblockedOwnersToDeleteQueue(
    removed: OwnerReference[],
    changed: { before: OwnerReference; after: OwnerReference }[],
  ): void {
    for (const ref of removed) {
      if (ref.blockOwnerDeletion === true && this.uidToNode.has(ref.uid))
        this.attemptToDelete.add(ref.uid);
    }
    for (const { before, after } of changed) {
      if (
        before.blockOwnerDeletion === true &&
        after.blockOwnerDeletion !== true &&
        this.uidToNode.has(after.uid)
      ) {
        this.attemptToDelete.add(after.uid);
      }
    }
  }

  // #region processTransitions
  /** Step 4: an Orphan or Foreground deletion has just begun (or was first seen begun). */
  private processTransitions(event: GraphEvent, node: GraphNode): void {
    if (deletionStartsWith(event, ORPHAN_FINALIZER)) {
      this.attemptToOrphan.add(node.uid);
      return;
    }
    if (deletionStartsWith(event, FOREGROUND_FINALIZER)) {
      // A node first made virtual did not know it; set it here whatever the path.
      node.deletingDependents = true;
      for (const dependent of node.dependents) this.attemptToDelete.add(dependent.uid);
      this.attemptToDelete.add(node.uid);
    }
  }
  // #endregion processTransitions

  /**
   * Step 5 for a virtual delete (the API server said "not found", or showed another UID, for the
   * coordinates the collector asked about). Whether the node really goes depends on whether its
   * dependents agree on those coordinates; those that do are queued, and the identity recorded as
   * absent.
   */
  private virtualDeleteRemoves(existing: GraphNode, event: GraphEvent): boolean {
    const deleted = identityOfObject(event.apiVersion, event.kind, event.object);
    const [matching, mismatched] = partitionDependents([...existing.dependents], deleted);
    if (!existing.virtual) {
      // An observed object is not removed on the word of a lookup by other coordinates.
      if (sameIdentity(existing.identity, deleted)) return true;
      this.queueAbsent(deleted, matching);
      return false;
    }
    if (mismatched.length === 0) return true;
    // Some dependents name this UID differently: keep the node for them.
    this.queueAbsent(deleted, matching);
    if (sameIdentity(existing.identity, deleted)) {
      const alternate = alternateOwnerIdentity(mismatched, deleted);
      if (alternate) {
        const replacement = existing.clone();
        replacement.identity = alternate;
        this.uidToNode.set(replacement.uid, replacement);
        this.attemptToDelete.addRateLimited(replacement.uid);
      }
    }
    return false;
  }

  private queueAbsent(identity: ObjectIdentity, dependents: GraphNode[]): void {
    if (dependents.length === 0) return;
    this.absentOwners.add(identity);
    for (const dependent of dependents) this.attemptToDelete.add(dependent.uid);
  }

  private reportInvalidNamespace(dependent: GraphNode, ownerUid: string): void {
    const ref = dependent.owners.find((r) => r.uid === ownerUid);
    if (ref) this.options.onInvalidNamespaceOwner?.(dependent, ref);
  }
}

/** The orphan or foregroundDeletion finalizer is on a deleted object, and was not before. */
function deletionStartsWith(event: GraphEvent, finalizer: string): boolean {
  const now = event.object;
  if (!now.metadata.deletionTimestamp || !hasFinalizer(now, finalizer)) return false;
  const before = event.old;
  const startedBefore =
    before?.metadata.deletionTimestamp !== undefined && hasFinalizer(before, finalizer);
  return !startedBefore;
}

/** Owner references by UID: which were added, removed, or changed in another field. */
export function referencesDiff(
  before: OwnerReference[],
  after: OwnerReference[],
): {
  added: OwnerReference[];
  removed: OwnerReference[];
  changed: { before: OwnerReference; after: OwnerReference }[];
} {
  const old = new Map(before.map((ref) => [ref.uid, ref]));
  const added: OwnerReference[] = [];
  const changed: { before: OwnerReference; after: OwnerReference }[] = [];
  for (const ref of after) {
    const was = old.get(ref.uid);
    if (!was) added.push(ref);
    else if (!sameReference(was, ref)) changed.push({ before: was, after: ref });
    old.delete(ref.uid);
  }
  return { added, removed: [...old.values()], changed };
}

function sameReference(a: OwnerReference, b: OwnerReference): boolean {
  return (
    referenceMatches(a, identityOfReference(b, "")) &&
    (a.controller ?? null) === (b.controller ?? null) &&
    (a.blockOwnerDeletion ?? null) === (b.blockOwnerDeletion ?? null)
  );
}

/**
 * Dependents whose reference to `owner.uid` matches its coordinates, and those whose reference
 * does not (a dependent in another namespace than a namespaced owner never matches). A dependent
 * with two references to the UID may land in both.
 */
export function partitionDependents(
  dependents: GraphNode[],
  owner: ObjectIdentity,
): [GraphNode[], GraphNode[]] {
  const matching: GraphNode[] = [];
  const mismatched: GraphNode[] = [];
  for (const dependent of dependents) {
    let match = false;
    let mismatch = false;
    if (owner.namespace !== "" && owner.namespace !== dependent.identity.namespace) {
      mismatch = true;
    } else {
      for (const ref of dependent.owners) {
        if (ref.uid !== owner.uid) continue;
        if (referenceMatches(ref, owner)) match = true;
        else mismatch = true;
      }
    }
    if (match) matching.push(dependent);
    if (mismatch) mismatched.push(dependent);
  }
  return [matching, mismatched];
}

/**
 * Another identity the dependents use for the absent owner's UID, to try next: the first one
 * after `absent` in (kind, apiVersion, namespace, name) order, else the first — so successive
 * tries walk through every candidate once (getAlternateOwnerIdentity).
 */
export function alternateOwnerIdentity(
  dependents: GraphNode[],
  absent: ObjectIdentity,
): ObjectIdentity | undefined {
  const clusterScoped = absent.namespace === "";
  const candidates: ObjectIdentity[] = [];
  for (const dependent of dependents) {
    for (const ref of dependent.owners) {
      if (ref.uid !== absent.uid) continue;
      if (
        referenceMatches(ref, absent) &&
        (clusterScoped || absent.namespace === dependent.identity.namespace)
      ) {
        continue;
      }
      const candidate = identityOfReference(ref, dependent.identity.namespace);
      // The absent identity proved this apiVersion/kind cluster-scoped.
      if (
        clusterScoped &&
        candidate.apiVersion === absent.apiVersion &&
        candidate.kind === absent.kind
      ) {
        candidate.namespace = "";
      }
      if (!sameIdentity(candidate, absent) && !candidates.some((c) => sameIdentity(c, candidate))) {
        candidates.push(candidate);
      }
    }
  }
  candidates.sort(compareIdentities);
  return candidates.find((c) => compareIdentities(absent, c) < 0) ?? candidates[0];
}

/** Kind, then apiVersion, namespace, name, uid (referenceLessThan). */
function compareIdentities(a: ObjectIdentity, b: ObjectIdentity): number {
  for (const field of ["kind", "apiVersion", "namespace", "name", "uid"] as const) {
    if (a[field] !== b[field]) return a[field] < b[field] ? -1 : 1;
  }
  return 0;
}
