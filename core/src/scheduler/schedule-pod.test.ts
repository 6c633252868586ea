/**
 * The algorithm with kube-scheduler's default plugins (DefaultPreemption aside): pods land where
 * Kubernetes would put them, and a pod that fits nowhere gets FailedScheduling's message.
 */
import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import { parseSchedulerConfig } from "./framework/config.ts";
import { addPod, newNodeInfo } from "./framework/node-info.ts";
import { buildProfiles } from "./framework/profile.ts";
import { Framework } from "./framework/runtime.ts";
import type { NodeInfo } from "./framework/types.ts";
import { inTreeRegistry } from "./plugins/registry.ts";
import { FitError, NoNodesAvailableError, schedulePod } from "./schedule-pod.ts";

const node = (
  name: string,
  cpu: string,
  extra: Partial<Node> = {},
  labels: Record<string, string> = {},
): Node => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
  status: { allocatable: { cpu, memory: "8Gi", pods: "110" } },
  ...extra,
});

const pod = (
  name: string,
  cpu: string,
  spec: Partial<Pod["spec"]> = {},
  labels: Record<string, string> = {},
): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}`, labels },
  spec: { containers: [{ name: "c", resources: { requests: { cpu, memory: "100Mi" } } }], ...spec },
});

function scheduler(nodes: NodeInfo[]) {
  const config = parseSchedulerConfig(
    "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: default-scheduler\n  plugins:\n    multiPoint:\n      disabled:\n      - name: DefaultPreemption\n",
  );
  const profile = buildProfiles(
    config,
    inTreeRegistry({ nodeInfos: () => nodes, bind: async () => {} }),
  ).get("default-scheduler");
  const framework = new Framework(profile as NonNullable<typeof profile>);
  let next = 0;
  return (p: Pod) => {
    const { result, nextStartNodeIndex } = schedulePod({
      framework,
      pod: p,
      nodes,
      nextStartNodeIndex: next,
      randomInt: () => 0,
    });
    next = nextStartNodeIndex;
    return result.suggestedHost;
  };
}

describe("schedulePod with the default plugins", () => {
  it("prefers the least allocated node, and refuses what does not fit with Kubernetes' message", () => {
    const nodes = [
      newNodeInfo(node("busy", "4"), [pod("a", "3")]),
      newNodeInfo(node("idle", "4")),
      newNodeInfo(node("small", "1")),
    ];
    const schedule = scheduler(nodes);
    expect(schedule(pod("web", "500m"))).toBe("idle");
    try {
      schedule(pod("huge", "5"));
      expect.unreachable("a 5-CPU pod fits nowhere");
    } catch (error) {
      expect(error).toBeInstanceOf(FitError);
      expect((error as FitError).message).toBe("0/3 nodes are available: 3 Insufficient cpu.");
    }
  });

  it("honours taints, tolerations and nodeSelector, and words each rejection", () => {
    const nodes = [
      newNodeInfo(
        node(
          "gpu",
          "8",
          { spec: { taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }] } },
          { accel: "gpu" },
        ),
      ),
      newNodeInfo(node("plain-1", "8", {}, { disk: "ssd" })),
      newNodeInfo(node("plain-2", "8")),
    ];
    const schedule = scheduler(nodes);
    expect(schedule(pod("ssd", "1", { nodeSelector: { disk: "ssd" } }))).toBe("plain-1");
    const tolerant = pod("train", "1", {
      nodeSelector: { accel: "gpu" },
      tolerations: [{ key: "gpu", operator: "Equal", value: "true", effect: "NoSchedule" }],
    });
    expect(schedule(tolerant)).toBe("gpu");
    try {
      schedule(pod("train-untolerated", "1", { nodeSelector: { accel: "gpu" } }));
      expect.unreachable("no node both matches and is tolerated");
    } catch (error) {
      expect((error as FitError).message).toBe(
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector.",
      );
    }
  });

  it("spreads pods across equal nodes: each placed pod makes its node more allocated", () => {
    const nodes = [
      newNodeInfo(node("n1", "8")),
      newNodeInfo(node("n2", "8")),
      newNodeInfo(node("n3", "8")),
    ];
    const schedule = scheduler(nodes);
    const placed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = pod(`web-${i}`, "100m", {}, { app: "web" });
      const host = schedule(p);
      placed.push(host);
      const info = nodes.find((n) => n.node.metadata.name === host) as NodeInfo;
      addPod(info, { ...p, spec: { ...p.spec, nodeName: host } });
    }
    expect(new Set(placed).size, `three replicas on three nodes: ${placed}`).toBe(3);
  });

  it("with no nodes at all, says so", () => {
    expect(() => scheduler([])(pod("x", "1"))).toThrow(NoNodesAvailableError);
    expect(() => scheduler([])(pod("x", "1"))).toThrow("no nodes available to schedule pods");
  });
});
