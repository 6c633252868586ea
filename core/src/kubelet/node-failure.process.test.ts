/**
 * "A node whose kubelet stops is marked NotReady and its pods are recreated on other nodes" —
 * end to end on real processes: three kubelets on the process runtime, the controller manager
 * and the scheduler, a Deployment of tinykube/hello. One kubelet stops (its containers keep
 * running, as when a kubelet dies); the node lifecycle controller marks the node Ready=Unknown
 * and taints it; the taint eviction controller deletes its pods; the ReplicaSet replaces them on
 * the two other nodes. The deleted pods stay Terminating — nobody but their kubelet may finish
 * them — until the kubelet comes back and kills their containers.
 *
 * Durations are shortened from Kubernetes' defaults, each for the same reason: the test waits
 * seconds where a cluster waits minutes, with the same ratios.
 * - The kubelets' nodeLeaseDurationSeconds 2 (default 40): a renewal every 0.5 s (a quarter).
 * - --node-monitor-grace-period 4 s (default 50 s): eight missed renewals, as the default is five.
 * - --node-monitor-period 1 s (default 5 s).
 * - tolerationSeconds 2 in the pod template (the DefaultTolerationSeconds admission would add
 *   300): admission keeps a pod's own toleration of node.kubernetes.io/unreachable:NoExecute.
 */
import { afterEach, describe, expect, it, onTestFailed } from "vitest";
import type { Node, Pod, Toleration } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { isNotFound } from "../client/rest.ts";
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
const NOT_READY = "node.kubernetes.io/not-ready";
const NODE_MONITOR_GRACE_MS = 4_000;

/** The Deployment's own tolerations: both node-problem taints, for 2 s. */
const SHORT_TOLERATIONS: Toleration[] = [UNREACHABLE, NOT_READY].map((key) => ({
  key,
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: 2,
}));

const readyOf = (node: Node) => node.status?.conditions?.find((c) => c.type === "Ready");
const hasTaint = (node: Node, key: string, effect: string) =>
  (node.spec?.taints ?? []).some((t) => t.key === key && t.effect === effect);

describe("a node whose kubelet stops", () => {
  let cluster: ProcessCluster | undefined;
  let unregister: (() => void) | undefined;
  const lines: string[] = [];
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
    unregister?.();
    unregister = undefined;
  }, 60_000);

  it("is marked Ready=Unknown and tainted, its pods are evicted and recreated elsewhere, and its returning kubelet finishes them", async () => {
    onTestFailed(() => console.log(lines.slice(-200).join("\n")));
    unregister = registerShortNodeLifecycle(NODE_MONITOR_GRACE_MS);
    const c = await startProcessCluster({
      nodes: [1, 2, 3].map((i) => ({ name: `node-${i}`, address: `127.1.0.${i}` })),
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
      .create(helloDeployment("web", 3, { tolerations: SHORT_TOLERATIONS }));

    // 1. Three pods serving.
    const before = await eventually(
      webPods,
      (list) => list.length === 3 && list.every(isServing),
      "three web pods Running and ready",
      60_000,
    );
    const deadName = before[0]?.spec.nodeName as string;
    const dead = c.nodes.find((n) => n.name === deadName);
    if (!dead) throw new Error(`expected a node named ${deadName}, have none`);
    const evicted = before.filter((p) => p.spec.nodeName === deadName);
    const processes = await Promise.all(evicted.map((p) => dead.processOf(containerIdOf(p))));

    // 2. The kubelet dies; its containers do not.
    await dead.stopKubelet();
    const unknown = await eventually(
      () => nodes.get(deadName),
      (n) => readyOf(n)?.status === "Unknown" && hasTaint(n, UNREACHABLE, "NoExecute"),
      `${deadName} Ready=Unknown with ${UNREACHABLE}:NoExecute`,
      30_000,
    );
    expect(readyOf(unknown)).toMatchObject({
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
    });
    // The NoSchedule twin keeps the scheduler from placing the replacements there.
    expect(hasTaint(unknown, UNREACHABLE, "NoSchedule")).toBe(true);

    // 3. Its pods are deleted — Terminating: the API waits for the kubelet to confirm — and
    //    replaced on the two live nodes.
    const after = await eventually(
      webPods,
      (list) =>
        list.filter((p) => p.spec.nodeName !== deadName && isServing(p)).length === 3 &&
        evicted.every((e) =>
          list.some((p) => p.metadata.uid === e.metadata.uid && p.metadata.deletionTimestamp),
        ),
      "three replacements serving on the live nodes, the evicted pods Terminating",
      60_000,
    );
    for (const e of evicted) {
      const terminating = after.find((p) => p.metadata.uid === e.metadata.uid) as Pod;
      expect(terminating.status?.conditions).toContainEqual(
        expect.objectContaining({
          type: "DisruptionTarget",
          status: "True",
          reason: "DeletionByTaintManager",
        }),
      );
    }
    for (const pod of after.filter((p) => !p.metadata.deletionTimestamp)) {
      expect(pod.spec.nodeName).not.toBe(deadName);
      const ip = pod.status?.podIP as string;
      expect(
        await eventually(
          () => askPod(ip),
          (text) => text.startsWith("Hello from"),
          `${pod.metadata.name} answering on ${ip}`,
        ),
      ).toContain(`Hello from ${pod.metadata.name} in default at ${ip}`);
    }
    // Nobody stopped the dead node's containers: it was cut off, not drained.
    for (const p of processes) expect(isAlive(p.pid, p.ticks)).toBe(true);

    // 4. The kubelet returns on the same runtime: it kills the evicted pods' containers and
    //    deletes them for good; the node is Ready again and untainted.
    await dead.startKubelet();
    await eventually(
      () =>
        Promise.all(
          evicted.map((e) =>
            pods.get(e.metadata.name as string).then(
              (p) => p.metadata.uid === e.metadata.uid,
              (error: unknown) => {
                if (isNotFound(error)) return false;
                throw error;
              },
            ),
          ),
        ),
      (present) => present.every((p) => !p),
      "the evicted pods gone from the API",
      40_000,
    );
    for (const p of processes) expect(isAlive(p.pid, p.ticks)).toBe(false);
    const healed = await eventually(
      () => nodes.get(deadName),
      (n) =>
        readyOf(n)?.status === "True" &&
        !hasTaint(n, UNREACHABLE, "NoExecute") &&
        !hasTaint(n, UNREACHABLE, "NoSchedule"),
      `${deadName} Ready again and untainted`,
      20_000,
    );
    expect(readyOf(healed)?.reason).toBe("KubeletReady");
    expect((await webPods()).filter(isServing)).toHaveLength(3);

    // 5. Stopped as tinykube up stops: no container process is left.
    // The evicted containers' records went with their sandboxes: keep their pids from step 1.
    const all = [...processes, ...(await c.containerProcesses())];
    expect(all.filter((p) => isAlive(p.pid, p.ticks))).toHaveLength(3);
    await c.shutdown();
    expect(
      all.filter((p) => isAlive(p.pid, p.ticks)),
      "container processes still alive",
    ).toEqual([]);
  }, 240_000);
});
