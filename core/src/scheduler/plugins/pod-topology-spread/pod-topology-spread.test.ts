import { describe, expect, it } from "vitest";
import type { Node, Pod, TopologySpreadConstraint } from "../../../api/types.ts";
import type { NodeInfo } from "../../framework/types.ts";
import {
  labeledNode,
  labeledPod,
  runFilter,
  runScore,
  snapshot,
  zonedNode,
} from "../testing-pods.ts";
import {
  ERR_REASON_NODE_LABEL_NOT_MATCH as NO_LABEL,
  ERR_REASON_CONSTRAINTS_NOT_MATCH as SKEW,
} from "./filtering.ts";
import { newPodTopologySpread } from "./pod-topology-spread.ts";
import { fourNodes, HOST, hard, incoming, ZONE } from "./testing.ts";

const soft = (topologyKey: string, maxSkew: number): TopologySpreadConstraint => ({
  ...hard(topologyKey, maxSkew),
  whenUnsatisfiable: "ScheduleAnyway",
});

/** `count` pods labelled foo on `node`. */
const fooPods = (node: string, count: number, extra: Parameters<typeof labeledPod>[1] = {}) =>
  Array.from({ length: count }, (_, i) =>
    labeledPod(`${node}-${i}`, { labels: { foo: "" }, nodeName: node, ...extra }),
  );

const fits = { code: "Success", reasons: [] as string[] };
const skewed = { code: "Unschedulable", reasons: [SKEW] };
const noLabel = { code: "UnschedulableAndUnresolvable", reasons: [NO_LABEL] };

describe("PodTopologySpread filter (DoNotSchedule)", () => {
  const cases: {
    name: string;
    pod: Pod;
    nodes: Node[];
    pods: Pod[];
    want: Record<string, { code: string; reasons: string[] }>;
  }[] = [
    {
      name: "zone a 2, zone b 1, maxSkew 1: only zone b (the doc comment's example)",
      pod: incoming([hard(ZONE, 1)]),
      nodes: fourNodes,
      pods: [...fooPods("n1", 2), ...fooPods("n3", 1)],
      want: { n1: skewed, n2: skewed, n3: fits, n4: fits },
    },
    {
      name: "an incoming pod its own selector does not match adds 0 to the skew",
      pod: incoming([hard(ZONE, 1)], { labels: {} }),
      nodes: fourNodes,
      pods: [...fooPods("n1", 2), ...fooPods("n3", 1)],
      want: { n1: fits, n2: fits, n3: fits, n4: fits },
    },
    {
      name: "minDomains 3 with two zones: the minimum counts as 0, zone b's 1 + 1 > 1",
      pod: incoming([hard(ZONE, 1, { minDomains: 3 })]),
      nodes: fourNodes,
      pods: [...fooPods("n1", 2), ...fooPods("n3", 1)],
      want: { n1: skewed, n2: skewed, n3: skewed, n4: skewed },
    },
    {
      name: "minDomains met: the real minimum is used",
      pod: incoming([hard(ZONE, 1, { minDomains: 2 })]),
      nodes: fourNodes,
      pods: [...fooPods("n1", 2), ...fooPods("n3", 1)],
      want: { n1: skewed, n2: skewed, n3: fits, n4: fits },
    },
    {
      name: "a node without the topology label is rejected for good, and its pods do not count",
      pod: incoming([hard(ZONE, 1)]),
      nodes: [zonedNode("n1", "a"), zonedNode("n3", "b"), zonedNode("x")],
      pods: [...fooPods("n1", 1), ...fooPods("x", 5)],
      want: { n1: skewed, n3: fits, x: noLabel },
    },
    {
      name: "hostname spreading: the node already holding one is full at maxSkew 1",
      pod: incoming([hard(HOST, 1)]),
      nodes: fourNodes,
      pods: fooPods("n1", 1),
      want: { n1: skewed, n2: fits, n3: fits, n4: fits },
    },
    {
      name: "two constraints are ANDed: zone b, but not the node in it that has one already",
      pod: incoming([hard(ZONE, 1), hard(HOST, 1)]),
      nodes: fourNodes,
      pods: [...fooPods("n1", 1), ...fooPods("n2", 1), ...fooPods("n3", 1)],
      want: { n1: skewed, n2: skewed, n3: skewed, n4: fits },
    },
    {
      name: "pods in another namespace, terminating pods and unmatched pods do not count",
      pod: incoming([hard(ZONE, 1)]),
      nodes: fourNodes,
      pods: [
        ...fooPods("n1", 2, { namespace: "other" }),
        ...fooPods("n2", 2, { terminating: true }),
        labeledPod("bar", { labels: { bar: "" }, nodeName: "n2" }),
      ],
      want: { n1: fits, n2: fits, n3: fits, n4: fits },
    },
    {
      name: "no labelSelector matches no pod, the incoming one included",
      pod: incoming([hard(ZONE, 1, { labelSelector: null })]),
      nodes: fourNodes,
      pods: fooPods("n1", 3),
      want: { n1: fits, n2: fits, n3: fits, n4: fits },
    },
    {
      name: "matchLabelKeys: only pods with the incoming pod's revision count",
      pod: incoming([hard(ZONE, 1, { matchLabelKeys: ["rev"] })], {
        labels: { foo: "", rev: "2" },
      }),
      nodes: fourNodes,
      pods: [
        ...fooPods("n1", 3, { labels: { foo: "", rev: "1" } }),
        ...fooPods("n3", 1, { labels: { foo: "", rev: "2" } }),
      ],
      want: { n1: fits, n2: fits, n3: skewed, n4: skewed },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const nodes = snapshot(c.nodes, c.pods);
      const run = runFilter(
        newPodTopologySpread({ nodeInfos: { list: () => nodes } }),
        c.pod,
        nodes,
      );
      expect(run.preFilter.code).toBe("Success");
      const got = Object.fromEntries(
        Object.entries(run.filter).map(([n, s]) => [n, { code: s.code, reasons: s.reasons }]),
      );
      expect(got).toEqual(c.want);
    });
  }

  describe("node inclusion policies decide which domains exist", () => {
    // Zone a holds one matching pod; zone b's only node is excluded by the policy under test.
    const policyCase = (
      constraint: TopologySpreadConstraint,
      zoneB: Node,
      podExtra: Parameters<typeof labeledPod>[1],
    ) => {
      const nodes = snapshot([zonedNode("n1", "a", { pool: "x" }), zoneB], fooPods("n1", 1));
      const run = runFilter(
        newPodTopologySpread({ nodeInfos: { list: () => nodes } }),
        incoming([constraint], podExtra),
        nodes,
      );
      return run.filter.n1?.code;
    };
    const poolB = zonedNode("n3", "b");
    const taintedB = labeledNode("n3", { [ZONE]: "b", [HOST]: "n3" }, [
      { key: "dedicated", value: "x", effect: "NoSchedule" },
    ]);
    const cases = [
      {
        name: "nodeAffinityPolicy Honor (default): zone b is outside the nodeSelector, so a is the minimum",
        got: () => policyCase(hard(ZONE, 1), poolB, { nodeSelector: { pool: "x" } }),
        want: "Success",
      },
      {
        name: "nodeAffinityPolicy Ignore: empty zone b counts, a would be 2 ahead",
        got: () =>
          policyCase(hard(ZONE, 1, { nodeAffinityPolicy: "Ignore" }), poolB, {
            nodeSelector: { pool: "x" },
          }),
        want: "Unschedulable",
      },
      {
        name: "nodeTaintsPolicy Ignore (default): a tainted empty zone b still counts",
        got: () => policyCase(hard(ZONE, 1), taintedB, {}),
        want: "Unschedulable",
      },
      {
        name: "nodeTaintsPolicy Honor: the untolerated NoSchedule taint leaves zone b out",
        got: () => policyCase(hard(ZONE, 1, { nodeTaintsPolicy: "Honor" }), taintedB, {}),
        want: "Success",
      },
      {
        name: "nodeTaintsPolicy Honor with a toleration: zone b counts again",
        got: () =>
          policyCase(hard(ZONE, 1, { nodeTaintsPolicy: "Honor" }), taintedB, {
            tolerations: [{ key: "dedicated", operator: "Exists" }],
          }),
        want: "Unschedulable",
      },
    ];
    for (const c of cases) it(c.name, () => expect(c.got()).toBe(c.want));
  });

  it("PreFilter skips a pod without hard constraints", () => {
    const nodes = snapshot(fourNodes);
    const plugin = newPodTopologySpread({ nodeInfos: { list: () => nodes } });
    expect(runFilter(plugin, labeledPod("p"), nodes).preFilter.code).toBe("Skip");
    expect(runFilter(plugin, incoming([soft(ZONE, 1)]), nodes).preFilter.code).toBe("Skip");
  });

  it("names its plugin and reasons as Kubernetes does", () => {
    expect(newPodTopologySpread({ nodeInfos: { list: () => [] } }).name).toBe("PodTopologySpread");
    expect(NO_LABEL).toBe(
      "node(s) didn't match pod topology spread constraints (missing required label)",
    );
  });
});

describe("PodTopologySpread score (ScheduleAnyway)", () => {
  const cases: {
    name: string;
    pod: Pod;
    candidates: Node[];
    /** Nodes that are not candidates but hold pods. */
    others?: Node[];
    pods: Pod[];
    raw: Record<string, number>;
    normalized: Record<string, number>;
  }[] = [
    {
      name: "zone a 3, zone b 1: weight ln 4, raw 4 and 1, normalized 25 and 100 (the doc comment's example)",
      pod: incoming([soft(ZONE, 1)]),
      candidates: [zonedNode("n1", "a"), zonedNode("n2", "b")],
      pods: [...fooPods("n1", 3), ...fooPods("n2", 1)],
      raw: { n1: 4, n2: 1 },
      normalized: { n1: 25, n2: 100 },
    },
    {
      name: "maxSkew 3 adds 2 to every raw score: 6 and 3, normalized 50 and 100",
      pod: incoming([soft(ZONE, 3)]),
      candidates: [zonedNode("n1", "a"), zonedNode("n2", "b")],
      pods: [...fooPods("n1", 3), ...fooPods("n2", 1)],
      raw: { n1: 6, n2: 3 },
      normalized: { n1: 50, n2: 100 },
    },
    {
      name: "hostname: counted per node, weight ln(3 + 2)",
      pod: incoming([soft(HOST, 1)]),
      candidates: [zonedNode("n1", "a"), zonedNode("n2", "a"), zonedNode("n3", "b")],
      pods: [...fooPods("n1", 2), ...fooPods("n2", 1)],
      raw: { n1: 3, n2: 2, n3: 0 },
      normalized: { n1: 0, n2: 33, n3: 100 },
    },
    {
      name: "a candidate without the topology key is ignored and scores 0",
      pod: incoming([soft(ZONE, 1)]),
      candidates: [zonedNode("n1", "a"), zonedNode("n2", "b"), zonedNode("x")],
      pods: [...fooPods("n1", 1), ...fooPods("x", 4)],
      raw: { n1: 1, n2: 0, x: 0 },
      normalized: { n1: 0, n2: 100, x: 0 },
    },
    {
      name: "pods on nodes that are not candidates still count for their zone",
      pod: incoming([soft(ZONE, 1)]),
      candidates: [zonedNode("n1", "a"), zonedNode("n2", "b")],
      others: [zonedNode("n3", "a")],
      pods: fooPods("n3", 2),
      raw: { n1: 3, n2: 0 },
      normalized: { n1: 0, n2: 100 },
    },
    {
      name: "no matching pods anywhere: every node 100",
      pod: incoming([soft(ZONE, 1)]),
      candidates: [zonedNode("n1", "a"), zonedNode("n2", "b")],
      pods: [],
      raw: { n1: 0, n2: 0 },
      normalized: { n1: 100, n2: 100 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const all: NodeInfo[] = snapshot([...c.candidates, ...(c.others ?? [])], c.pods);
      const candidates = all.slice(0, c.candidates.length);
      const run = runScore(
        newPodTopologySpread({ nodeInfos: { list: () => all } }),
        c.pod,
        candidates,
      );
      expect(run.preScore.code).toBe("Success");
      expect(run.raw).toEqual(c.raw);
      expect(run.normalized).toEqual(c.normalized);
    });
  }

  it("PreScore skips a pod without soft constraints", () => {
    const nodes = snapshot(fourNodes);
    const plugin = newPodTopologySpread({ nodeInfos: { list: () => nodes } });
    expect(runScore(plugin, incoming([hard(ZONE, 1)]), nodes).preScore.code).toBe("Skip");
  });
});

describe("PodTopologySpread default constraints (a pod without its own)", () => {
  const group = (name: string, nodeName?: string) =>
    labeledPod(name, { labels: { app: "web" }, ...(nodeName ? { nodeName } : {}) });
  const groups = { serviceSelectors: () => [{ app: "web" }] };
  // n3 has no zone label: with system defaults it is still scored, by hostname.
  const nodes = [zonedNode("n1", "a"), zonedNode("n2", "b"), zonedNode("n3")];

  it("system defaults never filter: PreFilter skips", () => {
    const infos = snapshot(nodes);
    const plugin = newPodTopologySpread({ nodeInfos: { list: () => infos }, groups });
    expect(runFilter(plugin, group("in"), infos).preFilter.code).toBe("Skip");
  });

  it("system defaults score zone (maxSkew 5) and hostname (maxSkew 3), ignoring no node", () => {
    // Zone domains a, b and "" (n3) give weight ln 5; three candidates give hostname ln 5 too.
    // n1: 2·1.609 + 4 + 2·1.609 + 2 = 12.44 → 12; n2: 4 + 2 = 6; n3: hostname only, 2.
    // Normalized with min 2, max 12: 100·2/12 = 16, 100·8/12 = 66, 100·12/12 = 100.
    const infos = snapshot(nodes, [group("a", "n1"), group("b", "n1")]);
    const plugin = newPodTopologySpread({ nodeInfos: { list: () => infos }, groups });
    const run = runScore(plugin, group("in"), infos);
    expect(run.raw).toEqual({ n1: 12, n2: 6, n3: 2 });
    expect(run.normalized).toEqual({ n1: 16, n2: 66, n3: 100 });
  });

  const skips = [
    {
      name: "a pod no Service or controller selects gets no defaults",
      options: { groups: { serviceSelectors: () => [{ app: "db" }] } },
    },
    { name: "without group listers there is no group, so no defaults", options: {} },
    {
      name: "defaultingType List with no constraints listed turns defaults off",
      options: { groups, defaultingType: "List" as const },
    },
  ];
  for (const c of skips) {
    it(c.name, () => {
      const infos = snapshot(nodes, [group("a", "n1")]);
      const plugin = newPodTopologySpread({ nodeInfos: { list: () => infos }, ...c.options });
      expect(runScore(plugin, group("in"), infos).preScore.code).toBe("Skip");
    });
  }

  it("defaultingType List applies the listed constraints and ignores nodes missing their keys", () => {
    const infos = snapshot(nodes, [group("a", "n1")]);
    const plugin = newPodTopologySpread({
      nodeInfos: { list: () => infos },
      groups,
      defaultingType: "List",
      defaultConstraints: [
        {
          topologyKey: "topology.kubernetes.io/zone",
          maxSkew: 1,
          whenUnsatisfiable: "ScheduleAnyway",
        },
      ],
    });
    const run = runScore(plugin, group("in"), infos);
    // Zones a and b: weight ln 4; n1 round(1.386) = 1, n2 0; n3 lacks the zone: ignored, 0.
    expect(run.raw).toEqual({ n1: 1, n2: 0, n3: 0 });
    expect(run.normalized).toEqual({ n1: 0, n2: 100, n3: 0 });
  });
});
