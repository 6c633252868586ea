import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { Nominator } from "./nominator.ts";

const pod = (name: string, nominated?: string, nodeName?: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
  ...(nominated ? { status: { nominatedNodeName: nominated } } : {}),
});
const names = (n: Nominator, node: string) =>
  n.nominatedPodsForNode(node).map((p) => p.metadata.name);

describe("Nominator", () => {
  it("records a pod under its status.nominatedNodeName, and nothing for a pod without one", () => {
    const n = new Nominator();
    n.addNominatedPod(pod("a", "n1"));
    n.addNominatedPod(pod("b"));
    expect(names(n, "n1")).toEqual(["a"]);
    expect(n.nominatedNodeFor(pod("b"))).toBeUndefined();
  });

  it('an override wins over the status, moves the pod, and "" clears it', () => {
    const n = new Nominator();
    n.addNominatedPod(pod("a", "n1"));
    n.addNominatedPod(pod("a", "n1"), "n2");
    expect(names(n, "n1")).toEqual([]);
    expect(names(n, "n2")).toEqual(["a"]);
    n.addNominatedPod(pod("a", "n1"), "");
    expect(n.nominatedNodeFor(pod("a"))).toBeUndefined();
    expect(names(n, "n2")).toEqual([]);
  });

  it("never lists a pod twice, nor a pod that already has a node", () => {
    const n = new Nominator();
    n.addNominatedPod(pod("a", "n1"));
    n.addNominatedPod(pod("a", "n1"));
    n.addNominatedPod(pod("bound", "n1", "n1"));
    expect(names(n, "n1")).toEqual(["a"]);
  });

  it("an update without the field keeps a nomination made in memory; one that clears it clears it", () => {
    const n = new Nominator();
    n.addNominatedPod(pod("a"), "n1"); // preemption nominated; the status write is not back yet
    n.updateNominatedPod(pod("a"), pod("a")); // an older copy arrives from the watch
    expect(names(n, "n1"), "kept: the watch was behind, not the nomination").toEqual(["a"]);
    n.updateNominatedPod(pod("a", "n1"), pod("a"));
    expect(n.nominatedNodeFor(pod("a")), "the field went away: the nomination too").toBeUndefined();
  });

  it("deleting drops the pod from its node's list", () => {
    const n = new Nominator();
    n.addNominatedPod(pod("a", "n1"));
    n.addNominatedPod(pod("b", "n1"));
    n.deleteNominatedPodIfExists(pod("a"));
    expect(names(n, "n1")).toEqual(["b"]);
  });
});
