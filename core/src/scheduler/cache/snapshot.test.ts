import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { FakeClock } from "../../util/clock.ts";
import { labeledPod } from "../plugins/testing-pods.ts";
import { SchedulerCache } from "./cache.ts";
import { Snapshot } from "./snapshot.ts";
import { node, on, pod } from "./testing.ts";

function setup(nodes = [node("n1"), node("n2"), node("n3")]) {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  for (const n of nodes) cache.addNode(n);
  const snapshot = new Snapshot();
  cache.updateSnapshot(snapshot);
  return { cache, snapshot };
}

const names = (snapshot: Snapshot) => snapshot.nodeInfos().map((i) => i.node.metadata.name);

describe("Snapshot", () => {
  it("copies only the NodeInfos that changed since the last update", () => {
    const { cache, snapshot } = setup();
    const before = new Map(snapshot.nodeInfos().map((i) => [i.node.metadata.name, i]));
    const podsBefore = new Map(snapshot.nodeInfos().map((i) => [i.node.metadata.name, i.pods]));
    cache.assumePod(on(pod("p", 250), "n2"));
    cache.updateSnapshot(snapshot);
    for (const info of snapshot.nodeInfos()) {
      const name = info.node.metadata.name ?? "";
      // Every NodeInfo keeps its identity (the lists hold it) ...
      expect(info).toBe(before.get(name));
      // ... but only n2's contents were re-copied.
      if (name === "n2") expect(info.pods).not.toBe(podsBefore.get(name));
      else expect(info.pods).toBe(podsBefore.get(name));
    }
    expect(snapshot.get("n2")?.requested.milliCPU).toBe(250);
  });

  it("a plugin reading the snapshot never sees later cache changes until the next update", () => {
    const { cache, snapshot } = setup();
    const n1 = snapshot.get("n1");
    const list = snapshot.nodeInfos();
    cache.assumePod(on(pod("p", 250), "n1"));
    cache.addNode(node("n4"));
    cache.removeNode(node("n3"));
    expect(n1?.pods).toEqual([]);
    expect(n1?.requested.milliCPU).toBe(0);
    expect(names(snapshot)).toEqual(["n1", "n2", "n3"]);
    expect(list).toBe(snapshot.nodeInfos());
    cache.updateSnapshot(snapshot);
    expect(snapshot.get("n1")?.requested.milliCPU).toBe(250);
    expect(names(snapshot)).toEqual(["n1", "n2", "n4"]);
    expect(snapshot.get("n3")).toBeUndefined();
  });

  it("leaves out imaginary and ghost nodes", () => {
    const { cache, snapshot } = setup();
    const p = on(pod("p"), "n1");
    cache.addPod(p);
    cache.addPod(on(pod("early"), "n9"));
    cache.removeNode(node("n1"));
    cache.updateSnapshot(snapshot);
    expect(names(snapshot)).toEqual(["n2", "n3"]);
    expect(snapshot.get("n9")).toBeUndefined();
    cache.addNode(node("n9"));
    cache.updateSnapshot(snapshot);
    expect(snapshot.get("n9")?.pods.map((x) => x.metadata.name)).toEqual(["early"]);
  });

  it("lists nodes interleaved across zones", () => {
    const { snapshot } = setup([
      node("a1", "a"),
      node("a2", "a"),
      node("b1", "b"),
      node("b2", "b"),
      node("c1", "c"),
    ]);
    expect(names(snapshot)).toEqual(["a1", "b1", "c1", "a2", "b2"]);
  });

  it("tracks the nodes holding pods with affinity and with required anti-affinity", () => {
    const { cache, snapshot } = setup();
    const term = { labelSelector: {}, topologyKey: "kubernetes.io/hostname" };
    const withAffinity: Pod = on(
      labeledPod("aff", {
        affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } },
      }),
      "n1",
    );
    const withAnti: Pod = on(
      labeledPod("anti", {
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } },
      }),
      "n2",
    );
    cache.addPod(withAffinity);
    cache.addPod(withAnti);
    cache.updateSnapshot(snapshot);
    const listed = (infos: readonly { node: { metadata: { name?: string } } }[]) =>
      infos.map((i) => i.node.metadata.name);
    expect(listed(snapshot.havePodsWithAffinityList())).toEqual(["n1", "n2"]);
    expect(listed(snapshot.havePodsWithRequiredAntiAffinityList())).toEqual(["n2"]);
    cache.removePod(withAnti);
    cache.updateSnapshot(snapshot);
    expect(listed(snapshot.havePodsWithAffinityList())).toEqual(["n1"]);
    expect(listed(snapshot.havePodsWithRequiredAntiAffinityList())).toEqual([]);
  });

  it("records the newest generation, so an update with no changes copies nothing", () => {
    const { cache, snapshot } = setup();
    const generation = snapshot.generation;
    const pods = snapshot.nodeInfos().map((i) => i.pods);
    cache.updateSnapshot(snapshot);
    expect(snapshot.generation).toBe(generation);
    expect(snapshot.nodeInfos().map((i) => i.pods)).toEqual(pods);
    snapshot.nodeInfos().forEach((info, i) => {
      expect(info.pods).toBe(pods[i]);
    });
  });
});
