/**
 * The contract of the ZoneSpread plugin (zone-spread.ts), run against the core's plugin
 * (zone-spread.test.ts) and a reader's in Lab 5. Three tables, one per extension point: Filter
 * (one node → a status), Score then NormalizeScore (a snapshot → raw and normalized scores, the way
 * the framework calls them), and NormalizeScore alone (raw scores → normalized ones). Every failure
 * names the case, repeats what was given and shows what was expected next to what came back.
 */
import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../../../api/types.ts";
import {
  type Code,
  CycleState,
  type FilterPlugin,
  type NodeScore,
  type ScorePlugin,
  type Status,
} from "../../framework/types.ts";
import { labeledNode, labeledPod, snapshot, zonedNode } from "../testing-pods.ts";
import type { NodeInfoLister } from "./zone-spread.ts";

export type { NodeInfoLister };

/** A ZoneSpread plugin: Filter, Score and NormalizeScore. */
export type ZoneSpreadPlugin = FilterPlugin &
  ScorePlugin & {
    normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status;
  };

/** Builds the plugin under test over the scheduler's snapshot of every node. */
export type MakeZoneSpread = (snapshot: NodeInfoLister) => ZoneSpreadPlugin;

interface FilterCase {
  name: string;
  node: Node;
  pod: Pod;
  /** Pods already on the node. */
  pods?: Pod[];
  expected: { code: Code; reasons: string[] };
}

interface ScoreCase {
  name: string;
  nodes: Node[];
  /** Pods already bound; spec.nodeName says where. */
  pods: Pod[];
  incoming: Pod;
  /** The nodes that passed Filter, which Score is asked about; all nodes when absent. */
  feasible?: string[];
  /** Scores in the order of `feasible` (or `nodes`). */
  raw: number[];
  normalized: number[];
}

interface NormalizeCase {
  name: string;
  raw: number[];
  normalized: number[];
}

const ZONE = "topology.kubernetes.io/zone";
const NO_ZONE: FilterCase["expected"] = {
  code: "UnschedulableAndUnresolvable",
  reasons: ["node(s) had no zone label"],
};
const FITS: FilterCase["expected"] = { code: "Success", reasons: [] };

/** An app=web pod (or other labels) bound to `node`, in namespace default unless given. */
const on = (node: string, labels: Record<string, string> = { app: "web" }, namespace?: string) =>
  labeledPod(`${labels.app ?? "pod"}-on-${node}`, {
    nodeName: node,
    labels,
    ...(namespace ? { namespace } : {}),
  });
const web = (labels: Record<string, string> = {}) =>
  labeledPod("incoming", { labels: { app: "web", ...labels } });
const times = (n: number, make: () => Pod) => Array.from({ length: n }, make);

export function describeZoneSpreadContract(name: string, make: MakeZoneSpread): void {
  describe(`the ZoneSpread plugin: ${name}`, () => {
    it('is named "ZoneSpread"', () => {
      expect(make({ nodeInfos: () => [] }).name, "the plugin's name").toBe("ZoneSpread");
    });

    describe("Filter: a node fits only if it has a zone label", () => {
      for (const c of FILTER_CASES) {
        it(c.name, () => {
          const [info] = snapshot([c.node], c.pods ?? []);
          if (!info) throw new Error(`case ${c.name}: snapshot() built no NodeInfo`);
          const plugin = make({ nodeInfos: () => [info] });
          const got = plugin.filter(new CycleState(), c.pod, info);
          const given = `given node ${c.node.metadata.name} with labels ${JSON.stringify(c.node.metadata.labels)}`;
          expect(
            { code: got.code, reasons: got.reasons },
            `${c.name}\n${given}\nexpected ${showStatus(c.expected)}, got ${showStatus(got)}`,
          ).toEqual(c.expected);
        });
      }
    });

    describe("Score, then NormalizeScore: fewer pods of the same app in the zone is better", () => {
      for (const c of SCORE_CASES) {
        it(c.name, () => {
          const infos = snapshot(c.nodes, c.pods);
          const plugin = make({ nodeInfos: () => infos });
          const feasible = c.feasible ?? c.nodes.map((n) => n.metadata.name ?? "");
          const state = new CycleState();
          const given = `given ${showSnapshot(c)}; incoming pod labels ${JSON.stringify(c.incoming.metadata.labels)}; scoring ${feasible.join(", ")}`;
          const scores: NodeScore[] = feasible.map((nodeName) => {
            const info = infos.find((i) => i.node.metadata.name === nodeName);
            if (!info) throw new Error(`case ${c.name}: no node ${nodeName}`);
            const { score, status } = plugin.score(state, c.incoming, info);
            expect(
              status.code,
              `${c.name}\n${given}\nScore of ${nodeName}: ${showStatus(status)}`,
            ).toBe("Success");
            return { name: nodeName, score };
          });
          expect(showScores(scores), `${c.name}\n${given}\nraw scores (Score)`).toBe(
            showScores(feasible.map((n, i) => ({ name: n, score: c.raw[i] as number }))),
          );
          const status = plugin.normalizeScore(state, c.incoming, scores);
          expect(status.code, `${c.name}\nNormalizeScore: ${showStatus(status)}`).toBe("Success");
          expect(
            showScores(scores),
            `${c.name}\n${given}\nnormalized scores (NormalizeScore)`,
          ).toBe(
            showScores(feasible.map((n, i) => ({ name: n, score: c.normalized[i] as number }))),
          );
        });
      }
    });

    describe("NormalizeScore alone: 100 − ⌊100·raw/highest⌋, all 100 when every raw score is 0", () => {
      for (const c of NORMALIZE_CASES) {
        it(c.name, () => {
          const plugin = make({ nodeInfos: () => [] });
          const scores = c.raw.map((score, i) => ({ name: `n${i + 1}`, score }));
          const status = plugin.normalizeScore(new CycleState(), web(), scores);
          expect(status.code, `${c.name}\nNormalizeScore: ${showStatus(status)}`).toBe("Success");
          expect(
            showScores(scores),
            `${c.name}\ngiven raw scores ${c.raw.join(", ") || "none"}`,
          ).toBe(showScores(c.normalized.map((score, i) => ({ name: `n${i + 1}`, score }))));
        });
      }
    });
  });
}

function showStatus(s: { code: string; reasons: string[] }): string {
  return s.reasons.length > 0 ? `${s.code} ${JSON.stringify(s.reasons)}` : s.code;
}

function showScores(scores: NodeScore[]): string {
  return scores.map((s) => `${s.name} ${s.score}`).join(", ") || "no scores";
}

function showSnapshot(c: ScoreCase): string {
  return c.nodes
    .map((n) => {
      const labels = n.metadata.labels ?? {};
      const zone = ZONE in labels ? `zone ${JSON.stringify(labels[ZONE])}` : "no zone";
      const pods = c.pods
        .filter((p) => p.spec.nodeName === n.metadata.name)
        .map((p) => {
          const ns = p.metadata.namespace === "default" ? "" : ` in ${p.metadata.namespace}`;
          const gone = p.metadata.deletionTimestamp ? " terminating" : "";
          return `${JSON.stringify(p.metadata.labels)}${ns}${gone}`;
        });
      return `${n.metadata.name} (${zone}): ${pods.length > 0 ? pods.join(" ") : "no pods"}`;
    })
    .join("; ");
}

const FILTER_CASES: FilterCase[] = [
  {
    name: "a node in zone eu-west-1a fits: Success",
    node: zonedNode("n1", "eu-west-1a"),
    pod: web(),
    expected: FITS,
  },
  {
    name: `a node without labels: UnschedulableAndUnresolvable "node(s) had no zone label" (no preemption can add a label)`,
    node: labeledNode("n1"),
    pod: web(),
    expected: NO_ZONE,
  },
  {
    name: "a region label is not a zone label: UnschedulableAndUnresolvable",
    node: zonedNode("n1", undefined, { "topology.kubernetes.io/region": "eu-west-1" }),
    pod: web(),
    expected: NO_ZONE,
  },
  {
    name: "only topology.kubernetes.io/zone is read, not the deprecated failure-domain.beta.kubernetes.io/zone: UnschedulableAndUnresolvable",
    node: zonedNode("n1", undefined, { "failure-domain.beta.kubernetes.io/zone": "eu-west-1a" }),
    pod: web(),
    expected: NO_ZONE,
  },
  {
    name: 'the label\'s presence counts, not its value: zone "" fits (Success), as topology keys work in PodTopologySpread',
    node: labeledNode("n1", { [ZONE]: "" }),
    pod: web(),
    expected: FITS,
  },
  {
    name: "Filter does not look at pods: a zone already full of the app still fits (spreading is Score's job)",
    node: zonedNode("n1", "a"),
    pod: web(),
    pods: times(5, () => on("n1")),
    expected: FITS,
  },
  {
    name: "Filter does not look at the incoming pod: a pod without labels is refused a zoneless node too",
    node: labeledNode("n1", { "kubernetes.io/hostname": "n1" }),
    pod: labeledPod("plain"),
    expected: NO_ZONE,
  },
];

/** The worked example of zone-spread.ts: zones a = {n1, n2}, b = {n3}, c = {n4}. */
const exampleNodes = [
  zonedNode("n1", "a"),
  zonedNode("n2", "a"),
  zonedNode("n3", "b"),
  zonedNode("n4", "c"),
];

const SCORE_CASES: ScoreCase[] = [
  {
    name: "the worked example: zone a has 2 + 1 web pods, b 1, c 0 → raw n1 3, n2 3, n3 1, n4 0 → normalized 0, 0, 100 − ⌊100·1/3⌋ = 67, 100",
    nodes: exampleNodes,
    pods: [on("n1"), on("n1"), on("n2"), on("n3")],
    incoming: web(),
    raw: [3, 3, 1, 0],
    normalized: [0, 0, 67, 100],
  },
  {
    name: "the first pod of its app: every zone counts 0, so every node gets 100 (no node is worse)",
    nodes: exampleNodes,
    pods: [on("n1", { app: "db" })],
    incoming: web(),
    raw: [0, 0, 0, 0],
    normalized: [100, 100, 100, 100],
  },
  {
    name: "an incoming pod without an app label has nothing to spread: raw 0 everywhere, normalized 100 everywhere",
    nodes: exampleNodes,
    pods: [on("n1"), on("n3"), on("n1", {})],
    incoming: labeledPod("plain", { labels: { tier: "frontend" } }),
    raw: [0, 0, 0, 0],
    normalized: [100, 100, 100, 100],
  },
  {
    name: "only the app label is compared: app=web,tier=backend counts for app=web,tier=frontend; app=db and unlabelled pods do not → raw 1, 1, 0, 0",
    nodes: exampleNodes,
    pods: [on("n1", { app: "web", tier: "backend" }), on("n3", { app: "db" }), on("n4", {})],
    incoming: web({ tier: "frontend" }),
    raw: [1, 1, 0, 0],
    normalized: [0, 0, 100, 100],
  },
  {
    name: "pods in another namespace do not count (labels only select within a namespace) → raw 1, 1, 0, 0",
    nodes: exampleNodes,
    pods: [on("n2"), on("n3", { app: "web" }, "staging"), on("n3", { app: "web" }, "staging")],
    incoming: web(),
    raw: [1, 1, 0, 0],
    normalized: [0, 0, 100, 100],
  },
  {
    name: "terminating pods (deletionTimestamp set) do not count: they are going away → raw 1, 1, 0, 0",
    nodes: exampleNodes,
    pods: [
      on("n1"),
      labeledPod("web-leaving", { nodeName: "n3", labels: { app: "web" }, terminating: true }),
    ],
    incoming: web(),
    raw: [1, 1, 0, 0],
    normalized: [0, 0, 100, 100],
  },
  {
    name: "pods on a node that failed Filter still count for its zone: n2 (zone a) is not scored, its 2 web pods weigh on n1 → raw n1 2, n3 0, n4 0",
    nodes: exampleNodes,
    pods: [on("n2"), on("n2")],
    incoming: web(),
    feasible: ["n1", "n3", "n4"],
    raw: [2, 0, 0],
    normalized: [0, 100, 100],
  },
  {
    name: "pods on a node without a zone label belong to no zone: raw n1 1 (zone a), n3 0",
    nodes: [zonedNode("n1", "a"), labeledNode("bare"), zonedNode("n3", "b")],
    pods: [on("n1"), on("bare"), on("bare")],
    incoming: web(),
    feasible: ["n1", "n3"],
    raw: [1, 0],
    normalized: [0, 100],
  },
  {
    name: "normalizing truncates before reversing: raw 2 and 3 → 100 − ⌊100·2/3⌋ = 100 − 66 = 34, and 0",
    nodes: [zonedNode("n1", "a"), zonedNode("n2", "b")],
    pods: [...times(2, () => on("n1")), ...times(3, () => on("n2"))],
    incoming: web(),
    raw: [2, 3],
    normalized: [34, 0],
  },
  {
    name: "zones equally full all score 0, not 100: each is the highest, 100 − ⌊100·1/1⌋ = 0",
    nodes: [zonedNode("n1", "a"), zonedNode("n2", "b")],
    pods: [on("n1"), on("n2")],
    incoming: web(),
    raw: [1, 1],
    normalized: [0, 0],
  },
];

const NORMALIZE_CASES: NormalizeCase[] = [
  {
    name: "raw 0, 1, 3 → 100, 100 − ⌊100/3⌋ = 67, 0: the lowest count wins",
    raw: [0, 1, 3],
    normalized: [100, 67, 0],
  },
  {
    name: "all raw 0 → all 100 (no division by zero)",
    raw: [0, 0, 0],
    normalized: [100, 100, 100],
  },
  {
    name: "raw 1, 2, 4, 8 → 100 − ⌊100·raw/8⌋ = 88, 75, 50, 0 (⌊12.5⌋ = 12)",
    raw: [1, 2, 4, 8],
    normalized: [88, 75, 50, 0],
  },
  { name: "a single node → 0: it is its own highest", raw: [5], normalized: [0] },
  { name: "no nodes → nothing to do, and no error", raw: [], normalized: [] },
];
