import { describe, expect, it } from "vitest";
import type { Namespace, Node } from "../../../api/types.ts";
import { CycleState } from "../../framework/types.ts";
import {
  describePreFilterExtensionsContract,
  type ExtensionCase,
} from "../default-preemption/prefilter-extensions.cases.ts";
import { labeledPod, snapshot } from "../testing-pods.ts";
import { PreFilterState } from "./filtering.ts";
import { listerOf, newInterPodAffinity } from "./inter-pod-affinity.ts";
import { cache, HOST, nodes, requiredAffinity, requiredAnti, term, web, ZONE } from "./testing.ts";

/** Namespace "default" is labelled team=web, for namespaceSelectors. */
const namespaces = {
  list: (): Namespace[] => [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "default", labels: { team: "web" } } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "other", labels: {} } },
  ],
};

/** A pod on n3 whose anti-affinity keeps n3 from web pods, so PreFilter never Skips. */
const keeper = () =>
  labeledPod("keeper", { nodeName: "n3", affinity: requiredAnti(term(HOST, web)) });

function cases(): ExtensionCase[] {
  const incomingWeb = labeledPod("in", { labels: web });
  const c: ExtensionCase[] = [];
  {
    const x = labeledPod("x", { nodeName: "n1", affinity: requiredAnti(term(HOST, web)) });
    c.push({
      name: "an existing pod's anti-affinity per hostname",
      nodes,
      pods: [x, keeper()],
      incoming: incomingWeb,
      x,
      changes: true,
    });
  }
  {
    const x = labeledPod("x", { nodeName: "n1", affinity: requiredAnti(term(ZONE, web)) });
    c.push({
      name: "an existing pod's anti-affinity per zone",
      nodes,
      pods: [x, keeper()],
      incoming: incomingWeb,
      x,
      changes: true,
    });
  }
  {
    const selectsTeamWeb = { namespaceSelector: { matchLabels: { team: "web" } } };
    const x = labeledPod("x", {
      namespace: "other",
      nodeName: "n1",
      affinity: requiredAnti(term(HOST, web, selectsTeamWeb)),
    });
    c.push({
      name: "an existing pod's anti-affinity reaching the incoming pod's namespace by its labels",
      nodes,
      pods: [x, keeper()],
      incoming: incomingWeb,
      x,
      changes: true,
    });
  }
  {
    const x = labeledPod("x", { labels: cache, nodeName: "n1" });
    c.push({
      name: "the incoming pod's affinity loses zone a's only match",
      nodes,
      pods: [x, labeledPod("c3", { labels: cache, nodeName: "n3" })],
      incoming: labeledPod("in", { labels: web, affinity: requiredAffinity(term(ZONE, cache)) }),
      x,
      changes: true,
    });
  }
  {
    const x = labeledPod("x", { labels: cache, nodeName: "n1" });
    c.push({
      name: "the last member of a self-attracting group leaves: every zone is open (empty counts)",
      nodes,
      pods: [x],
      incoming: labeledPod("in", { labels: cache, affinity: requiredAffinity(term(ZONE, cache)) }),
      x,
      changes: true,
    });
  }
  {
    const x = labeledPod("x", { labels: { ...cache, tier: "db" }, nodeName: "n1" });
    c.push({
      name: "affinity with two terms counts only pods matching both",
      nodes,
      pods: [x, labeledPod("only-cache", { labels: cache, nodeName: "n2" })],
      incoming: labeledPod("in", {
        labels: web,
        affinity: requiredAffinity(term(ZONE, cache), term(HOST, { tier: "db" })),
      }),
      x,
      changes: true,
    });
  }
  {
    const x = labeledPod("x", { labels: cache, nodeName: "n1" });
    c.push({
      name: "the incoming pod's anti-affinity per hostname",
      nodes,
      pods: [x],
      incoming: labeledPod("in", { labels: web, affinity: requiredAnti(term(HOST, cache)) }),
      x,
      changes: true,
    });
  }
  {
    const x = labeledPod("x", { labels: cache, nodeName: "n1" });
    c.push({
      name: "anti-affinity per zone with a second match in the zone: zone a stays closed",
      nodes,
      pods: [x, labeledPod("c2", { labels: cache, nodeName: "n2" })],
      incoming: labeledPod("in", { labels: web, affinity: requiredAnti(term(ZONE, cache)) }),
      x,
      changes: false,
    });
  }
  {
    const x = labeledPod("x", { labels: { app: "other" }, nodeName: "n1" });
    c.push({
      name: "a pod no term matches",
      nodes,
      pods: [x, labeledPod("c1", { labels: cache, nodeName: "n1" })],
      incoming: labeledPod("in", { labels: web, affinity: requiredAnti(term(HOST, cache)) }),
      x,
      changes: false,
    });
  }
  return c;
}

describePreFilterExtensionsContract(
  "InterPodAffinity",
  (current) => newInterPodAffinity({ nodeInfos: listerOf(current), namespaces }),
  cases(),
);

describe("InterPodAffinity PreFilterState.clone", () => {
  it("copies the counts and shares the incoming pod and its terms", () => {
    const x = labeledPod("x", {
      labels: cache,
      nodeName: "n1",
      affinity: requiredAnti(term(HOST, web)),
    });
    const incoming = labeledPod("in", {
      labels: web,
      affinity: { ...requiredAffinity(term(ZONE, cache)), ...requiredAnti(term(HOST, cache)) },
    });
    const infos = snapshot(nodes, [x]);
    const plugin = newInterPodAffinity({ nodeInfos: listerOf(() => infos) });
    const state = new CycleState();
    expect(plugin.preFilter(state, incoming, infos).status.code).toBe("Success");
    const original = state.read<PreFilterState>("PreFilterInterPodAffinity") as PreFilterState;
    expect(original).toBeInstanceOf(PreFilterState);
    const counts = (s: PreFilterState) => ({
      existing: [...s.existingAntiAffinity],
      affinity: [...s.affinity],
      anti: [...s.antiAffinity],
    });
    const before = counts(original);
    expect(before).toEqual({
      existing: [[`${HOST}=n1`, 1]],
      affinity: [[`${ZONE}=a`, 1]],
      anti: [[`${HOST}=n1`, 1]],
    });

    const copy = original.clone();
    copy.updateWithPod(x, nodes[0] as Node, -1);
    expect(counts(copy), "taken off: every count reached 0 and was deleted").toEqual({
      existing: [],
      affinity: [],
      anti: [],
    });
    expect(counts(original), "the original keeps its counts").toEqual(before);
    expect(copy.pod).toBe(original.pod);
    expect(copy.terms).toBe(original.terms);
  });
});
