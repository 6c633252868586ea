/**
 * A scheduler end to end, for tests: a throwaway API server, an admin client to create nodes and
 * pods, and a Scheduler running as system:kube-scheduler with the default profile — the same
 * wiring as scheduler.test.ts, packaged so that placement tests read as "these nodes, this pod,
 * it lands there".
 *
 * Guarantees:
 * - The scheduler's informers have synced before `startSchedulerE2E` resolves, so a node created
 *   by the test afterwards reaches the cache through a watch event, as in a live cluster.
 * - `waitBound` and `waitUnschedulable` read through the API server (never the scheduler's cache):
 *   what they return is what `kubectl get pod` would show.
 * Test-only; nothing in the scheduler imports it.
 */
import type {
  Affinity,
  Node,
  Pod,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from "../api/types.ts";
import { EventRecorder, eventSink } from "../client/events.ts";
import { builtinType, SharedInformerFactory } from "../client/factory.ts";
import { type ResourceClient, RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { Scheduler, type SchedulerOptions } from "./scheduler.ts";

/** Kubernetes' well-known topology labels (k8s.io/api/core/v1 well_known_labels.go). */
export const HOSTNAME = "kubernetes.io/hostname";
export const ZONE = "topology.kubernetes.io/zone";

export interface NodeSpecOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
}

/**
 * A node as a kubelet registers it (hostname label = name, allocatable = capacity), without
 * conditions: the scheduler never reads Ready, only the taints the node lifecycle controller sets.
 */
export function e2eNode(name: string, o: NodeSpecOptions = {}): Node {
  const resources = { cpu: o.cpu ?? "4", memory: o.memory ?? "8Gi", pods: o.pods ?? "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { [HOSTNAME]: name, ...o.labels } },
    spec: o.taints ? { taints: o.taints } : {},
    status: { allocatable: resources, capacity: resources },
  };
}

export interface PodSpecOptions {
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: Affinity;
  topologySpreadConstraints?: TopologySpreadConstraint[];
}

/** A one-container pod; only the fields given are set, so defaults stay the API server's. */
export function e2ePod(name: string, o: PodSpecOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      containers: [{ name: "c", image: "tinykube/hello", resources: { requests } }],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.topologySpreadConstraints
        ? { topologySpreadConstraints: o.topologySpreadConstraints }
        : {}),
    },
  };
}

/** The PodScheduled=False condition the scheduler writes when a cycle fails, if present. */
export function unschedulableCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
}

export interface SchedulerE2E {
  api: TestApiServer;
  /** As admin, unthrottled. */
  admin: RestClient;
  scheduler: Scheduler;
  pods(): ResourceClient<Pod>;
  nodes(): ResourceClient<Node>;
  /** Creates the pod and waits until the API server shows it bound; returns the node's name. */
  schedule(pod: Pod, timeoutMs?: number): Promise<string>;
  /** Waits until the pod has a node; returns the node's name. */
  waitBound(name: string, timeoutMs?: number): Promise<string>;
  /** Waits until the pod has PodScheduled=False; returns the condition's message. */
  waitUnschedulable(name: string, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** What a test may change about the scheduler: its configuration, extra plugins, its clock. */
export type SchedulerE2EOptions = Pick<
  SchedulerOptions,
  "config" | "outOfTreeRegistry" | "clock" | "onCycle"
>;

export async function startSchedulerE2E(options: SchedulerE2EOptions = {}): Promise<SchedulerE2E> {
  const api = await startTestApiServer();
  const client = (user: string) =>
    new RestClient({ server: api.url, caPem: api.caCertPem, token: api.tokenFor(user), qps: 0 });
  const admin = client("admin");
  const asScheduler = client("system:kube-scheduler");
  const informers = new SharedInformerFactory(asScheduler);
  const scheduler = new Scheduler({
    informers,
    pods: asScheduler.resource<Pod>(builtinType("pods")),
    recorder: new EventRecorder({
      sink: eventSink(asScheduler.resource(builtinType("events"))),
      component: "default-scheduler",
    }),
    ...options,
  });
  informers.start();
  await informers.waitForCacheSync(5000);
  const running = scheduler.run();

  const pods = () => admin.resource<Pod>(builtinType("pods"), "default");
  const nodes = () => admin.resource<Node>(builtinType("nodes"));
  const waitBound = async (name: string, timeoutMs = 10_000) => {
    const pod = await eventually(
      () => pods().get(name),
      (p) => Boolean(p.spec.nodeName),
      `${name} bound`,
      timeoutMs,
    );
    return pod.spec.nodeName as string;
  };
  const waitUnschedulable = async (name: string, timeoutMs = 10_000) => {
    const pod = await eventually(
      () => pods().get(name),
      (p) => unschedulableCondition(p) !== undefined,
      `${name} PodScheduled=False`,
      timeoutMs,
    );
    return unschedulableCondition(pod)?.message as string;
  };
  return {
    api,
    admin,
    scheduler,
    pods,
    nodes,
    async schedule(pod, timeoutMs) {
      await pods().create(pod);
      return waitBound(pod.metadata.name as string, timeoutMs);
    },
    waitBound,
    waitUnschedulable,
    async stop() {
      scheduler.stop();
      await running;
      await informers.stop();
      admin.close();
      asScheduler.close();
      await api.stop();
    },
  };
}

/**
 * What Kubernetes' "Configure Multiple Schedulers" has an administrator do: system:kube-scheduler
 * may update only the Lease kube-scheduler, so grant it a second scheduler's Lease by name.
 */
export async function grantSchedulerLease(admin: RestClient, leaseName: string): Promise<void> {
  const name = `${leaseName}-lease`;
  await admin.resource(builtinType("rbac.authorization.k8s.io/clusterroles")).create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name },
    rules: [
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: [leaseName],
        verbs: ["get", "update"],
      },
    ],
  } as never);
  await admin.resource(builtinType("rbac.authorization.k8s.io/clusterrolebindings")).create({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [
      { kind: "User", name: "system:kube-scheduler", apiGroup: "rbac.authorization.k8s.io" },
    ],
  } as never);
}
