import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../../../api/types.ts";
import { CycleState } from "../../framework/types.ts";
import {
  describePreFilterExtensionsContract,
  type ExtensionCase,
} from "../default-preemption/prefilter-extensions.cases.ts";
import { labeledNode, labeledPod, snapshot, zonedNode } from "../testing-pods.ts";
import type { PreFilterState } from "./filtering.ts";
import { newPodTopologySpread } from "./pod-topology-spread.ts";
import { fourNodes, HOST, hard, incoming, ZONE } from "./testing.ts";

const foo = (name: string, nodeName: string, extra: Parameters<typeof labeledPod>[1] = {}) =>
  labeledPod(name, { labels: { foo: "" }, nodeName, ...extra });

function cases(): ExtensionCase[] {
  const c: ExtensionCase[] = [];
  const add = (name: string, x: Pod, rest: Pod[], pod: Pod, changes: boolean, nodes = fourNodes) =>
    c.push({ name, nodes, pods: [x, ...rest], incoming: pod, x, changes });

  add(
    "zone a 2, zone b 1, maxSkew 1: one pod fewer in zone a opens it",
    foo("x", "n1"),
    [foo("a2", "n2"), foo("b1", "n3")],
    incoming([hard(ZONE, 1)]),
    true,
  );
  add(
    "maxSkew 2: the emptiest zone losing its pod lowers the global minimum",
    foo("x", "n3"),
    [foo("a1", "n1"), foo("a2", "n2")],
    incoming([hard(ZONE, 2)]),
    true,
  );
  add(
    "per hostname: the node X leaves is open again",
    foo("x", "n1"),
    [foo("n2-0", "n2"), foo("n3-0", "n3"), foo("n4-0", "n4")],
    incoming([hard(HOST, 1)]),
    true,
  );
  add(
    "a pod in another namespace never counted",
    foo("x", "n1", { namespace: "other" }),
    [foo("a1", "n1"), foo("b1", "n3")],
    incoming([hard(ZONE, 1)]),
    false,
  );
  add(
    "a pod the selector does not match never counted",
    labeledPod("x", { labels: { bar: "" }, nodeName: "n1" }),
    [foo("a1", "n1"), foo("b1", "n3")],
    incoming([hard(ZONE, 1)]),
    false,
  );
  add(
    "a node the incoming pod's nodeSelector excludes (nodeAffinityPolicy Honor) never counted",
    foo("x", "n2"),
    [foo("a1", "n1"), foo("b1", "n3")],
    incoming([hard(ZONE, 1)], { nodeSelector: { pool: "x" } }),
    false,
    [
      zonedNode("n1", "a", { pool: "x" }),
      zonedNode("n2", "a"),
      zonedNode("n3", "b", { pool: "x" }),
    ],
  );
  add(
    "a node whose taint the pod does not tolerate (nodeTaintsPolicy Honor) never counted",
    foo("x", "n2"),
    [foo("a1", "n1"), foo("b1", "n3")],
    incoming([hard(ZONE, 1, { nodeTaintsPolicy: "Honor" })]),
    false,
    [
      zonedNode("n1", "a"),
      labeledNode("n2", { [HOST]: "n2", [ZONE]: "a" }, [
        { key: "dedicated", value: "db", effect: "NoSchedule" },
      ]),
      zonedNode("n3", "b"),
    ],
  );
  add(
    "a node without every constraint's topology key never counted",
    foo("x", "n5"),
    [foo("a1", "n1"), foo("b1", "n3")],
    incoming([hard(ZONE, 1), hard(HOST, 1)]),
    false,
    [...fourNodes, zonedNode("n5")],
  );
  return c;
}

describePreFilterExtensionsContract(
  "PodTopologySpread",
  (current) => newPodTopologySpread({ nodeInfos: { list: current } }),
  cases(),
);

describe("PodTopologySpread PreFilterState", () => {
  const preFiltered = (pods: Pod[], pod: Pod) => {
    const infos = snapshot(fourNodes, pods);
    const state = new CycleState();
    expect(
      newPodTopologySpread({ nodeInfos: { list: () => infos } }).preFilter(state, pod, infos),
    ).toMatchObject({ status: { code: "Success" } });
    return state.read<PreFilterState>("PreFilterPodTopologySpread") as PreFilterState;
  };
  const counts = (s: PreFilterState) => s.matchNum.map((m) => Object.fromEntries(m));

  it("clone copies the counts and shares the constraints", () => {
    const x = foo("x", "n1");
    const pod = incoming([hard(ZONE, 1)]);
    const original = preFiltered([x, foo("b1", "n3")], pod);
    const copy = original.clone();
    copy.updateWithPod(x, pod, fourNodes[0] as Node, -1);
    expect(counts(copy)).toEqual([{ a: 0, b: 1 }]);
    expect(counts(original), "the original keeps its counts").toEqual([{ a: 1, b: 1 }]);
    expect(copy.constraints).toBe(original.constraints);
  });

  it("like Kubernetes, RemovePod uncounts a terminating pod PreFilter never counted", () => {
    const x = foo("x", "n1", { terminating: true });
    const pod = incoming([hard(ZONE, 1)]);
    const s = preFiltered([x, foo("b1", "n3")], pod);
    expect(counts(s)).toEqual([{ a: 0, b: 1 }]);
    s.updateWithPod(x, pod, fourNodes[0] as Node, -1);
    expect(counts(s)).toEqual([{ a: -1, b: 1 }]);
  });
});
