import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { FakeClock } from "../../util/clock.ts";
import { CLEAN_ASSUMED_PERIOD_MS, DEFAULT_ASSUMED_POD_TTL_MS, SchedulerCache } from "./cache.ts";
import { CacheError } from "./errors.ts";
import { node, on, pod } from "./testing.ts";

function setup(assumedPodTtlMs?: number) {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock, assumedPodTtlMs });
  cache.addNode(node("n1"));
  cache.addNode(node("n2"));
  return { clock, cache };
}

/** What the cache counts on a node: its pods' names and requested CPU. */
function counted(cache: SchedulerCache, name: string) {
  const info = cache.dump().nodes.get(name);
  return info && { pods: info.pods.map((p) => p.metadata.name), milliCPU: info.requested.milliCPU };
}

function reason(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CacheError) return e.reason;
    throw e;
  }
  return undefined;
}

describe("SchedulerCache: assume, forget, confirm", () => {
  it("counts an assumed pod on its node before any binding", () => {
    const { cache } = setup();
    const p = on(pod("p", 250), "n1");
    cache.assumePod(p);
    expect(counted(cache, "n1")).toEqual({ pods: ["p"], milliCPU: 250 });
    expect(cache.isAssumedPod(p)).toBe(true);
    expect(reason(() => cache.assumePod(p))).toBe("AlreadyInCache");
  });

  it("forgetPod undoes assumePod, and only for an assumed pod on the same node", () => {
    const { cache } = setup();
    const p = on(pod("p", 250), "n1");
    cache.assumePod(p);
    expect(reason(() => cache.forgetPod(on(p, "n2")))).toBe("NodeMismatch");
    cache.forgetPod(p);
    expect(counted(cache, "n1")).toEqual({ pods: [], milliCPU: 0 });
    expect(cache.getPod(p)).toBeUndefined();
    expect(reason(() => cache.forgetPod(p))).toBe("NotAssumed");
  });

  it("the informer's add confirms an assumed pod without counting it twice", () => {
    const { cache } = setup();
    const p = on(pod("p", 250), "n1");
    cache.assumePod(p);
    const bound: Pod = { ...p, status: { phase: "Pending" } };
    cache.addPod(bound);
    expect(cache.isAssumedPod(p)).toBe(false);
    expect(cache.getPod(p)).toBe(bound);
    expect(counted(cache, "n1")).toEqual({ pods: ["p"], milliCPU: 250 });
    expect(reason(() => cache.addPod(bound))).toBe("AlreadyAdded");
    expect(reason(() => cache.forgetPod(bound))).toBe("NotAssumed");
  });

  it("an assumed pod the informer reports on another node moves there", () => {
    const { cache } = setup();
    const p = on(pod("p", 250), "n1");
    cache.assumePod(p);
    cache.addPod(on(p, "n2"));
    expect(counted(cache, "n1")).toEqual({ pods: [], milliCPU: 0 });
    expect(counted(cache, "n2")).toEqual({ pods: ["p"], milliCPU: 250 });
    expect(cache.podCount()).toBe(1);
  });

  it("updatePod replaces an added pod; an assumed one, or a move, is refused", () => {
    const { cache } = setup();
    const p = on(pod("p", 250), "n1");
    cache.assumePod(p);
    expect(reason(() => cache.updatePod(p, p))).toBe("AssumedNotUpdatable");
    cache.addPod(p);
    const relabeled = { ...p, metadata: { ...p.metadata, labels: { app: "x" } } };
    cache.updatePod(p, relabeled);
    expect(cache.getPod(p)).toBe(relabeled);
    expect(counted(cache, "n1")).toEqual({ pods: ["p"], milliCPU: 250 });
    expect(reason(() => cache.updatePod(relabeled, on(relabeled, "n2")))).toBe("Corrupted");
    expect(reason(() => cache.updatePod(pod("q"), pod("q")))).toBe("NotInCache");
  });

  it("removePod takes the cached copy off, also when handed a last state without a node", () => {
    const { cache } = setup();
    const p = pod("p", 250);
    cache.addPod(on(p, "n1"));
    expect(reason(() => cache.removePod(on(p, "n2")))).toBe("Corrupted");
    cache.removePod(p); // DeletedFinalStateUnknown from before the binding: no nodeName
    expect(counted(cache, "n1")).toEqual({ pods: [], milliCPU: 0 });
    expect(reason(() => cache.removePod(on(p, "n1")))).toBe("NotInCache");
  });

  it("refuses pods without a UID, and an assume without a node", () => {
    const { cache } = setup();
    const p = pod("p");
    expect(reason(() => cache.assumePod(p))).toBe("MissingNodeName");
    const noUid = { ...on(p, "n1"), metadata: { name: "p" } };
    expect(reason(() => cache.addPod(noUid))).toBe("MissingUID");
  });
});

describe("SchedulerCache: assumed pod expiry", () => {
  it("defaults to a TTL of 0: an assumed pod never expires", () => {
    expect(DEFAULT_ASSUMED_POD_TTL_MS).toBe(0);
    const { clock, cache } = setup();
    const p = on(pod("p"), "n1");
    cache.assumePod(p);
    cache.finishBinding(p);
    clock.advance(24 * 60 * 60 * 1000);
    cache.cleanupExpiredAssumedPods();
    expect(cache.isAssumedPod(p)).toBe(true);
  });

  it("with a TTL, expires strictly after finishBinding + TTL, never while binding", () => {
    const { clock, cache } = setup(30_000);
    const p = on(pod("p", 250), "n1");
    cache.assumePod(p);
    clock.advance(60_000);
    cache.cleanupExpiredAssumedPods();
    expect(cache.isAssumedPod(p)).toBe(true); // binding still in flight
    cache.finishBinding(p);
    clock.advance(30_000);
    cache.cleanupExpiredAssumedPods();
    expect(cache.isAssumedPod(p)).toBe(true); // now == deadline: not after it
    clock.advance(1);
    cache.cleanupExpiredAssumedPods();
    expect(cache.getPod(p)).toBeUndefined();
    expect(counted(cache, "n1")).toEqual({ pods: [], milliCPU: 0 });
    // The informer's late add of an expired pod adds it back.
    cache.addPod(p);
    expect(counted(cache, "n1")).toEqual({ pods: ["p"], milliCPU: 250 });
  });

  it("run() cleans up every CLEAN_ASSUMED_PERIOD_MS until stopped", () => {
    const { clock, cache } = setup(500);
    const p = on(pod("p"), "n1");
    cache.assumePod(p);
    cache.finishBinding(p);
    const runner = cache.run();
    clock.advance(CLEAN_ASSUMED_PERIOD_MS - 1);
    expect(cache.isAssumedPod(p)).toBe(true);
    clock.advance(1);
    expect(cache.getPod(p)).toBeUndefined();
    runner.stop();
    expect(clock.pending()).toBe(0);
  });
});

describe("SchedulerCache: nodes", () => {
  it("keeps pods that arrive before their node on an imaginary node, then adopts them", () => {
    const { cache } = setup();
    cache.addPod(on(pod("early", 300), "n3"));
    expect([...cache.dump().nodesWithoutNode]).toEqual(["n3"]);
    cache.addNode(node("n3"));
    expect(cache.dump().nodesWithoutNode.size).toBe(0);
    const info = cache.dump().nodes.get("n3");
    expect(info?.requested.milliCPU).toBe(300);
    expect(info?.allocatable.milliCPU).toBe(4000);
  });

  it("keeps a removed node with pods as a ghost until its last pod goes", () => {
    const { cache } = setup();
    const p = on(pod("p"), "n1");
    cache.addPod(p);
    cache.removeNode(node("n1"));
    expect(cache.nodeCount()).toBe(2);
    expect([...cache.dump().nodesWithoutNode]).toEqual(["n1"]);
    cache.removePod(p);
    expect(cache.nodeCount()).toBe(1);
    expect(reason(() => cache.removeNode(node("n1")))).toBe("NodeNotFound");
    cache.removeNode(node("n2"));
    expect(cache.nodeCount()).toBe(0);
  });

  it("updateNode recomputes allocatable and keeps the node's pods", () => {
    const { cache } = setup();
    cache.addPod(on(pod("p", 100), "n1"));
    const bigger = { ...node("n1"), status: { allocatable: { cpu: "8", pods: "110" } } };
    cache.updateNode(node("n1"), bigger);
    const info = cache.dump().nodes.get("n1");
    expect(info?.allocatable.milliCPU).toBe(8000);
    expect(info?.requested.milliCPU).toBe(100);
  });
});
