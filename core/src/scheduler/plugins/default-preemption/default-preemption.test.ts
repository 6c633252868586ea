import { describe, expect, it } from "vitest";
import type { Pod } from "../../../api/types.ts";
import { type NodeInfo, type Status, status } from "../../framework/types.ts";
import { listerOf, newInterPodAffinity } from "../inter-pod-affinity/inter-pod-affinity.ts";
import { NodeResourcesFit } from "../node-resources-fit/fit.ts";
import { newPodTopologySpread } from "../pod-topology-spread/pod-topology-spread.ts";
import { labeledPod, snapshot, zonedNode } from "../testing-pods.ts";
import { DefaultPreemption } from "./default-preemption.ts";
import { cpuNode, fitFilters, frameworkFilters, makeNodeInfo, priorityPod } from "./testing.ts";

const insufficientCpu: Status = {
  ...status("Unschedulable", "Insufficient cpu"),
  plugin: "NodeResourcesFit",
};
const untolerated: Status = {
  ...status("UnschedulableAndUnresolvable", "node(s) had untolerated taint {dedicated: db}"),
  plugin: "TaintToleration",
};

function preempt(
  preemptor: Pod,
  nodes: NodeInfo[],
  filtered: Record<string, Status>,
  simulation = fitFilters(preemptor),
) {
  const evicted: string[] = [];
  const { state, ...functions } = simulation;
  const plugin = new DefaultPreemption({
    nodeInfos: () => nodes,
    ...functions,
    preemptPod: async (victim, _preemptor, nodeName) => {
      evicted.push(`${nodeName}/${victim.metadata.name}`);
    },
    now: () => 0,
  });
  return plugin
    .postFilter(state, preemptor, new Map(Object.entries(filtered)))
    .then((result) => ({ result, evicted }));
}

describe("DefaultPreemption", () => {
  it("evicts the victims on the node whose most important victim matters least, and nominates it", async () => {
    const n1 = makeNodeInfo(cpuNode("n1"), [
      priorityPod("n1-a", 50, "2", { nodeName: "n1" }),
      priorityPod("n1-b", 10, "2", { nodeName: "n1" }),
    ]);
    const n2 = makeNodeInfo(cpuNode("n2"), [
      priorityPod("n2-a", 20, "2", { nodeName: "n2" }),
      priorityPod("n2-b", 30, "2", { nodeName: "n2" }),
    ]);
    const { result, evicted } = await preempt(priorityPod("p", 100, "2"), [n1, n2], {
      n1: insufficientCpu,
      n2: insufficientCpu,
    });
    // n1 would lose n1-b (10), n2 would lose n2-a (20): n1's highest victim is lower.
    expect(result).toEqual({ nominatedNodeName: "n1", status: status("Success") });
    expect(evicted).toEqual(["n1/n1-b"]);
  });

  it("never simulates on an UnschedulableAndUnresolvable node, however cheap its pods", async () => {
    const tainted = makeNodeInfo(cpuNode("tainted"), [
      priorityPod("t", 1, "4", { nodeName: "tainted" }),
    ]);
    const full = makeNodeInfo(cpuNode("full"), [priorityPod("f", 90, "4", { nodeName: "full" })]);
    const { result, evicted } = await preempt(priorityPod("p", 100, "2"), [tainted, full], {
      tainted: untolerated,
      full: insufficientCpu,
    });
    expect(result.nominatedNodeName).toBe("full");
    expect(evicted).toEqual(["full/f"]);
  });

  it("says why nothing helps, in Kubernetes' words, and clears the nomination", async () => {
    const a = makeNodeInfo(cpuNode("a"), [priorityPod("a1", 100, "4", { nodeName: "a" })]);
    const b = makeNodeInfo(cpuNode("b"), [priorityPod("b1", 500, "4", { nodeName: "b" })]);
    const c = makeNodeInfo(cpuNode("c"), []);
    const d = makeNodeInfo(cpuNode("d", "1"), [priorityPod("d1", 1, "1", { nodeName: "d" })]);
    const { result, evicted } = await preempt(priorityPod("p", 100, "2"), [a, b, c, d], {
      a: insufficientCpu,
      b: insufficientCpu,
      c: untolerated,
      d: insufficientCpu,
    });
    expect(evicted).toEqual([]);
    expect(result).toEqual({
      nominatedNodeName: "",
      status: status(
        "Unschedulable",
        "preemption: 0/4 nodes are available: 1 Insufficient cpu, 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
      ),
    });
  });

  it("does not preempt for a pod with preemptionPolicy Never", async () => {
    const n1 = makeNodeInfo(cpuNode("n1"), [priorityPod("low", 1, "4", { nodeName: "n1" })]);
    const { result, evicted } = await preempt(
      priorityPod("p", 100, "2", { preemptionPolicy: "Never" }),
      [n1],
      { n1: insufficientCpu },
    );
    expect(evicted).toEqual([]);
    expect(result).toEqual({
      status: status("Unschedulable", "preemption: not eligible due to preemptionPolicy=Never."),
    });
  });

  it("turns a failed eviction into an Error, without a nomination", async () => {
    const n1 = makeNodeInfo(cpuNode("n1"), [priorityPod("low", 1, "4", { nodeName: "n1" })]);
    const { state, ...functions } = fitFilters(priorityPod("p", 100, "2"));
    const plugin = new DefaultPreemption({
      nodeInfos: () => [n1],
      ...functions,
      preemptPod: async () => {
        throw new Error('pods "low" is forbidden');
      },
      now: () => 0,
    });
    const result = await plugin.postFilter(
      state,
      priorityPod("p", 100, "2"),
      new Map([["n1", insufficientCpu]]),
    );
    expect(result).toEqual({ status: status("Error", 'preemption: pods "low" is forbidden') });
  });
});

describe("DefaultPreemption eligibility", () => {
  it("a nominated pod whose victim is still terminating there waits instead of preempting again", async () => {
    const victim = priorityPod("victim", 10, "2", { nodeName: "n1" });
    victim.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
    victim.status = {
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }],
    };
    const n1 = makeNodeInfo(cpuNode("n1"), [
      victim,
      priorityPod("other", 1, "2", { nodeName: "n1" }),
    ]);
    const p = priorityPod("p", 100, "4");
    p.status = { nominatedNodeName: "n1" };
    const { result, evicted } = await preempt(p, [n1], { n1: insufficientCpu });
    expect(evicted).toEqual([]);
    expect(result).toEqual({
      status: status(
        "Unschedulable",
        "preemption: not eligible due to a terminating pod on the nominated node.",
      ),
    });
  });
});

describe("DefaultPreemption with PreFilter state that counts pods", () => {
  /** The preemptor's priority, and a CPU request where it matters. */
  const withPriority = (pod: Pod, priority: number, cpu?: string): Pod => {
    pod.spec.priority = priority;
    if (cpu) pod.spec.containers = [{ name: "c", resources: { requests: { cpu } } }];
    return pod;
  };
  const ZONE = "topology.kubernetes.io/zone";

  const cases: {
    name: string;
    preemptor: Pod;
    nodes: NodeInfo[];
    plugins: (nodes: NodeInfo[]) => Parameters<typeof frameworkFilters>[1];
    nominated: string;
    evicted: string[];
    /** The answer when the simulation's RemovePod/AddPod do nothing: the counts go stale. */
    withoutExtensions: string;
  }[] = [
    {
      name: "a victim needed only for the preemptor's required anti-affinity",
      preemptor: withPriority(
        labeledPod("p", {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  topologyKey: "kubernetes.io/hostname",
                  labelSelector: { matchLabels: { app: "low" } },
                },
              ],
            },
          },
        }),
        100,
      ),
      nodes: snapshot(
        [zonedNode("n1")],
        [
          withPriority(labeledPod("low", { labels: { app: "low" }, nodeName: "n1" }), 1),
          withPriority(labeledPod("bystander", { nodeName: "n1" }), 1),
        ],
      ),
      plugins: (nodes) => [newInterPodAffinity({ nodeInfos: listerOf(() => nodes) })],
      nominated: "n1",
      evicted: ["n1/low"],
      withoutExtensions:
        "preemption: 0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.",
    },
    {
      // Zone a holds 2 matching pods, zone b 1: the preemptor fits only in b (2 + 1 - 1 = 2 > 1
      // in a), where a priority-1000 pod fills the CPU. Taking both zone-a pods off opens a; the
      // more important one (priority 5) goes back (1 + 1 - 1 = 1), the other cannot (2 again).
      name: "a victim needed only for a topology spread constraint",
      preemptor: withPriority(
        labeledPod("p", {
          labels: { foo: "" },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: ZONE,
              whenUnsatisfiable: "DoNotSchedule",
              labelSelector: { matchLabels: { foo: "" } },
            },
          ],
        }),
        100,
        "1",
      ),
      nodes: snapshot(
        [zonedNode("n1", "a"), zonedNode("n2", "b")],
        [
          withPriority(labeledPod("a-important", { labels: { foo: "" }, nodeName: "n1" }), 5),
          withPriority(labeledPod("a-cheap", { labels: { foo: "" }, nodeName: "n1" }), 1),
          withPriority(labeledPod("b-full", { labels: { foo: "" }, nodeName: "n2" }), 1000, "4"),
        ],
      ),
      plugins: (nodes) => [
        new NodeResourcesFit(),
        newPodTopologySpread({ nodeInfos: { list: () => nodes } }),
      ],
      nominated: "n1",
      evicted: ["n1/a-cheap"],
      withoutExtensions:
        "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 node(s) didn't match pod topology spread constraints.",
    },
  ];

  /** Filter's verdicts on every node, as the failed cycle hands them to PostFilter. */
  const filteredBy = (
    simulation: ReturnType<typeof frameworkFilters>,
    pod: Pod,
    nodes: NodeInfo[],
  ): Record<string, Status> =>
    Object.fromEntries(
      nodes.map((n) => [
        n.node.metadata.name ?? "",
        simulation.runFilterPlugins(simulation.state, pod, n),
      ]),
    );

  it.each(cases)("$name: found, as the extensions update the counts", async (c) => {
    const simulation = frameworkFilters(c.preemptor, c.plugins(c.nodes), c.nodes);
    const filtered = filteredBy(simulation, c.preemptor, c.nodes);
    expect(Object.values(filtered).every((s) => s.code === "Unschedulable")).toBe(true);
    const { result, evicted } = await preempt(c.preemptor, c.nodes, filtered, simulation);
    expect(result).toEqual({ nominatedNodeName: c.nominated, status: status("Success") });
    expect(evicted).toEqual(c.evicted);
  });

  it.each(cases)("$name: missed when RemovePod/AddPod do nothing", async (c) => {
    const simulation = frameworkFilters(c.preemptor, c.plugins(c.nodes), c.nodes);
    const filtered = filteredBy(simulation, c.preemptor, c.nodes);
    const stale = {
      ...simulation,
      runPreFilterExtensionAddPod: () => status("Success"),
      runPreFilterExtensionRemovePod: () => status("Success"),
    };
    const { result, evicted } = await preempt(c.preemptor, c.nodes, filtered, stale);
    expect(evicted).toEqual([]);
    expect(result).toEqual({
      nominatedNodeName: "",
      status: status("Unschedulable", c.withoutExtensions),
    });
  });
});
