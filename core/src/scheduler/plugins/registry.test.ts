import { describe, expect, it } from "vitest";
import { parseSchedulerConfig } from "../framework/config.ts";
import { buildProfiles } from "../framework/profile.ts";
import { status } from "../framework/types.ts";
import { inTreeRegistry } from "./registry.ts";

const handle = {
  nodeInfos: () => [],
  bind: async () => {},
  preemption: {
    runFilterPlugins: () => status("Success"),
    runPreFilterExtensionAddPod: () => status("Success"),
    runPreFilterExtensionRemovePod: () => status("Success"),
    preemptPod: async () => {},
    now: () => 0,
  },
};

describe("the in-tree registry", () => {
  it("builds kube-scheduler's default profile with Kubernetes' weights and DefaultPreemption", () => {
    const config = parseSchedulerConfig(
      "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n",
    );
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
    expect(profile?.postFilter.map((p) => p.name)).toEqual(["DefaultPreemption"]);
    expect(profile?.bind.map((p) => p.name)).toEqual(["DefaultBinder"]);
  });

  it("refuses DefaultPreemption when the handle gives it no way to simulate and evict", () => {
    const config = parseSchedulerConfig(
      "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n",
    );
    const bare = { nodeInfos: () => [], bind: async () => {} };
    expect(() => buildProfiles(config, inTreeRegistry(bare))).toThrow(
      /DefaultPreemption needs the plugin handle's preemption/,
    );
  });
});
