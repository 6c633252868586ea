/**
 * "Static stability: stop the API server for 60 s; pods keep serving; the kubelet catches up
 * when it returns without restarting them" — end to end on real processes: two kubelets on the
 * process runtime, the controller manager and the scheduler as `tinykube up` runs them
 * (leader-elected, Kubernetes' default durations; only node IPAM is left out, the kubelets being
 * given their pod CIDRs — process-cluster.ts says why), a Deployment of tinykube/hello.
 *
 * The data plane does not need the control plane to keep running what it runs: the containers
 * are the node's, the kubelet only stops reaching the API. What must not happen when the API
 * server returns:
 * - the kubelet restarting a container (its relist finds the same ones; restartCount stays 0);
 * - the node lifecycle controller taking everyone's silence for dead nodes. Its heartbeat clock
 *   is its own observation time, and it was cut off longer than the 50 s grace period too. In
 *   Kubernetes the controller manager loses its leader Lease after renewDeadline (10 s) and exits
 *   ("leaderelection lost", cmd/kube-controller-manager/app/controllermanager.go); the new
 *   process starts with an empty nodeHealthMap, so every node is first seen "now"
 *   (node_lifecycle_controller.go tryUpdateNodeHealth: "Missing timestamp for Node. Assuming now
 *   as a timestamp"). tinykube's manager stops its controllers when the Lease is lost and builds
 *   new ones when it leads again — the same fresh start.
 *
 * The outage lasts TINYKUBE_OUTAGE_SECONDS (default 60, the issue's figure): the scenario itself,
 * not a wait for something. Throughout it, every pod answers HTTP on its IP, on the process that
 * served it before.
 */
import { setTimeout as pause } from "node:timers/promises";
import { afterEach, describe, expect, it, onTestFailed } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import type { CoreEvent } from "../client/events.ts";
import { builtinType } from "../client/factory.ts";
import type { Lease } from "../client/leader-election.ts";
import { NODE_LEASE_NAMESPACE } from "../controllers/nodelifecycle/controller.ts";
import { eventually } from "../controllers/testing.ts";
import { isAlive } from "../runtime/process/proc.ts";
import {
  askPod,
  type ContainerProcess,
  containerIdOf,
  helloDeployment,
  isServing,
  type ProcessCluster,
  startProcessCluster,
} from "./process-cluster.ts";

const OUTAGE_MS = Number(process.env.TINYKUBE_OUTAGE_SECONDS ?? 60) * 1000;
/** How often, during the outage, every pod is asked; enough for a dozen rounds or more a minute. */
const PROBE_EVERY_MS = 2_000;
/**
 * After the outage: the reflectors' backoff has grown to 30 s (client-go's cap, up to double with
 * jitter), so a watch may take up to a minute to be opened again; the Lease renewals, plain
 * requests every 10 s, come back first.
 */
const CATCH_UP_MS = 120_000;

const readyOf = (node: Node) => node.status?.conditions?.find((c) => c.type === "Ready");

describe("static stability", () => {
  let cluster: ProcessCluster | undefined;
  const lines: string[] = [];
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  }, 60_000);

  it(
    `an API server outage of ${OUTAGE_MS / 1000} s: pods keep serving, the kubelets catch up without restarting them, no node is declared lost`,
    async () => {
      onTestFailed(() => console.log(lines.slice(-300).join("\n")));
      const c = await startProcessCluster({
        nodes: [1, 2].map((i) => ({ name: `node-${i}`, address: `127.1.0.${i}` })),
        log: (line) => lines.push(`${new Date().toISOString()} ${line}`),
      });
      cluster = c;
      const pods = c.admin.resource<Pod>(builtinType("pods"), "default");
      const nodes = c.admin.resource<Node>(builtinType("nodes"));
      const leases = c.admin.resource<Lease>(
        builtinType("coordination.k8s.io/leases"),
        NODE_LEASE_NAMESPACE,
      );
      const deployments = c.admin.resource(builtinType("apps/deployments"), "default");
      const webPods = async () => (await pods.list({ labelSelector: "app=web" })).items;
      await deployments.create(helloDeployment("web", 2));

      // 1. Two pods serving; what identifies each one's container.
      const before = await eventually(
        webPods,
        (list) => list.length === 2 && list.every(isServing),
        "two web pods Running and ready",
        60_000,
      );
      const served = new Map<string, { pod: Pod; process: ContainerProcess }>();
      for (const pod of before) {
        const node = c.nodes.find((n) => n.name === pod.spec.nodeName);
        if (!node) throw new Error(`pod ${pod.metadata.name} on unknown node ${pod.spec.nodeName}`);
        const ip = pod.status?.podIP as string;
        await eventually(
          () => askPod(ip),
          (text) => text.startsWith(`Hello from ${pod.metadata.name} `),
          `${pod.metadata.name} answering on ${ip}`,
        );
        served.set(pod.metadata.name as string, {
          pod,
          process: await node.processOf(containerIdOf(pod)),
        });
      }
      const readySince = new Map(
        (await nodes.list()).items.map((n) => [n.metadata.name, readyOf(n)?.lastTransitionTime]),
      );
      const runningBefore = await Promise.all(c.nodes.map((n) => n.runningContainers()));

      // 2. The outage. Every round: every pod answers, from the same process; the runtimes hold
      //    the same containers.
      await c.stopApiServer();
      await expect(nodes.list(), "the API server is down").rejects.toThrow();
      const outageEnds = Date.now() + OUTAGE_MS;
      let rounds = 0;
      while (Date.now() < outageEnds) {
        for (const [name, { pod, process }] of served) {
          const ip = pod.status?.podIP as string;
          expect(await askPod(ip), `${name} on ${ip}, round ${rounds}`).toMatch(
            new RegExp(`^Hello from ${name} in default at ${ip.replaceAll(".", "\\.")} `),
          );
          expect(isAlive(process.pid, process.ticks), `${name}'s process, round ${rounds}`).toBe(
            true,
          );
        }
        expect(await Promise.all(c.nodes.map((n) => n.runningContainers()))).toEqual(runningBefore);
        rounds++;
        await pause(Math.min(PROBE_EVERY_MS, Math.max(0, outageEnds - Date.now())));
      }
      expect(rounds).toBeGreaterThanOrEqual(Math.floor(OUTAGE_MS / PROBE_EVERY_MS / 2));

      // 3. The API server returns on the same address, with the same data.
      await c.startApiServer();
      const back = Date.now();
      // The kubelets reconnect: each renews its Lease again.
      for (const node of c.nodes) {
        await eventually(
          () => leases.get(node.name),
          (l) => Date.parse(l.spec?.renewTime ?? "") > back,
          `${node.name}'s Lease renewed after the outage`,
          CATCH_UP_MS,
        );
      }
      // The controller manager leads again, and a fresh node lifecycle controller has seen every
      // node: a RegisteredNode event for each since the API server returned (event times are
      // whole seconds).
      const backSecond = Math.floor(back / 1000) * 1000;
      await eventually(
        async () =>
          (await c.admin.resource<CoreEvent>(builtinType("events"), "default").list()).items,
        (events) =>
          c.nodes.every((n) =>
            events.some(
              (e) =>
                e.reason === "RegisteredNode" &&
                e.involvedObject?.name === n.name &&
                Date.parse(e.firstTimestamp) >= backSecond,
            ),
          ),
        "a RegisteredNode event per node from the controllers started after the outage",
        CATCH_UP_MS,
      );
      // Pod status writes go through again, end to end: a third pod is scheduled, started,
      // reported Running, and answers.
      await deployments.patch("web", { spec: { replicas: 3 } }, "merge");
      const after = await eventually(
        webPods,
        (list) => list.length === 3 && list.every(isServing),
        "three web pods Running and ready after the outage",
        CATCH_UP_MS,
      );
      const added = after.find((p) => !served.has(p.metadata.name as string)) as Pod;
      const addedIp = added.status?.podIP as string;
      expect(
        await eventually(
          () => askPod(addedIp),
          (text) => text.startsWith("Hello from"),
          `the new pod ${added.metadata.name} answering on ${addedIp}`,
        ),
      ).toContain(`Hello from ${added.metadata.name} in default at ${addedIp}`);

      // 4. Nothing was restarted: the same pods, containers, processes, and restart counts.
      for (const [name, { pod, process }] of served) {
        const now = after.find((p) => p.metadata.name === name);
        expect(now?.metadata.uid, `${name} is the same pod`).toBe(pod.metadata.uid);
        expect(containerIdOf(now as Pod), `${name}'s container`).toBe(containerIdOf(pod));
        expect(now?.status?.containerStatuses?.[0]?.restartCount).toBe(0);
        expect(isAlive(process.pid, process.ticks), `${name}'s process`).toBe(true);
      }

      // 5. No node was declared lost: a Lease renewed after the new controllers' first look
      //    (10 s later at most) means they have looked a few times (every 5 s) since.
      const looked = Date.now();
      for (const node of c.nodes) {
        await eventually(
          () => leases.get(node.name),
          (l) => Date.parse(l.spec?.renewTime ?? "") > looked,
          `${node.name}'s Lease renewed once more`,
          30_000,
        );
      }
      for (const node of (await nodes.list()).items) {
        expect(readyOf(node), `${node.metadata.name} Ready`).toMatchObject({
          status: "True",
          lastTransitionTime: readySince.get(node.metadata.name),
        });
        expect(node.spec?.taints ?? [], `${node.metadata.name}'s taints`).toEqual([]);
      }

      // 6. Stopped as tinykube up stops: no container process is left.
      const all = await c.containerProcesses();
      expect(all.filter((p) => isAlive(p.pid, p.ticks))).toHaveLength(3);
      await c.shutdown();
      expect(
        all.filter((p) => isAlive(p.pid, p.ticks)),
        "container processes still alive",
      ).toEqual([]);
    },
    OUTAGE_MS + 6 * 60_000,
  );
});
