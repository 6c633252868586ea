/**
 * Chapter 6, as a function the test can run: one node and one pod, followed from the node's
 * registration through every step the kubelet takes —
 *  1. the node registers, node IPAM gives it a pod CIDR, the Lease is renewed;
 *  2. the pod (bound to the node, as chapter 5's scheduler would) is pulled, gets a sandbox and
 *     an address, its container starts, the readiness probe passes: Ready;
 *  3. a failing readiness probe takes Ready away and gives it back;
 *  4. the container's process is killed: the PLEG sees it die, the kubelet starts it again;
 *  5. the liveness probe fails: the kubelet kills and restarts the container;
 *  6. a container that keeps crashing waits in CrashLoopBackOff;
 *  7. `kubectl logs` and `--previous`, served by the kubelet through the API server;
 *  8. the pod is deleted: SIGTERM, the process exits, the kubelet deletes the object.
 * Everything started is stopped and the data directory deleted, on error too.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Pod } from "@tinykube/core/api/types";
import { isAlive } from "@tinykube/core/runtime/process/proc";
import { NODE, openStage, type Say, type Stage, until } from "./stage.ts";

export interface ChapterFacts {
  podCIDR: string;
  podIP: string;
  /** What the pod answered on its own address. */
  answer: string;
  /** The Ready condition's values as the observer saw them change, in order. */
  readySeen: string[];
  killed: { restartCount: number; lastExitCode: number; lastReason: string };
  liveness: { restartCount: number; killingMessage: string };
  crashLoop: { reason: string; message: string; restartCount: number };
  logs: { current: string; previous: string };
  /** The pod's event reasons, in the order the observer saw them. */
  eventReasons: string[];
  deletion: { processGone: boolean; objectGone: boolean };
}

type ContainerStatus = {
  name: string;
  ready: boolean;
  restartCount: number;
  containerID?: string;
  state: Record<string, Record<string, unknown>>;
  lastState: Record<string, Record<string, unknown>>;
};

const statusOf = (pod: Pod | undefined): ContainerStatus | undefined =>
  pod?.status?.containerStatuses?.[0] as ContainerStatus | undefined;
const readyOf = (pod: Pod | undefined) =>
  pod?.status?.conditions?.find((c) => c.type === "Ready")?.status;

export async function runChapter(say: Say): Promise<ChapterFacts> {
  const stage = await openStage(say);
  try {
    return await story(stage);
  } finally {
    await stage.close();
  }
}

async function story(stage: Stage): Promise<ChapterFacts> {
  const { say } = stage;
  const readySeen: string[] = [];
  const watchReady = setInterval(() => {
    const ready = readyOf(stage.seenPods.get("web"));
    if (ready && readySeen.at(-1) !== ready) readySeen.push(ready);
  }, 20);
  try {
    // 1. The node.
    const node = await until(() => {
      const n = stage.seenNode();
      const ready = n?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
      return n?.spec?.podCIDR && ready ? n : undefined;
    }, "node-1 Ready with a pod CIDR");
    const podCIDR = node.spec?.podCIDR as string;
    say(
      `[observer] Node ${NODE}: Ready=True, InternalIP ${node.status?.addresses?.[0]?.address}, ` +
        `podCIDR ${podCIDR} (from node IPAM), capacity cpu ${node.status?.capacity?.cpu} pods ${node.status?.capacity?.pods}\n`,
    );

    // 2. A pod, from pull to Ready.
    say(
      "[you] create pod web: tinykube/hello:1.0 on node-1, readiness /readyz and liveness /healthz every 1 s",
    );
    await stage.pods.create(webPod());
    const running = await until(() => {
      const pod = stage.seenPods.get("web");
      return readyOf(pod) === "True" ? pod : undefined;
    }, "web Ready");
    const podIP = running.status?.podIP as string;
    say(`[observer] web: phase ${running.status?.phase}, podIP ${podIP}, Ready=True`);
    const answer = (await httpGet(`http://${podIP}:8080/`)).trim();
    say(`[you] GET http://${podIP}:8080/ → "${answer}"\n`);

    // 3. Readiness.
    say("[you] GET /fail-ready: the readiness probe will fail from now on");
    await httpGet(`http://${podIP}:8080/fail-ready`);
    await until(() => readyOf(stage.seenPods.get("web")) === "False", "web Ready=False");
    say(
      "[observer] web: Ready=False — its endpoints would drop it; the container is not restarted",
    );
    await httpGet(`http://${podIP}:8080/recover`);
    await until(() => readyOf(stage.seenPods.get("web")) === "True", "web Ready again");
    say("[observer] web: Ready=True again after /recover\n");

    // 4. The process dies.
    const before = statusOf(stage.seenPods.get("web")) as ContainerStatus;
    const pid = await pidOf(stage, before.containerID as string);
    say(`[you] kill -9 ${pid} (web's container process, as an OOM kill or a crash would end it)`);
    process.kill(pid, "SIGKILL");
    const afterKill = await until(() => {
      const s = statusOf(stage.seenPods.get("web"));
      return s && s.restartCount === 1 && s.state.running ? s : undefined;
    }, "web restarted after the kill");
    const lastTerminated = afterKill.lastState.terminated as { exitCode: number; reason: string };
    say(
      `[observer] web: restartCount 1, lastState terminated exitCode ${lastTerminated.exitCode} ` +
        `(128+9, SIGKILL) reason ${lastTerminated.reason}; running again\n`,
    );
    await until(() => readyOf(stage.seenPods.get("web")) === "True", "web Ready after restart");

    // 5. Liveness.
    say("[you] GET /fail-health: the liveness probe will fail from now on (failureThreshold 2)");
    const ip = stage.seenPods.get("web")?.status?.podIP as string;
    await httpGet(`http://${ip}:8080/fail-health`);
    const afterLiveness = await until(() => {
      const s = statusOf(stage.seenPods.get("web"));
      return s && s.restartCount === 2 && s.state.running ? s : undefined;
    }, "web restarted by its liveness probe");
    const killing = stage.seenEvents.findLast(
      (e) => e.involvedObject.name === "web" && e.reason === "Killing",
    );
    const backedOff = stage.seenEvents.some(
      (e) => e.involvedObject.name === "web" && e.reason === "BackOff",
    );
    say(
      `[observer] web: restartCount ${afterLiveness.restartCount}; the new process answers /healthz again` +
        (backedOff
          ? " — after waiting out the 10 s back-off that began when the killed run exited (CrashLoopBackOff counts every exit)\n"
          : "\n"),
    );

    // 6. CrashLoopBackOff.
    say("[you] create pod crasher: tinykube/crasher:1.0 exits 1 one second after it starts");
    await stage.pods.create(crasherPod());
    const looping = await until(() => {
      const s = statusOf(stage.seenPods.get("crasher"));
      const waiting = s?.state.waiting as { reason?: string; message?: string } | undefined;
      return waiting?.reason === "CrashLoopBackOff" ? { s, waiting } : undefined;
    }, "crasher in CrashLoopBackOff");
    say(
      `[observer] crasher: waiting ${looping.waiting.reason} — ${looping.waiting.message}; ` +
        `restartCount ${looping.s?.restartCount}\n`,
    );

    // 7. Logs, through the API server from the kubelet.
    const current = await stage.apiGet("/api/v1/namespaces/default/pods/web/log?tailLines=2");
    const previous = await stage.apiGet(
      // Six lines: the readiness probe's requests interleave with the liveness probe's.
      "/api/v1/namespaces/default/pods/web/log?previous=true&tailLines=6",
    );
    say(`[you] kubectl logs web --tail=2 →\n${indent(current.body)}`);
    say(`[you] kubectl logs web --previous --tail=6 →\n${indent(previous.body)}\n`);

    // 8. Deletion.
    const last = statusOf(stage.seenPods.get("web")) as ContainerStatus;
    const lastPid = await pidOf(stage, last.containerID as string);
    say("[you] kubectl delete pod web (grace period 30 s)");
    await stage.pods.delete("web");
    await until(() => !stage.seenPods.has("web"), "web deleted", 35_000);
    const processGone = !isAlive(lastPid);
    say(
      `[observer] web is gone from the API; process ${lastPid} ${processGone ? "has exited" : "still runs!"}`,
    );
    await stage.pods.delete("crasher", { gracePeriodSeconds: 0 });

    return {
      podCIDR,
      podIP,
      answer,
      readySeen,
      killed: {
        restartCount: afterKill.restartCount,
        lastExitCode: lastTerminated.exitCode,
        lastReason: lastTerminated.reason,
      },
      liveness: {
        restartCount: afterLiveness.restartCount,
        killingMessage: killing?.message ?? "",
      },
      crashLoop: {
        reason: looping.waiting.reason as string,
        message: looping.waiting.message ?? "",
        restartCount: looping.s?.restartCount ?? 0,
      },
      logs: { current: current.body, previous: previous.body },
      eventReasons: stage.seenEvents
        .filter((e) => e.involvedObject.name === "web")
        .map((e) => e.reason),
      deletion: { processGone, objectGone: !stage.seenPods.has("web") },
    };
  } finally {
    clearInterval(watchReady);
  }
}

function webPod(): Pod {
  const probe = (path: string, failureThreshold: number) => ({
    httpGet: { path, port: 8080 },
    periodSeconds: 1,
    failureThreshold,
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: {
      nodeName: NODE,
      containers: [
        {
          name: "web",
          image: "tinykube/hello:1.0",
          ports: [{ containerPort: 8080 }],
          readinessProbe: probe("/readyz", 1),
          livenessProbe: probe("/healthz", 2),
        },
      ],
    },
  };
}

function crasherPod(): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "crasher", namespace: "default" },
    spec: {
      nodeName: NODE,
      containers: [
        {
          name: "crasher",
          image: "tinykube/crasher:1.0",
          env: [{ name: "CRASH_AFTER_SECONDS", value: "1" }],
        },
      ],
    },
  };
}

/**
 * The container's process, from the shim's record in the runtime's state directory — what
 * `crictl inspect <id>` shows as info.pid on a containerd node.
 */
async function pidOf(stage: Stage, containerID: string): Promise<number> {
  const id = containerID.replace(/^tinykube:\/\//, "");
  const state = JSON.parse(
    await readFile(join(stage.runtimeRoot, "containers", id, "state.json"), "utf8"),
  ) as { pid: number };
  return state.pid;
}

const httpGet = (url: string) => fetch(url).then((r) => r.text());

const indent = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
