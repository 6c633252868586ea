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
 *   nodeStatusUpdateFrequency (10 s) but written only when it changed, or every
 *   nodeStatusReportFrequency (5 minutes) — a full Node object is large, and writing it every
 *   10 s from every node was the largest load on etcd before leases.
 *
 * Guarantees:
 * - Registration is idempotent: a Node that already exists (the kubelet restarted) is taken over
 *   and its status brought up to date, never created twice.
 * - Every write is a patch of the node's own objects as system:node:<name> — what Kubernetes'
 *   Node authorizer lets a kubelet do.
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

export interface NodeStatusOptions {
  client: RestClient;
  nodeName: string;
  /** The node's address (InternalIP): 127.1.0.N in tinykube's network model. */
  address: string;
  /** cpu, memory, pods, ... as quantities; allocatable = capacity (no reservations here). */
  capacity: Record<string, string>;
  labels?: Record<string, string>;
  /** The kubelet's HTTPS port, advertised in status.daemonEndpoints (10250). */
  kubeletPort?: number;
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

/** A status without its heartbeat times: what must differ for a write to be worth it. */
function comparable(status: NonNullable<Node["status"]>): string {
  return JSON.stringify({
    ...status,
    conditions: (status.conditions as NodeCondition[] | undefined)?.map(
      ({ lastHeartbeatTime: _, ...c }) => c,
    ),
  });
}

export class NodeStatusReporter {
  private readonly clock: Clock;
  /** The pending timer of each loop (lease, status), replaced at every tick. */
  private readonly timers = new Map<string, Timer>();
  private stopped = false;
  /** The last status written, without heartbeat times, to tell a change from a heartbeat. */
  private lastWritten = "";
  private lastWrittenAt = 0;
  private transitions = new Map<string, { status: string; at: string }>();

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
      const created = await this.nodes.create(node);
      this.written(node.status as NonNullable<Node["status"]>);
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
    this.every("lease", leaseMs, () => this.renewLease());
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
  /** Creates or renews kube-node-lease/<node>, owned by the Node so it goes with it. */
  async renewLease(): Promise<void> {
    const o = this.options;
    const now = microTime(this.clock.now());
    const spec = {
      holderIdentity: o.nodeName,
      leaseDurationSeconds: o.leaseDurationSeconds ?? DEFAULT_NODE_LEASE_DURATION_SECONDS,
      renewTime: now,
    };
    try {
      const lease = await this.leases.get(o.nodeName);
      await this.leases.update({ ...lease, spec: { ...lease.spec, ...spec } });
    } catch (error) {
      if (isConflict(error)) return; // someone wrote it meanwhile: the next renewal wins
      if (!isNotFound(error)) throw error;
      const node = await this.nodes.get(o.nodeName);
      await this.leases.create({
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
   * Computes the status and writes it if it changed, or if the last write is older than
   * nodeStatusReportFrequency (or `force`): a heartbeat alone is not worth a Node write.
   */
  async writeStatus(force: boolean): Promise<boolean> {
    const status = this.status();
    const report =
      this.options.nodeStatusReportFrequencyMs ?? DEFAULT_NODE_STATUS_REPORT_FREQUENCY_MS;
    const due = this.clock.now() - this.lastWrittenAt >= report;
    if (!force && comparable(status) === this.lastWritten && !due) return false;
    this.written(status);
    await this.nodes.patch(this.options.nodeName, { status } as Partial<Node>, "strategic", {
      subresource: "status",
    });
    return true;
  }

  /** Remembers what was written (claimed before the write, so two ticks do not both write). */
  private written(status: NonNullable<Node["status"]>): void {
    this.lastWritten = comparable(status);
    this.lastWrittenAt = this.clock.now();
  }
  // #endregion updateNodeStatus

  /** The Node's status as this kubelet sees it now. */
  status(): NonNullable<Node["status"]> {
    const o = this.options;
    const now = metaTime(this.clock.now());
    const conditions: NodeCondition[] = healthyConditions().map((c) => {
      const previous = this.transitions.get(c.type);
      const at = previous && previous.status === c.status ? previous.at : now;
      this.transitions.set(c.type, { status: c.status, at });
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
      daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort ?? 10250 } },
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

  /** Runs `fn` every `ms` after the previous run ended; a failure is logged, the loop goes on. */
  private every(name: string, ms: number, fn: () => Promise<unknown>): void {
    const tick = () => {
      if (this.stopped) return;
      fn()
        .catch((error: unknown) =>
          this.options.log?.(`[kubelet ${this.options.nodeName}] ${name}: ${messageOf(error)}`),
        )
        .finally(() => {
          if (!this.stopped) this.timers.set(name, this.clock.setTimeout(tick, ms));
        });
    };
    this.timers.set(name, this.clock.setTimeout(tick, ms));
  }
}
