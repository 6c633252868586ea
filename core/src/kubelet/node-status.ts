/**
 * The kubelet's side of "this node is alive": it registers its Node, keeps the Node's status
 * current, and renews a Lease — kubelet_node_status.go (registerWithAPIServer, updateNodeStatus)
 * and pkg/kubelet/nodelease.
 *
 * Two heartbeats, as Kubernetes has had since 1.17:
 * - The Lease kube-node-lease/<node> is renewed every leaseDuration / 4 (10 s of 40 s). It is
 *   tiny, so thousands of nodes renewing it cost the API server little; the node lifecycle
 *   controller reads it to decide that a node is gone.
 * - The Node's status (conditions, capacity, addresses) is computed every
 *   nodeStatusUpdateFrequency (10 s) but written only when it differs from the Node the API
 *   holds, or every nodeStatusReportFrequency (5 minutes) — a full Node object is large, and
 *   writing it every 10 s from every node was the largest load on etcd before leases.
 *
 * Guarantees:
 * - Registration is idempotent: a Node that already exists (the kubelet restarted) is taken over
 *   and its status brought up to date, never created twice.
 * - Every write is a patch of the node's own objects as system:node:<name> — what Kubernetes'
 *   Node authorizer lets a kubelet do.
 * - The comparison is with the API's Node, read at every update, not with the kubelet's own last
 *   write: conditions the node lifecycle controller set Unknown while it could not hear the
 *   kubelet (a partition healed, the controller's own outage) are posted again within one
 *   update, each changed condition with a new lastTransitionTime (kubelet_node_status.go
 *   tryUpdateNodeStatus, nodestatus/setters.go).
 * - Time comes from the injected clock; stop() cancels every timer.
 */

import { release } from "node:os";
import { metaTime, microTime } from "../api/time.ts";
import type { Node } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import type { Lease } from "../client/leader-election.ts";
import { isConflict, isNotFound, type RestClient } from "../client/rest.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";

/** KubeletConfiguration's defaults for the heartbeats. */
export const DEFAULT_NODE_LEASE_DURATION_SECONDS = 40;
export const DEFAULT_NODE_STATUS_UPDATE_FREQUENCY_MS = 10_000;
export const DEFAULT_NODE_STATUS_REPORT_FREQUENCY_MS = 5 * 60_000;
/** The kubelet's lease renew interval: a quarter of the lease duration (nodelease.go). */
export const RENEW_INTERVAL_FRACTION = 0.25;
/**
 * Each renewal waits up to 4% longer, at random (the lease controller's wait.JitterUntil factor
 * 0.04): 10 s to 10.4 s, so nodes started together drift apart instead of renewing in step.
 */
const LEASE_JITTER = 0.04;

export interface NodeStatusOptions {
  client: RestClient;
  nodeName: string;
  /** The node's address (InternalIP): 127.1.0.N in tinykube's network model. */
  address: string;
  /** cpu, memory, pods, ... as quantities; allocatable = capacity (no reservations here). */
  capacity: Record<string, string>;
  labels?: Record<string, string>;
  /**
   * The kubelet's HTTPS port, advertised in status.daemonEndpoints (10250): the API server dials
   * it for `kubectl logs`. A function when it is known only once the server listens (port 0).
   */
  kubeletPort?: number | (() => number);
  leaseDurationSeconds?: number;
  nodeStatusUpdateFrequencyMs?: number;
  nodeStatusReportFrequencyMs?: number;
  /** Extra status the kubelet knows (images, runtime version); merged into every status. */
  extraStatus?: () => Partial<NonNullable<Node["status"]>>;
  clock?: Clock;
  log?: (line: string) => void;
}

type NodeCondition = {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
};

type NodeStatus = NonNullable<Node["status"]>;

const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm" };

/** The conditions a healthy kubelet reports, with Kubernetes' reasons and messages. */
function healthyConditions(): Omit<NodeCondition, "lastHeartbeatTime" | "lastTransitionTime">[] {
  return [
    {
      type: "MemoryPressure",
      status: "False",
      reason: "KubeletHasSufficientMemory",
      message: "kubelet has sufficient memory available",
    },
    {
      type: "DiskPressure",
      status: "False",
      reason: "KubeletHasNoDiskPressure",
      message: "kubelet has no disk pressure",
    },
    {
      type: "PIDPressure",
      status: "False",
      reason: "KubeletHasSufficientPID",
      message: "kubelet has sufficient PID available",
    },
    {
      type: "Ready",
      status: "True",
      reason: "KubeletReady",
      message: "kubelet is posting ready status",
    },
  ];
}

/**
 * nodeStatusHasChanged: whether writing `next` changes the API's `current` — every field the
 * kubelet sets, conditions matched by type, heartbeat times left out (a heartbeat alone is not
 * worth a Node write).
 */
function statusChanged(current: NodeStatus, next: NodeStatus): boolean {
  const withoutHeartbeat = (c: NodeCondition | undefined) =>
    c && canonical({ ...c, lastHeartbeatTime: undefined });
  const { conditions, ...fields } = next;
  for (const [key, value] of Object.entries(fields)) {
    if (canonical(value) !== canonical((current as Record<string, unknown>)[key])) return true;
  }
  const had = (current.conditions ?? []) as NodeCondition[];
  return ((conditions ?? []) as NodeCondition[]).some(
    (c) => withoutHeartbeat(c) !== withoutHeartbeat(had.find((h) => h.type === c.type)),
  );
}

/** JSON with sorted keys: the API may keep an object's keys in another order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export class NodeStatusReporter {
  private readonly clock: Clock;
  /** The pending timer of each loop (lease, status), replaced at every tick. */
  private readonly timers = new Map<string, Timer>();
  private stopped = false;
  /** When the status was last written (lastStatusReportTime), for nodeStatusReportFrequency. */
  private lastWrittenAt = 0;
  /** The Lease as this kubelet's last successful write of it returned it. */
  private latestLease: Lease | undefined;

  constructor(private readonly options: NodeStatusOptions) {
    this.clock = options.clock ?? realClock;
  }

  private get nodes() {
    return this.options.client.resource<Node>(builtinType("nodes"));
  }

  private get leases() {
    return this.options.client.resource<Lease>(
      builtinType("coordination.k8s.io/leases"),
      "kube-node-lease",
    );
  }

  // #region registerWithAPIServer
  /** Creates the Node, or takes over the one a previous run of this kubelet registered. */
  async register(): Promise<Node> {
    const o = this.options;
    const node: Node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: o.nodeName,
        labels: {
          "kubernetes.io/hostname": o.nodeName,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": ARCH[process.arch] ?? process.arch,
          ...o.labels,
        },
      },
      spec: {},
      status: this.status(),
    };
    try {
      this.lastWrittenAt = this.clock.now();
      const created = await this.nodes.create(node);
      this.options.log?.(`[kubelet ${o.nodeName}] registered node ${o.nodeName}`);
      return created;
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
      this.options.log?.(`[kubelet ${o.nodeName}] node ${o.nodeName} exists: taking it over`);
      await this.writeStatus(true);
      return this.nodes.get(o.nodeName);
    }
  }
  // #endregion registerWithAPIServer

  /** Registers, then renews the Lease and reports status on their intervals until stop(). */
  async start(): Promise<void> {
    await this.register();
    await this.renewLease();
    const leaseMs =
      (this.options.leaseDurationSeconds ?? DEFAULT_NODE_LEASE_DURATION_SECONDS) *
      1000 *
      RENEW_INTERVAL_FRACTION;
    this.every("lease", leaseMs, () => this.renewLease(), LEASE_JITTER);
    this.every(
      "status",
      this.options.nodeStatusUpdateFrequencyMs ?? DEFAULT_NODE_STATUS_UPDATE_FREQUENCY_MS,
      () => this.writeStatus(false),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
  }

  // #region renewLease
  /**
   * Creates or renews kube-node-lease/<node>, owned by the Node so it goes with it. A renewal
   * updates the Lease as this kubelet's last write left it, without reading it first — the lease
   * controller's latestLease (component-helpers/apimachinery/lease/controller.go): nobody else
   * writes a node's Lease, and at 5,000 nodes the GET would double the heartbeats' 500 requests a
   * second. A conflict or a missing Lease falls back to reading it afresh.
   */
  async renewLease(): Promise<void> {
    const o = this.options;
    const now = microTime(this.clock.now());
    const spec = {
      holderIdentity: o.nodeName,
      leaseDurationSeconds: o.leaseDurationSeconds ?? DEFAULT_NODE_LEASE_DURATION_SECONDS,
      renewTime: now,
    };
    const latest = this.latestLease;
    this.latestLease = undefined;
    if (latest) {
      try {
        this.latestLease = await this.leases.update({
          ...latest,
          spec: { ...latest.spec, ...spec },
        });
        return;
      } catch (error) {
        if (!isConflict(error) && !isNotFound(error)) throw error;
      }
    }
    try {
      const lease = await this.leases.get(o.nodeName);
      this.latestLease = await this.leases.update({ ...lease, spec: { ...lease.spec, ...spec } });
    } catch (error) {
      if (isConflict(error)) return; // someone wrote it meanwhile: the next renewal wins
      if (!isNotFound(error)) throw error;
      const node = await this.nodes.get(o.nodeName);
      this.latestLease = await this.leases.create({
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: o.nodeName,
          namespace: "kube-node-lease",
          ownerReferences: [
            { apiVersion: "v1", kind: "Node", name: o.nodeName, uid: node.metadata.uid as string },
          ],
        },
        spec: { ...spec, acquireTime: now },
      } as Lease);
    }
  }
  // #endregion renewLease

  // #region updateNodeStatus
  /**
   * Reads the Node, computes the status over it, and writes it if it differs from the API's, or
   * if the last write is older than nodeStatusReportFrequency (or `force`).
   */
  async writeStatus(force: boolean): Promise<boolean> {
    const current = (await this.nodes.get(this.options.nodeName)).status ?? {};
    const status = this.status(current);
    const report =
      this.options.nodeStatusReportFrequencyMs ?? DEFAULT_NODE_STATUS_REPORT_FREQUENCY_MS;
    const due = this.clock.now() - this.lastWrittenAt >= report;
    if (!force && !due && !statusChanged(current, status)) return false;
    this.lastWrittenAt = this.clock.now();
    await this.nodes.patch(this.options.nodeName, { status } as Partial<Node>, "strategic", {
      subresource: "status",
    });
    return true;
  }
  // #endregion updateNodeStatus

  /**
   * The Node's status as this kubelet sees it now, over the API's `current` one: a condition
   * whose status `current` already has keeps its lastTransitionTime; any other transitions now.
   */
  status(current: NodeStatus = {}): NodeStatus {
    const o = this.options;
    const now = metaTime(this.clock.now());
    const had = (current.conditions ?? []) as NodeCondition[];
    const conditions: NodeCondition[] = healthyConditions().map((c) => {
      const previous = had.find((h) => h.type === c.type);
      const at = previous?.status === c.status ? (previous.lastTransitionTime ?? now) : now;
      return { ...c, lastHeartbeatTime: now, lastTransitionTime: at };
    });
    return {
      capacity: { ...o.capacity },
      allocatable: { ...o.capacity },
      conditions,
      addresses: [
        { type: "InternalIP", address: o.address },
        { type: "Hostname", address: o.nodeName },
      ],
      daemonEndpoints: {
        kubeletEndpoint: {
          Port: typeof o.kubeletPort === "function" ? o.kubeletPort() : (o.kubeletPort ?? 10250),
        },
      },
      nodeInfo: {
        operatingSystem: "linux",
        architecture: ARCH[process.arch] ?? process.arch,
        kubeletVersion: "v1.35.0-tinykube",
        kubeProxyVersion: "",
        containerRuntimeVersion: "tinykube-process://0.1.0",
        osImage: "tinykube",
        kernelVersion: release(),
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
      ...o.extraStatus?.(),
    } as NonNullable<Node["status"]>;
  }

  /**
   * Runs `fn` every `ms` after the previous run ended; a failure is logged, the loop goes on.
   * With `jitter`, each wait is longer by up to that fraction, at random (wait.JitterUntil).
   */
  private every(name: string, ms: number, fn: () => Promise<unknown>, jitter = 0): void {
    const wait = () => ms * (1 + jitter * Math.random());
    const tick = () => {
      if (this.stopped) return;
      fn()
        .catch((error: unknown) =>
          this.options.log?.(`[kubelet ${this.options.nodeName}] ${name}: ${messageOf(error)}`),
        )
        .finally(() => {
          if (!this.stopped) this.timers.set(name, this.clock.setTimeout(tick, wait()));
        });
    };
    this.timers.set(name, this.clock.setTimeout(tick, wait()));
  }
}
