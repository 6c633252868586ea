/**
 * Test helpers: kubelets played through the API (a Node with conditions, a Lease renewed on the
 * fake clock), and a way to let fake time pass while the healthy ones keep renewing — what the
 * real kubelet (kubelet_node_status.go, pkg/kubelet/nodelease) does every 10 s.
 */
import type { Condition, Node, Pod, Taint, Toleration } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { type Lease, microTime } from "../../client/leader-election.ts";
import type { RestClient } from "../../client/rest.ts";
import type { FakeClock } from "../../util/clock.ts";
import { rfc3339 } from "../deployment/progress.ts";
import { NODE_LEASE_NAMESPACE } from "./controller.ts";

/** The kubelet's lease renew interval: a quarter of its 40 s lease. */
const RENEW_EVERY_MS = 10_000;

export class FakeKubelets {
  /** Nodes whose kubelet is running: their leases are renewed as time passes. */
  readonly alive = new Set<string>();
  private lastRenewal = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: RestClient,
    private readonly clock: FakeClock,
  ) {}

  private get nodes() {
    return this.client.resource<Node>(builtinType("nodes"));
  }

  private get leases() {
    return this.client.resource<Lease>(
      builtinType("coordination.k8s.io/leases"),
      NODE_LEASE_NAMESPACE,
    );
  }

  /**
   * Registers a Node, Ready, and its Lease; the kubelet keeps running. `mute`: the Node only —
   * a machine registered by hand whose kubelet never started.
   */
  async join(name: string, options: { labels?: Record<string, string>; mute?: boolean } = {}) {
    await this.nodes.create({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name, ...options.labels } },
      spec: {},
      status: options.mute ? {} : { conditions: this.conditions("True") },
    });
    if (options.mute) return;
    this.alive.add(name);
    await this.leases.create({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name, namespace: NODE_LEASE_NAMESPACE },
      spec: {
        holderIdentity: name,
        leaseDurationSeconds: 40,
        renewTime: microTime(this.clock.now()),
      },
    });
  }

  /** The kubelet stops: no more renewals or status. */
  stop(name: string): void {
    this.alive.delete(name);
  }

  /** The kubelet is back: it renews at once, posts its status, and keeps renewing. */
  async start(name: string, ready: "True" | "False" = "True"): Promise<void> {
    this.alive.add(name);
    await this.renew(name);
    await this.postStatus(name, ready);
  }

  async renew(name: string): Promise<void> {
    await this.leases.patch(name, { spec: { renewTime: microTime(this.clock.now()) } });
  }

  /** Posts the conditions with a fresh heartbeat: Ready `ready`, no pressure. */
  async postStatus(name: string, ready: "True" | "False"): Promise<void> {
    await this.nodes.patch(name, { status: { conditions: this.conditions(ready) } }, "merge", {
      subresource: "status",
    });
  }

  /**
   * Lets exactly `ms` of fake time pass in steps of 1 s at most, renewing the running kubelets'
   * leases every 10 s, and giving the controllers a turn of the event loop after each step.
   */
  async pass(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    while (this.clock.now() < until) {
      await this.step(Math.min(1_000, until - this.clock.now()));
    }
  }

  /** One step: `ms` of fake time, the renewals due, then a moment for the controllers. */
  async step(ms = 1_000): Promise<void> {
    this.clock.advance(ms);
    if (this.clock.now() - this.lastRenewal >= RENEW_EVERY_MS) {
      this.lastRenewal = this.clock.now();
      await Promise.all([...this.alive].map((name) => this.renew(name)));
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private conditions(ready: "True" | "False"): (Condition & { lastHeartbeatTime: string })[] {
    const now = rfc3339(this.clock.now());
    const fine = (type: string, reason: string, message: string) => ({
      type,
      status: "False" as const,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
    });
    return [
      fine(
        "MemoryPressure",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
      ),
      fine("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      fine("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      {
        type: "Ready",
        status: ready,
        reason: ready === "True" ? "KubeletReady" : "KubeletNotReady",
        message: ready === "True" ? "kubelet is posting ready status" : "container runtime is down",
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
    ];
  }
}

/** A pod bound to `nodeName` at creation, as if scheduled there. */
export function podOn(name: string, nodeName: string, tolerations: Toleration[] = []): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { test: "eviction" } },
    spec: { nodeName, tolerations, containers: [{ name: "c", image: "tinykube/hello" }] },
  };
}

/** Tolerates node.kubernetes.io/unreachable:NoExecute for `seconds`, or forever. */
export function toleratesUnreachable(seconds?: number): Toleration {
  return {
    key: "node.kubernetes.io/unreachable",
    operator: "Exists",
    effect: "NoExecute",
    ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
  };
}

export function hasTaint(node: Node, key: string, effect: Taint["effect"]): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === key && t.effect === effect);
}

export function condition(
  node: Node | Pod,
  type: string,
): (Condition & { lastHeartbeatTime?: string }) | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}
