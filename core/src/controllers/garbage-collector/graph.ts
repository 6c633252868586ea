/**
 * The garbage collector's picture of who owns whom — Kubernetes'
 * pkg/controller/garbagecollector/graph.go. One node per object UID; each node knows the owner
 * references its object carries (`owners`) and the nodes whose objects name it as an owner
 * (`dependents`).
 *
 * Invariants, kept by the graph builder (the graph's only writer):
 * - `d ∈ n.dependents` exactly when `d.owners` holds a reference with n's UID.
 * - A node is *virtual* while no informer has shown its object: it was made up because some
 *   object names that UID as an owner. Virtual nodes have no owners of their own.
 * - `beingDeleted` only ever goes from false to true: a deletion is a one-way trip.
 */
import type { KubeObject, OwnerReference } from "../../api/object.ts";

/**
 * Who an object is, as an owner reference names it (apiVersion, kind, name, uid) plus its
 * namespace — Kubernetes' objectReference. A virtual node's namespace is a guess: the namespace
 * of the dependent that named it ("" once it is observed to be cluster-scoped).
 */
export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  namespace: string;
}

/** The finalizer a Foreground delete adds (metav1.FinalizerDeleteDependents). */
export const FOREGROUND_FINALIZER = "foregroundDeletion";
/** The finalizer an Orphan delete adds (metav1.FinalizerOrphanDependents). */
export const ORPHAN_FINALIZER = "orphan";

export class GraphNode {
  identity: ObjectIdentity;
  /** The object's metadata.ownerReferences as last observed ([] for a virtual node). */
  owners: OwnerReference[];
  /** Nodes whose objects name this one as an owner. */
  readonly dependents = new Set<GraphNode>();
  /** The object has a deletionTimestamp. */
  beingDeleted: boolean;
  /** It has a deletionTimestamp and the foregroundDeletion finalizer: it waits for its dependents. */
  deletingDependents: boolean;
  /** Made up from an owner reference; no informer has shown this object yet. */
  virtual: boolean;

  constructor(init: {
    identity: ObjectIdentity;
    owners?: OwnerReference[];
    beingDeleted?: boolean;
    deletingDependents?: boolean;
    virtual?: boolean;
  }) {
    this.identity = init.identity;
    this.owners = init.owners ?? [];
    this.beingDeleted = init.beingDeleted ?? false;
    this.deletingDependents = init.deletingDependents ?? false;
    this.virtual = init.virtual ?? false;
  }

  get uid(): string {
    return this.identity.uid;
  }

  clone(): GraphNode {
    const copy = new GraphNode({
      identity: { ...this.identity },
      owners: [...this.owners],
      beingDeleted: this.beingDeleted,
      deletingDependents: this.deletingDependents,
      virtual: this.virtual,
    });
    for (const dependent of this.dependents) copy.dependents.add(dependent);
    return copy;
  }

  // #region blockingDependents
  /**
   * The dependents a Foreground deletion waits for: those whose reference to this node says
   * blockOwnerDeletion: true. A dependent without it is deleted too, but not waited for.
   */
  blockingDependents(): GraphNode[] {
    return [...this.dependents].filter((dependent) =>
      dependent.owners.some((ref) => ref.uid === this.uid && ref.blockOwnerDeletion === true),
    );
  }
  // #endregion blockingDependents
}

/** The identity an owner reference names, seen from a dependent in `namespace`. */
export function identityOfReference(ref: OwnerReference, namespace: string): ObjectIdentity {
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace };
}

/** The identity of an object an informer of `apiVersion`/`kind` showed. */
export function identityOfObject(
  apiVersion: string,
  kind: string,
  object: Pick<KubeObject, "metadata">,
): ObjectIdentity {
  const { name = "", uid = "", namespace = "" } = object.metadata;
  return { apiVersion, kind, name, uid, namespace };
}

export function sameIdentity(a: ObjectIdentity, b: ObjectIdentity): boolean {
  return (
    a.uid === b.uid &&
    a.name === b.name &&
    a.kind === b.kind &&
    a.apiVersion === b.apiVersion &&
    a.namespace === b.namespace
  );
}

/** Whether a reference names exactly these coordinates (uid, name, kind, apiVersion). */
export function referenceMatches(ref: OwnerReference, identity: ObjectIdentity): boolean {
  return (
    ref.uid === identity.uid &&
    ref.name === identity.name &&
    ref.kind === identity.kind &&
    ref.apiVersion === identity.apiVersion
  );
}

/** How Kubernetes logs an objectReference: `[apps/v1/Deployment, namespace: default, name: web, uid: …]`. */
export function describeIdentity(identity: ObjectIdentity): string {
  const { apiVersion, kind, namespace, name, uid } = identity;
  return `[${apiVersion}/${kind}, namespace: ${namespace}, name: ${name}, uid: ${uid}]`;
}

export function hasFinalizer(object: Pick<KubeObject, "metadata">, finalizer: string): boolean {
  return object.metadata.finalizers?.includes(finalizer) ?? false;
}
