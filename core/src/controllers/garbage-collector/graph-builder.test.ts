import { describe, expect, it } from "vitest";
import type { KubeObject, OwnerReference } from "../../api/object.ts";
import { AbsentOwnerCache } from "./absent-owner-cache.ts";
import { GraphNode } from "./graph.ts";
import {
  GraphBuilder,
  type GraphEvent,
  partitionDependents,
  referencesDiff,
} from "./graph-builder.ts";

/** A builder whose queues record what was added. */
function builder() {
  const toDelete: string[] = [];
  const rateLimited: string[] = [];
  const toOrphan: string[] = [];
  const invalid: string[] = [];
  const absentOwners = new AbsentOwnerCache();
  const graph = new GraphBuilder({
    attemptToDelete: {
      add: (uid) => toDelete.push(uid),
      addRateLimited: (uid) => rateLimited.push(uid),
    },
    attemptToOrphan: { add: (uid) => toOrphan.push(uid) },
    absentOwners,
    onInvalidNamespaceOwner: (dependent, ref) => invalid.push(`${dependent.uid}->${ref.uid}`),
  });
  return { graph, toDelete, rateLimited, toOrphan, invalid, absentOwners };
}

const ref = (uid: string, name = uid, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  name,
  uid,
  ...extra,
});

function obj(
  uid: string,
  meta: Partial<KubeObject["metadata"]> = {},
): Pick<KubeObject, "metadata"> {
  return { metadata: { name: uid, namespace: "default", uid, ...meta } };
}

const rsEvent = (
  type: GraphEvent["type"],
  object: Pick<KubeObject, "metadata">,
  old?: Pick<KubeObject, "metadata">,
): GraphEvent => ({
  type,
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  object,
  ...(old ? { old } : {}),
});
const podEvent = (
  type: GraphEvent["type"],
  object: Pick<KubeObject, "metadata">,
  old?: Pick<KubeObject, "metadata">,
): GraphEvent => ({
  type,
  apiVersion: "v1",
  kind: "Pod",
  object,
  ...(old ? { old } : {}),
});

describe("graph builder", () => {
  it("makes a virtual node for an owner no informer has shown, and queues it for a live check", () => {
    const { graph, toDelete } = builder();
    graph.processGraphChange(podEvent("add", obj("pod", { ownerReferences: [ref("rs")] })));
    const rs = graph.uidToNode.get("rs") as GraphNode;
    expect(rs.virtual).toBe(true);
    expect(rs.identity).toEqual({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: "rs",
      uid: "rs",
      namespace: "default",
    });
    expect([...rs.dependents].map((d) => d.uid)).toEqual(["pod"]);
    expect(toDelete).toEqual(["rs"]);
  });

  it("marks the virtual node observed when its object arrives, keeping its dependents", () => {
    const { graph, toDelete } = builder();
    graph.processGraphChange(podEvent("add", obj("pod", { ownerReferences: [ref("rs")] })));
    graph.processGraphChange(rsEvent("add", obj("rs")));
    const rs = graph.uidToNode.get("rs") as GraphNode;
    expect(rs.virtual).toBe(false);
    expect([...rs.dependents].map((d) => d.uid)).toEqual(["pod"]);
    expect(toDelete).toEqual(["rs"]);
  });

  it("queues the dependents of a deleted owner and records the owner as absent", () => {
    const { graph, toDelete, absentOwners } = builder();
    graph.processGraphChange(rsEvent("add", obj("rs")));
    graph.processGraphChange(podEvent("add", obj("pod", { ownerReferences: [ref("rs")] })));
    graph.processGraphChange(rsEvent("delete", obj("rs")));
    expect(graph.uidToNode.has("rs")).toBe(false);
    expect(toDelete).toEqual(["pod"]);
    expect(
      absentOwners.has({
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: "rs",
        uid: "rs",
        namespace: "default",
      }),
    ).toBe(true);
  });

  it("relinks owners on update and wakes a waiting owner when a blocking reference goes", () => {
    const { graph, toDelete } = builder();
    graph.processGraphChange(rsEvent("add", obj("a")));
    graph.processGraphChange(rsEvent("add", obj("b")));
    const before = obj("pod", { ownerReferences: [ref("a", "a", { blockOwnerDeletion: true })] });
    graph.processGraphChange(podEvent("add", before));
    const after = obj("pod", { ownerReferences: [ref("b")] });
    graph.processGraphChange(podEvent("update", after, before));
    expect(graph.uidToNode.get("a")?.dependents.size).toBe(0);
    expect([...(graph.uidToNode.get("b")?.dependents ?? [])].map((d) => d.uid)).toEqual(["pod"]);
    expect(toDelete).toEqual(["a"]);
  });

  it("queues a Foreground deletion and all its dependents once, when it starts", () => {
    const { graph, toDelete } = builder();
    graph.processGraphChange(rsEvent("add", obj("rs")));
    graph.processGraphChange(podEvent("add", obj("p1", { ownerReferences: [ref("rs")] })));
    graph.processGraphChange(podEvent("add", obj("p2", { ownerReferences: [ref("rs")] })));
    const deleting = obj("rs", {
      deletionTimestamp: "2026-01-01T00:00:00Z",
      finalizers: ["foregroundDeletion"],
    });
    graph.processGraphChange(rsEvent("update", deleting, obj("rs")));
    expect(graph.uidToNode.get("rs")?.deletingDependents).toBe(true);
    expect(graph.uidToNode.get("rs")?.beingDeleted).toBe(true);
    expect(toDelete.sort()).toEqual(["p1", "p2", "rs"]);
    // A later update of the same deleting object is not a new transition.
    graph.processGraphChange(rsEvent("update", deleting, deleting));
    expect(toDelete).toHaveLength(3);
  });

  it("queues an Orphan deletion for orphaning, also when first seen already deleting (a restart)", () => {
    const { graph, toOrphan, toDelete } = builder();
    graph.processGraphChange(
      rsEvent(
        "add",
        obj("rs", { deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: ["orphan"] }),
      ),
    );
    expect(toOrphan).toEqual(["rs"]);
    expect(toDelete).toEqual([]);
  });

  it("wakes an owner deleting in the foreground when one of its dependents goes", () => {
    const { graph, toDelete } = builder();
    graph.processGraphChange(
      rsEvent(
        "add",
        obj("rs", {
          deletionTimestamp: "2026-01-01T00:00:00Z",
          finalizers: ["foregroundDeletion"],
        }),
      ),
    );
    graph.processGraphChange(
      podEvent(
        "add",
        obj("pod", { ownerReferences: [ref("rs", "rs", { blockOwnerDeletion: true })] }),
      ),
    );
    toDelete.length = 0;
    graph.processGraphChange(
      podEvent(
        "delete",
        obj("pod", { ownerReferences: [ref("rs", "rs", { blockOwnerDeletion: true })] }),
      ),
    );
    expect(toDelete).toEqual(["rs"]);
    expect(graph.uidToNode.get("rs")?.blockingDependents()).toEqual([]);
  });

  it("reports and rechecks a dependent whose owner lives in another namespace", () => {
    const { graph, toDelete, invalid } = builder();
    graph.processGraphChange(rsEvent("add", obj("rs", { namespace: "other" })));
    graph.processGraphChange(podEvent("add", obj("pod", { ownerReferences: [ref("rs")] })));
    expect(invalid).toEqual(["pod->rs"]);
    expect(toDelete).toEqual(["pod"]);
  });

  it("a virtual delete removes a virtual node its dependents all agree on", () => {
    const { graph, toDelete } = builder();
    graph.processGraphChange(podEvent("add", obj("pod", { ownerReferences: [ref("ghost")] })));
    graph.processGraphChange({ ...rsEvent("delete", obj("ghost")), virtual: true });
    expect(graph.uidToNode.has("ghost")).toBe(false);
    expect(toDelete).toEqual(["ghost", "pod"]);
  });

  it("a virtual delete keeps a virtual node that other dependents name differently, and tries their name next", () => {
    const { graph, toDelete, rateLimited } = builder();
    graph.processGraphChange(podEvent("add", obj("p1", { ownerReferences: [ref("x", "first")] })));
    graph.processGraphChange(podEvent("add", obj("p2", { ownerReferences: [ref("x", "second")] })));
    graph.processGraphChange({ ...rsEvent("delete", obj("x", { name: "first" })), virtual: true });
    const node = graph.uidToNode.get("x") as GraphNode;
    expect(node.identity.name).toBe("second");
    expect(toDelete).toEqual(["x", "p2", "p1"]);
    expect(rateLimited).toEqual(["x"]);
  });
});

describe("referencesDiff", () => {
  it("splits by UID into added, removed and changed", () => {
    const { added, removed, changed } = referencesDiff(
      [ref("a"), ref("b", "b", { blockOwnerDeletion: true })],
      [ref("b", "b", { blockOwnerDeletion: false }), ref("c")],
    );
    expect(added.map((r) => r.uid)).toEqual(["c"]);
    expect(removed.map((r) => r.uid)).toEqual(["a"]);
    expect(changed.map((c) => [c.before.blockOwnerDeletion, c.after.blockOwnerDeletion])).toEqual([
      [true, false],
    ]);
  });
});

describe("partitionDependents", () => {
  it("matches dependents by the owner's full coordinates and namespace", () => {
    const owner = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: "rs",
      uid: "u",
      namespace: "default",
    };
    const node = (uid: string, namespace: string, r: OwnerReference) =>
      new GraphNode({
        identity: { apiVersion: "v1", kind: "Pod", name: uid, uid, namespace },
        owners: [r],
      });
    const good = node("good", "default", ref("u", "rs"));
    const renamed = node("renamed", "default", ref("u", "other"));
    const elsewhere = node("elsewhere", "other", ref("u", "rs"));
    const [matching, mismatched] = partitionDependents([good, renamed, elsewhere], owner);
    expect(matching.map((n) => n.uid)).toEqual(["good"]);
    expect(mismatched.map((n) => n.uid)).toEqual(["renamed", "elsewhere"]);
  });
});
