import { describe, expect, it } from "vitest";
import type { Condition } from "../../api/types.ts";
import { CONDITION_TYPES, NamespaceConditionUpdater } from "./conditions.ts";
import { GroupDiscoveryFailedError } from "./discovery.ts";

const at = (t: string) => () => t;
const byType = (conditions: Condition[]) => Object.fromEntries(conditions.map((c) => [c.type, c]));

describe("namespace deletion conditions", () => {
  it("a clean pass sets all five types False with Kubernetes' reasons and messages", () => {
    const conditions: Condition[] = [];
    const updater = new NamespaceConditionUpdater(at("2026-01-01T00:00:00Z"));
    updater.processContentTotals({
      remainingByResource: new Map(),
      remainingByFinalizer: new Map(),
    });
    expect(updater.update(conditions)).toBe(true);
    expect(conditions.map((c) => c.type)).toEqual([...CONDITION_TYPES]);
    expect(conditions.map((c) => [c.status, c.reason, c.message])).toEqual([
      ["False", "ResourcesDiscovered", "All resources successfully discovered"],
      ["False", "ParsedGroupVersions", "All legacy kube types successfully parsed"],
      [
        "False",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
      ],
      ["False", "ContentRemoved", "All content successfully removed"],
      ["False", "ContentRemoved", "All content successfully removed"],
    ]);
  });

  it("reports what remains, sorted, and which finalizers hold it", () => {
    const conditions: Condition[] = [];
    const updater = new NamespaceConditionUpdater(at("2026-01-01T00:00:00Z"));
    updater.processContentTotals({
      remainingByResource: new Map([
        ["pods.", 2],
        ["configmaps.", 1],
        ["deployments.apps", 0],
      ]),
      remainingByFinalizer: new Map([
        ["example.com/hold", 3],
        ["a.example.com/x", 1],
      ]),
    });
    updater.update(conditions);
    const c = byType(conditions);
    expect(c.NamespaceContentRemaining).toMatchObject({
      status: "True",
      reason: "SomeResourcesRemain",
      message:
        "Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances",
    });
    expect(c.NamespaceFinalizersRemaining).toMatchObject({
      status: "True",
      reason: "SomeFinalizerRemain",
      message:
        "Some finalizers are remaining: a.example.com/x in 1 resource instances, example.com/hold in 3 resource instances",
    });
  });

  it("reports discovery and content failures", () => {
    const conditions: Condition[] = [];
    const updater = new NamespaceConditionUpdater(at("2026-01-01T00:00:00Z"));
    updater.processDiscoverResourcesErr(
      new GroupDiscoveryFailedError(
        new Map([
          [
            "metrics.k8s.io/v1beta1",
            new Error("the server is currently unable to handle the request"),
          ],
        ]),
      ),
    );
    updater.processDeleteContentErr(new Error("b failed"));
    updater.processDeleteContentErr(new Error("a failed"));
    updater.update(conditions);
    const c = byType(conditions);
    expect(c.NamespaceDeletionDiscoveryFailure).toMatchObject({
      status: "True",
      reason: "DiscoveryFailed",
      message:
        "Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request",
    });
    expect(c.NamespaceDeletionContentFailure).toMatchObject({
      status: "True",
      reason: "ContentDeletionFailed",
      message: "Failed to delete all resource types, 2 remaining: a failed, b failed",
    });
  });

  it("changes nothing when nothing changed, and moves lastTransitionTime only on a status flip", () => {
    const conditions: Condition[] = [];
    const holding = {
      remainingByResource: new Map([["configmaps.", 1]]),
      remainingByFinalizer: new Map([["example.com/hold", 1]]),
    };
    const first = new NamespaceConditionUpdater(at("T1"));
    first.processContentTotals(holding);
    first.update(conditions);
    const again = new NamespaceConditionUpdater(at("T2"));
    again.processContentTotals(holding);
    expect(again.update(conditions)).toBe(false);
    const clear = new NamespaceConditionUpdater(at("T3"));
    clear.processContentTotals({ remainingByResource: new Map(), remainingByFinalizer: new Map() });
    expect(clear.update(conditions)).toBe(true);
    const c = byType(conditions);
    expect(c.NamespaceFinalizersRemaining).toMatchObject({
      status: "False",
      lastTransitionTime: "T3",
    });
    expect(c.NamespaceDeletionDiscoveryFailure).toMatchObject({
      status: "False",
      lastTransitionTime: "T1",
    });
  });
});
