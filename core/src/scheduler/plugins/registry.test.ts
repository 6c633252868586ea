import { describe, expect, it } from "vitest";
import { parseSchedulerConfig } from "../framework/config.ts";
import { buildProfiles } from "../framework/profile.ts";
import { inTreeRegistry } from "./registry.ts";

const handle = { nodeInfos: () => [], bind: async () => {} };

describe("the in-tree registry", () => {
  it("builds kube-scheduler's default profile (without DefaultPreemption, not written yet) with Kubernetes' weights", () => {
    const config = parseSchedulerConfig(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    multiPoint:
      disabled:
      - name: DefaultPreemption
`);
    const profile = buildProfiles(config, inTreeRegistry(handle)).get("default-scheduler");
    expect(profile?.queueSort.map((p) => p.name)).toEqual(["PrioritySort"]);
    expect(profile?.preEnqueue.map((p) => p.name)).toEqual(["SchedulingGates"]);
    expect(profile?.filter.map((p) => p.name)).toEqual([
      "NodeUnschedulable",
      "NodeName",
      "TaintToleration",
      "NodeAffinity",
      "NodePorts",
      "NodeResourcesFit",
      "PodTopologySpread",
      "InterPodAffinity",
    ]);
    expect(Object.fromEntries(profile?.scoreWeights ?? [])).toEqual({
      TaintToleration: 3,
      NodeAffinity: 2,
      NodeResourcesFit: 1,
      PodTopologySpread: 2,
      InterPodAffinity: 2,
      NodeResourcesBalancedAllocation: 1,
      ImageLocality: 1,
    });
    expect(profile?.bind.map((p) => p.name)).toEqual(["DefaultBinder"]);
  });

  it("refuses the default profile while DefaultPreemption is missing, in Kubernetes' words", () => {
    const config = parseSchedulerConfig(
      "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n",
    );
    expect(() => buildProfiles(config, inTreeRegistry(handle))).toThrow(
      /"DefaultPreemption" does not exist/,
    );
  });
});
