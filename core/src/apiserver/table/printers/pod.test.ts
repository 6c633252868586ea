import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames, NOW } from "../testing.ts";
import { podPrinter } from "./pod.ts";

interface PodSketch {
  phase?: string;
  reason?: string;
  deleting?: boolean;
  containers?: string[];
  initContainers?: { name: string; restartPolicy?: string }[];
  initStatuses?: Record<string, unknown>[];
  statuses?: Record<string, unknown>[];
  conditions?: Record<string, unknown>[];
  nodeName?: string;
  podIP?: string;
  readinessGates?: string[];
  nominatedNodeName?: string;
}

function pod(s: PodSketch): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web",
      namespace: "default",
      creationTimestamp: ago("10m"),
      ...(s.deleting ? { deletionTimestamp: ago("5s") } : {}),
    },
    spec: {
      containers: (s.containers ?? ["app"]).map((name) => ({ name, image: "hello" })),
      ...(s.initContainers ? { initContainers: s.initContainers } : {}),
      ...(s.nodeName ? { nodeName: s.nodeName } : {}),
      ...(s.readinessGates
        ? { readinessGates: s.readinessGates.map((conditionType) => ({ conditionType })) }
        : {}),
    },
    status: {
      phase: s.phase ?? "Running",
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.podIP ? { podIP: s.podIP, podIPs: [{ ip: s.podIP }] } : {}),
      ...(s.nominatedNodeName ? { nominatedNodeName: s.nominatedNodeName } : {}),
      ...(s.conditions ? { conditions: s.conditions } : {}),
      ...(s.initStatuses ? { initContainerStatuses: s.initStatuses } : {}),
      ...(s.statuses ? { containerStatuses: s.statuses } : {}),
    },
  };
}

const running = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ready: true,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: ago("9m") } },
  ...extra,
});
const waiting = (name: string, reason: string, extra: Record<string, unknown> = {}) => ({
  name,
  ready: false,
  restartCount: 0,
  state: { waiting: { reason } },
  ...extra,
});
const terminated = (
  name: string,
  terminatedState: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  name,
  ready: false,
  restartCount: 0,
  state: { terminated: { finishedAt: ago("1m"), ...terminatedState } },
  ...extra,
});
const crashedAgo = (when: string) => ({
  lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: ago(when) } },
});
const condition = (type: string, status: string, reason?: string) => ({
  type,
  status,
  ...(reason ? { reason } : {}),
});

describe("pod columns", () => {
  it("are Kubernetes' columns, the last four only with -o wide", () => {
    expect(columnNames("/Pod")).toEqual([
      "Name",
      "Ready",
      "Status",
      "Restarts",
      "Age",
      "IP",
      "Node",
      "Nominated Node",
      "Readiness Gates",
    ]);
    expect(podPrinter.columns.map((c) => c.priority)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(podPrinter.columns[0]?.format).toBe("name");
  });
});

describe("pod READY, STATUS and RESTARTS", () => {
  // Each case: the pod, then the expected [READY, STATUS, RESTARTS].
  const cases: [string, PodSketch, [string, string, string]][] = [
    [
      "pending, not scheduled yet",
      { phase: "Pending", conditions: [condition("PodScheduled", "False", "Unschedulable")] },
      ["0/1", "Pending", "0"],
    ],
    [
      "scheduling gated",
      { phase: "Pending", conditions: [condition("PodScheduled", "False", "SchedulingGated")] },
      ["0/1", "SchedulingGated", "0"],
    ],
    [
      "scheduled, image being pulled",
      { phase: "Pending", nodeName: "node-1", statuses: [waiting("app", "ContainerCreating")] },
      ["0/1", "ContainerCreating", "0"],
    ],
    [
      "running and ready",
      { statuses: [running("app"), running("log")], containers: ["app", "log"] },
      ["2/2", "Running", "0"],
    ],
    [
      "running, not ready yet",
      { statuses: [running("app", { ready: false })] },
      ["0/1", "Running", "0"],
    ],
    [
      "crash looping, last crash 2 minutes ago",
      {
        statuses: [waiting("app", "CrashLoopBackOff", { restartCount: 3, ...crashedAgo("2m5s") })],
      },
      ["0/1", "CrashLoopBackOff", "3 (2m5s ago)"],
    ],
    [
      "one of two containers crash looping: the first container with a reason wins",
      {
        containers: ["app", "sidecar"],
        statuses: [
          waiting("app", "CrashLoopBackOff", { restartCount: 5, ...crashedAgo("40s") }),
          running("sidecar"),
        ],
      },
      ["1/2", "CrashLoopBackOff", "5 (40s ago)"],
    ],
    [
      "two containers waiting for different reasons: the first listed one shows",
      {
        containers: ["app", "sidecar"],
        statuses: [waiting("app", "CrashLoopBackOff"), waiting("sidecar", "ImagePullBackOff")],
      },
      ["0/2", "CrashLoopBackOff", "0"],
    ],
    [
      "restarts without a recorded last termination show just the count",
      { statuses: [running("app", { restartCount: 2 })] },
      ["1/1", "Running", "2"],
    ],
    [
      "the latest restart across containers counts",
      {
        containers: ["a", "b"],
        statuses: [
          running("a", { restartCount: 1, ...crashedAgo("3h") }),
          running("b", { restartCount: 1, ...crashedAgo("7m") }),
        ],
      },
      ["2/2", "Running", "2 (7m ago)"],
    ],
    [
      "image pull failing",
      { phase: "Pending", statuses: [waiting("app", "ImagePullBackOff")] },
      ["0/1", "ImagePullBackOff", "0"],
    ],
    [
      "first of two init containers running",
      {
        phase: "Pending",
        initContainers: [{ name: "migrate" }, { name: "warm" }],
        initStatuses: [running("migrate", { ready: false }), waiting("warm", "PodInitializing")],
        statuses: [waiting("app", "PodInitializing")],
        conditions: [condition("Initialized", "False")],
      },
      ["0/1", "Init:0/2", "0"],
    ],
    [
      "second init container running",
      {
        phase: "Pending",
        initContainers: [{ name: "migrate" }, { name: "warm" }],
        initStatuses: [
          terminated("migrate", { exitCode: 0, reason: "Completed" }),
          running("warm", { ready: false }),
        ],
        statuses: [waiting("app", "PodInitializing")],
        conditions: [condition("Initialized", "False")],
      },
      ["0/1", "Init:1/2", "0"],
    ],
    [
      "init container crash looping",
      {
        phase: "Pending",
        initContainers: [{ name: "migrate" }],
        initStatuses: [
          waiting("migrate", "CrashLoopBackOff", { restartCount: 4, ...crashedAgo("30s") }),
        ],
        statuses: [waiting("app", "PodInitializing")],
        conditions: [condition("Initialized", "False")],
      },
      ["0/1", "Init:CrashLoopBackOff", "4 (30s ago)"],
    ],
    [
      "init container failed with a reason",
      {
        phase: "Failed",
        initContainers: [{ name: "migrate" }],
        initStatuses: [terminated("migrate", { exitCode: 1, reason: "Error" })],
      },
      ["0/1", "Init:Error", "0"],
    ],
    [
      "init container failed without a reason",
      {
        phase: "Pending",
        initContainers: [{ name: "migrate" }],
        initStatuses: [terminated("migrate", { exitCode: 2 })],
      },
      ["0/1", "Init:ExitCode:2", "0"],
    ],
    [
      "init container killed by a signal",
      {
        phase: "Pending",
        initContainers: [{ name: "migrate" }],
        initStatuses: [terminated("migrate", { exitCode: 137, signal: 9 })],
      },
      ["0/1", "Init:Signal:9", "0"],
    ],
    [
      "a started sidecar (restartable init container) counts as a container",
      {
        initContainers: [{ name: "proxy", restartPolicy: "Always" }],
        initStatuses: [running("proxy", { restartCount: 1, ...crashedAgo("5m") })],
        statuses: [running("app")],
        conditions: [condition("Initialized", "True"), condition("Ready", "True")],
      },
      ["2/2", "Running", "1 (5m ago)"],
    ],
    [
      "succeeded",
      { phase: "Succeeded", statuses: [terminated("app", { exitCode: 0, reason: "Completed" })] },
      ["0/1", "Completed", "0"],
    ],
    [
      "failed",
      { phase: "Failed", statuses: [terminated("app", { exitCode: 1, reason: "Error" })] },
      ["0/1", "Error", "0"],
    ],
    [
      "killed for memory",
      { statuses: [terminated("app", { exitCode: 137, reason: "OOMKilled" })] },
      ["0/1", "OOMKilled", "0"],
    ],
    [
      "exited without a reason",
      { statuses: [terminated("app", { exitCode: 3 })] },
      ["0/1", "ExitCode:3", "0"],
    ],
    [
      "one container completed, another still running and the pod not ready",
      {
        containers: ["job", "helper"],
        statuses: [terminated("job", { exitCode: 0, reason: "Completed" }), running("helper")],
        conditions: [condition("Ready", "False")],
      },
      ["1/2", "NotReady", "0"],
    ],
    [
      "one container completed, another still running and the pod ready",
      {
        containers: ["job", "helper"],
        statuses: [terminated("job", { exitCode: 0, reason: "Completed" }), running("helper")],
        conditions: [condition("Ready", "True")],
      },
      ["1/2", "Running", "0"],
    ],
    ["evicted", { phase: "Failed", reason: "Evicted" }, ["0/1", "Evicted", "0"]],
    ["being deleted", { deleting: true, statuses: [running("app")] }, ["1/1", "Terminating", "0"]],
    [
      "deleted after it finished stays finished",
      {
        deleting: true,
        phase: "Succeeded",
        statuses: [terminated("app", { exitCode: 0, reason: "Completed" })],
      },
      ["0/1", "Completed", "0"],
    ],
    [
      "deleted on a lost node",
      { deleting: true, reason: "NodeLost", statuses: [running("app")] },
      ["1/1", "Unknown", "0"],
    ],
  ];

  it.each(cases)("%s", (_, sketch, [ready, status, restarts]) => {
    const cells = cellsOf("/Pod", pod(sketch));
    expect(cells.slice(0, 5)).toEqual(["web", ready, status, restarts, "10m"]);
  });
});

describe("pod wide cells", () => {
  it("print <none> for what is not set yet", () => {
    expect(cellsOf("/Pod", pod({ phase: "Pending" })).slice(5)).toEqual([
      "<none>",
      "<none>",
      "<none>",
      "<none>",
    ]);
  });

  it("print IP, node, nominated node and how many readiness gates are met", () => {
    const cells = cellsOf(
      "/Pod",
      pod({
        podIP: "127.128.0.7",
        nodeName: "node-1",
        nominatedNodeName: "node-2",
        readinessGates: ["example.com/lb-ready", "example.com/warm"],
        conditions: [
          condition("example.com/lb-ready", "True"),
          condition("example.com/warm", "False"),
        ],
      }),
    );
    expect(cells.slice(5)).toEqual(["127.128.0.7", "node-1", "node-2", "1/2"]);
  });

  it("take the IP from podIP when podIPs is missing", () => {
    const p = pod({ statuses: [running("app")] });
    (p.status as Record<string, unknown>).podIP = "127.128.0.9";
    expect(cellsOf("/Pod", p)[5]).toBe("127.128.0.9");
  });

  it("are left out unless wide", () => {
    expect(cellsOf("/Pod", pod({}), { wide: false })).toHaveLength(5);
  });
});

describe("pod row conditions", () => {
  it("mark finished pods Completed", () => {
    const print = (phase: string) =>
      podPrinter.print(pod({ phase }), { now: NOW, wide: true }).conditions;
    expect(print("Succeeded")).toEqual([
      {
        type: "Completed",
        status: "True",
        reason: "Succeeded",
        message: "The pod has completed successfully.",
      },
    ]);
    expect(print("Failed")).toEqual([
      { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
    ]);
    expect(print("Running")).toBeUndefined();
  });
});
