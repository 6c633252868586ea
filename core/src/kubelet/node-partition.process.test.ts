/**
 * A kubelet cut off from the API server — a network partition of one node — while the control
 * plane stays up, end to end on real processes. The node lifecycle controller hears nothing for
 * its grace period: the node becomes Ready=Unknown, gets node.kubernetes.io/unreachable (NoSchedule
 * and NoExecute), and its pods are marked not Ready. They are not evicted: every pod tolerates
 * unreachable for 300 s (the DefaultTolerationSeconds admission's default), which is exactly what
 * that default is for — "a node that blips does not lose all its pods". When the partition heals:
 * - the kubelet posts Ready=True again at its next status update, because it compares its status
 *   with the Node the API holds (kubelet_node_status.go tryUpdateNodeStatus), not with what it
 *   last wrote itself;
 * - the controller removes both taints;
 * - the kubelet reports its pods Ready again, over the controller's Ready=False (the status
 *   manager compares with the API's pod status);
 * - no container was restarted and no pod replaced.
 *
 * Durations are shortened with Kubernetes' ratios: kubelet Leases of 2 s (renewed every 0.5 s),
 * --node-monitor-period 1 s, --node-monitor-grace-period 4 s. nodeStatusUpdateFrequency keeps
 * its 10 s. The partition lasts until the node is tainted: no fixed time.
 */
import { afterEach, describe, expect, it, onTestFailed } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { eventually } from "../controllers/testing.ts";
import { isAlive } from "../runtime/process/proc.ts";
import {
  askPod,
  containerIdOf,
  helloDeployment,
  isServing,
  type ProcessCluster,
  registerShortNodeLifecycle,
  SHORT_NODE_LIFECYCLE,
  startProcessCluster,
} from "./process-cluster.ts";

const UNREACHABLE = "node.kubernetes.io/unreachable";

const readyOf = (o: Node | Pod) => o.status?.conditions?.find((c) => c.type === "Ready");
const taintKeys = (node: Node) => (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);

describe("a node cut off from the API server", () => {
  let cluster: ProcessCluster | undefined;
  let unregister: (() => void) | undefined;
  const lines: string[] = [];
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
    unregister?.();
    unregister = undefined;
  }, 60_000);

  it("goes Unknown and tainted, keeps its pods (300 s tolerations), and is Ready with its pods again once reconnected", async () => {
    onTestFailed(() => console.log(lines.slice(-300).join("\n")));
    unregister = registerShortNodeLifecycle(4_000);
    const c = await startProcessCluster({
      nodes: [1, 2].map((i) => ({ name: `node-${i}`, address: `127.1.0.${i}` })),
      controllers: ["deployment", "replicaset", SHORT_NODE_LIFECYCLE, "taint-eviction-controller"],
      nodeLeaseDurationSeconds: 2,
      log: (line) => lines.push(`${new Date().toISOString()} ${line}`),
    });
    cluster = c;
    const pods = c.admin.resource<Pod>(builtinType("pods"), "default");
    const nodes = c.admin.resource<Node>(builtinType("nodes"));
    const webPods = async () => (await pods.list({ labelSelector: "app=web" })).items;
    await c.admin
      .resource(builtinType("apps/deployments"), "default")
      .create(helloDeployment("web", 2));
    const before = await eventually(
      webPods,
      (list) => list.length === 2 && list.every(isServing),
      "two web pods Running and ready",
      60_000,
    );
    // The admission's defaults, since the template has no tolerations of its own.
    expect(before[0]?.spec.tolerations).toContainEqual({
      key: UNREACHABLE,
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 300,
    });
    const cutName = before[0]?.spec.nodeName as string;
    const cut = c.nodes.find((n) => n.name === cutName);
    if (!cut) throw new Error(`expected a node named ${cutName}, have none`);
    const stranded = before.filter((p) => p.spec.nodeName === cutName);
    const processes = await Promise.all(stranded.map((p) => cut.processOf(containerIdOf(p))));

    // 1. The partition: the node goes Unknown and is tainted; its pods are marked not Ready but
    //    keep serving.
    cut.partition();
    const lost = await eventually(
      () => nodes.get(cutName),
      (n) => readyOf(n)?.status === "Unknown" && taintKeys(n).includes(`${UNREACHABLE}:NoExecute`),
      `${cutName} Ready=Unknown with ${UNREACHABLE}:NoExecute`,
      30_000,
    );
    expect(readyOf(lost)?.message).toBe("Kubelet stopped posting node status.");
    expect(taintKeys(lost)).toContain(`${UNREACHABLE}:NoSchedule`);
    await eventually(
      webPods,
      (list) =>
        stranded.every((s) => {
          const p = list.find((x) => x.metadata.uid === s.metadata.uid);
          return p && readyOf(p)?.status === "False";
        }),
      `the pods on ${cutName} marked not Ready`,
      10_000,
    );
    for (const pod of stranded) {
      const ip = pod.status?.podIP as string;
      expect(await askPod(ip), `${pod.metadata.name} still serving`).toContain(
        `Hello from ${pod.metadata.name} in default at ${ip}`,
      );
    }

    // 2. Healed: Ready from the kubelet within its 10 s status update, then the taints go.
    const healedAt = Math.floor(Date.now() / 1000) * 1000;
    cut.heal();
    const back = await eventually(
      () => nodes.get(cutName),
      (n) =>
        readyOf(n)?.status === "True" && !taintKeys(n).some((k) => k.startsWith(`${UNREACHABLE}:`)),
      `${cutName} Ready again and untainted`,
      30_000,
    );
    expect(readyOf(back)?.reason).toBe("KubeletReady");
    expect(
      Date.parse(readyOf(back)?.lastTransitionTime ?? ""),
      "a new transition, from Unknown",
    ).toBeGreaterThanOrEqual(healedAt);

    // 3. The same pods, Ready again, on their first containers.
    const after = await eventually(
      webPods,
      (list) => list.length === 2 && list.every(isServing),
      "both pods Ready again",
      30_000,
    );
    expect(after.map((p) => p.metadata.uid).sort()).toEqual(
      before.map((p) => p.metadata.uid).sort(),
    );
    for (const pod of after) {
      const was = before.find((p) => p.metadata.uid === pod.metadata.uid) as Pod;
      expect(containerIdOf(pod), `${pod.metadata.name}'s container`).toBe(containerIdOf(was));
      expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    }
    for (const p of processes) expect(isAlive(p.pid, p.ticks)).toBe(true);

    // 4. Stopped as tinykube up stops: no container process is left.
    const all = await c.containerProcesses();
    await c.shutdown();
    expect(
      all.filter((p) => isAlive(p.pid, p.ticks)),
      "container processes still alive",
    ).toEqual([]);
  }, 180_000);
});
