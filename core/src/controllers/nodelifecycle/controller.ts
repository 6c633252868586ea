/**
 * The node lifecycle controller: notices nodes that stopped answering, says so in their status,
 * and taints them so that new pods stay away and, at a rate-limited pace, old ones are evicted —
 * kube-controller-manager's pkg/controller/nodelifecycle/node_lifecycle_controller.go
 * ("nodelifecycle"; the eviction itself is the taint eviction controller's).
 *
 * Four loops, as in Kubernetes:
 * - monitorNodeHealth, every --node-monitor-period (5 s): for each node, decide from its Lease
 *   and Ready heartbeat whether it is silent (health.ts); if so, write its conditions Unknown;
 *   put not-Ready nodes in their zone's NoExecute queue, take Ready ones out and untaint them;
 *   mark the pods of a node that just went not-Ready not Ready; then weigh each zone's health
 *   (disruption.ts).
 * - doNoExecuteTaintingPass, every 100 ms (NodeEvictionPeriod): drain each zone's queue at its
 *   rate, adding node.kubernetes.io/unreachable:NoExecute (Ready Unknown) or
 *   node.kubernetes.io/not-ready:NoExecute (Ready False), removing the other.
 * - doNoScheduleTaintingPass, on every node change: keep the condition NoSchedule taints
 *   (taints.ts) in step with the node's conditions and spec.unschedulable.
 * - processPod, on every pod bound to a node: a pod placed on a node already not Ready is
 *   marked not Ready at once rather than at the next transition.
 *
 * Guarantees:
 * - A node the controller has heard nothing new from for the grace period is Ready=Unknown
 *   within one monitor period after it (55 s at most with the defaults).
 * - A node is NoExecute-tainted only from the pass after the one that saw it not Ready — the
 *   decision uses the Ready condition as it was when the pass began (observedReadyCondition) —
 *   and only as fast as its zone's rate allows; never while every zone is fully disrupted.
 * - A node seen Ready again loses both NoExecute taints and leaves its zone's queue.
 * - A node seen for the first time (also after a controller restart) starts untainted: its
 *   NoExecute taints are removed, to be added again if it still is not Ready.
 *
 * What tinykube leaves out: reconcileNodeLabels (copying kubernetes.io/os and arch to their beta
 * labels) and the metrics; DaemonSet pods are not treated apart (they tolerate the taints they
 * need by their own tolerations, as in Kubernetes).
 */
import type { Node, Pod } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { keyOf, NODE_NAME_INDEX, nodeNameIndexFunc } from "../../client/indexer.ts";
import { type SharedIndexInformer, unwrapTombstone } from "../../client/informer.ts";
import type { Lease } from "../../client/leader-election.ts";
import { Queue } from "../../client/workqueue/index.ts";
import { messageOf } from "../../util/errors.ts";
import type { Controller, ControllerContext, ControllerQueue } from "../context.ts";
import { logFailedSync, runWorkers } from "../worker.ts";
import { ZoneEvictors } from "./disruption.ts";
import {
  assessNodeHealth,
  findCondition,
  type HealthAssessment,
  healthAfterStatusWrite,
  type NodeCondition,
  type NodeHealth,
} from "./health.ts";
import {
  type NodeLifecycleOptions,
  type ResolvedNodeLifecycleOptions,
  resolveNodeLifecycleOptions,
} from "./options.ts";
import type { TryResult } from "./rate-limited-queue.ts";
import {
  NOT_READY_TAINT,
  ownedNoScheduleTaints,
  taintExists,
  taintSetDiff,
  UNREACHABLE_TAINT,
  wantedNoScheduleTaints,
} from "./taints.ts";
import { sleep, until } from "./until.ts";
import {
  markPodsNotReady,
  recordNodeEvent,
  recordNodeStatusChange,
  removeTaintsOffNode,
  swapNodeControllerTaint,
  type Writer,
} from "./writes.ts";
import { zoneKey } from "./zones.ts";

/** The name Kubernetes logs it under (names.NodeLifecycleController); --controllers accepts "nodelifecycle". */
export const NODE_LIFECYCLE_CONTROLLER = "node-lifecycle-controller";
/** Its events' source: the component name of the old node controller it was split from. */
const EVENT_COMPONENT = "node-controller";
/** scheduler.NodeEvictionPeriod: how often the NoExecute queues are drained. */
const NODE_EVICTION_PERIOD_MS = 100;
/** nodeUpdateWorkerSize: nodes checked at once in a monitor pass, and NoSchedule workers. */
const NODE_UPDATE_WORKER_SIZE = 8;
/** podUpdateWorkerSize: "pod update workers will only handle lagging cache pods. 4 workers should be enough." */
const POD_UPDATE_WORKER_SIZE = 4;
/** NodeHealthUpdateRetry and retrySleepTime: a failed status write is retried for about 100 ms. */
const HEALTH_UPDATE_RETRIES = 5;
const HEALTH_UPDATE_RETRY_PAUSE_MS = 20;
/** A node in a taint queue without a Ready condition is looked at again after this long. */
const NO_READY_CONDITION_RETRY_MS = 50;
/** labelNodeDisruptionExclusion: such nodes do not count towards their zone's health. */
const EXCLUDE_DISRUPTION_LABEL = "node.kubernetes.io/exclude-disruption";
/** v1.NamespaceNodeLease: where kubelets keep their heartbeat Leases, named after the node. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

export class NodeLifecycleController implements Controller {
  readonly name = NODE_LIFECYCLE_CONTROLLER;
  private readonly options: ResolvedNodeLifecycleOptions;
  private readonly nodes: SharedIndexInformer<Node>;
  private readonly leases: SharedIndexInformer<Lease>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly writer: Writer;
  private readonly zones: ZoneEvictors;
  /** nodeHealthMap: what each node looked like at the last pass, and when news last came. */
  private readonly health = new Map<string, NodeHealth>();
  /** knownNodeSet: the nodes seen by earlier passes, to tell new and deleted ones. */
  private readonly knownNodes = new Map<string, Node>();
  /** Nodes whose pods could not all be marked not Ready; tried again next pass. */
  private readonly nodesToRetry = new Set<string>();
  /** Node names, for doNoScheduleTaintingPass. */
  private readonly nodeUpdateQueue = new Queue<string>();
  /** "namespace/name" of pods newly bound to a node, for processPod. */
  private readonly podUpdateQueue: ControllerQueue;
  private readonly stopping = new AbortController();

  // #region wiring
  constructor(
    private readonly ctx: ControllerContext,
    options: NodeLifecycleOptions = {},
  ) {
    this.options = resolveNodeLifecycleOptions(options);
    this.writer = {
      nodes: ctx.client.resource<Node>(builtinType("nodes")),
      pods: ctx.client.resource<Pod>(builtinType("pods")),
      recorder: ctx.recorder(EVENT_COMPONENT),
      log: ctx.log,
      now: () => ctx.clock.now(),
    };
    this.zones = new ZoneEvictors(this.options, ctx.clock, ctx.log);
    this.podUpdateQueue = ctx.newQueue("node_lifecycle_controller_pods");
    this.leases = ctx.informers.informerFor<Lease>("coordination.k8s.io/leases");
    this.nodes = ctx.informers.informerFor<Node>("nodes");
    this.pods = ctx.informers.informerFor<Pod>("pods");
    this.pods.indexer.ensureIndex(NODE_NAME_INDEX, nodeNameIndexFunc);
    this.pods.addEventHandler({
      onAdd: (pod) => this.podUpdated(undefined, pod),
      onUpdate: (old, pod) => this.podUpdated(old, pod),
    });
    this.nodes.addEventHandler({
      onAdd: (node) => this.nodeUpdateQueue.add(keyOf(node)),
      onUpdate: (_old, node) => this.nodeUpdateQueue.add(keyOf(node)),
      onDelete: (node) => this.nodesToRetry.delete(keyOf(unwrapTombstone(node))),
    });
  }

  /** Only a pod's arrival on a node matters here. */
  private podUpdated(old: Pod | undefined, pod: Pod): void {
    const nodeName = pod.spec.nodeName;
    if (nodeName && (!old || old.spec.nodeName !== nodeName)) this.podUpdateQueue.add(keyOf(pod));
  }
  // #endregion wiring

  async run(workers: number): Promise<void> {
    const signal = this.stopping.signal;
    const onError = (what: string) => (error: unknown) =>
      this.ctx.log(`[${this.name}] ${what} failed: ${messageOf(error)}`);
    await Promise.all([
      until({
        clock: this.ctx.clock,
        periodMs: this.options.nodeMonitorPeriodMs,
        signal,
        pass: () => this.monitorNodeHealth(),
        onError: onError("monitoring node health"),
      }),
      until({
        clock: this.ctx.clock,
        periodMs: NODE_EVICTION_PERIOD_MS,
        signal,
        pass: () => this.doNoExecuteTaintingPass(),
        onError: onError("NoExecute tainting"),
      }),
      ...Array.from({ length: workers }, () => this.noScheduleWorker()),
      runWorkers(POD_UPDATE_WORKER_SIZE, {
        queue: this.podUpdateQueue,
        reconcile: (key) => this.processPod(key),
        onError: logFailedSync(this.ctx.log, this.name),
      }),
    ]);
  }

  stop(): void {
    this.stopping.abort();
    this.nodeUpdateQueue.shutDown();
    this.podUpdateQueue.shutDown();
  }

  // #region monitorNodeHealth
  /**
   * One pass over every node in the cache:
   * 1. New nodes: an Event, a zone, and their NoExecute taints removed; deleted nodes: an Event.
   * 2. Each node, 8 at a time: assess its health and write Unknown if it went silent (a failed
   *    write is retried from a fresh read); note its Ready for its zone; act on taints; mark its
   *    pods not Ready if it just stopped being Ready.
   * 3. Weigh the zones; on entering master disruption untaint every node, on leaving it restart
   *    every node's grace period.
   */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodes.indexer.list();
    // 1.
    const { added, deleted, newZoneRepresentatives } = this.classifyNodes(nodes);
    for (const node of newZoneRepresentatives) this.zones.addZone(zoneKey(node));
    for (const node of added) {
      const name = node.metadata.name ?? "";
      recordNodeEvent(
        this.writer,
        node,
        "Normal",
        "RegisteredNode",
        `Registered Node ${name} in Controller`,
      );
      this.knownNodes.set(name, node);
      this.zones.addZone(zoneKey(node));
      await this.markNodeAsReachable(node).catch(
        this.logError(`removing taints from new node ${name}`),
      );
    }
    for (const node of deleted) {
      const name = node.metadata.name ?? "";
      recordNodeEvent(
        this.writer,
        node,
        "Normal",
        "RemovingNode",
        `Removing Node ${name} from Controller`,
      );
      this.knownNodes.delete(name);
    }
    // 2.
    const zoneConditions = new Map<string, (NodeCondition | undefined)[]>();
    await parallelize(NODE_UPDATE_WORKER_SIZE, nodes, async (node) => {
      const ready = await this.updateNode(node);
      if (ready === false || isExcludedFromDisruption(node)) return;
      const zone = zoneKey(node);
      zoneConditions.set(zone, [...(zoneConditions.get(zone) ?? []), ready]);
    });
    // 3.
    const change = this.zones.update(zoneConditions);
    if (change === "entered") {
      for (const node of nodes)
        await this.markNodeAsReachable(node).catch(
          this.logError(`removing taints from node ${node.metadata.name}`),
        );
    } else if (change === "exited") {
      const now = this.ctx.clock.now();
      for (const node of nodes) {
        const health = this.health.get(node.metadata.name ?? "");
        if (health) health.probeTimestamp = health.readyTransitionTimestamp = now;
      }
    }
  }
  // #endregion monitorNodeHealth

  /**
   * Step 2 for one node. Answers its Ready condition after the pass (undefined: none yet), or
   * false if its health could not be updated — then it counts towards no zone and nothing is
   * done about its pods this pass ("Skipping - no pods will be evicted").
   */
  private async updateNode(cached: Node): Promise<NodeCondition | undefined | false> {
    const name = cached.metadata.name ?? "";
    let node = cached;
    let assessment: HealthAssessment | undefined;
    for (let attempt = 1; !assessment; attempt++) {
      try {
        assessment = await this.tryUpdateNodeHealth(node);
      } catch (error) {
        if (attempt >= HEALTH_UPDATE_RETRIES) {
          this.ctx.log(
            `[${this.name}] updating health of node ${name} failed, skipping it (no pods will be evicted): ${messageOf(error)}`,
          );
          return false;
        }
        try {
          node = await this.writer.nodes.get(name);
        } catch (getError) {
          this.ctx.log(
            `[${this.name}] re-reading node ${name} failed, probably deleted: ${messageOf(getError)}`,
          );
          return false;
        }
        if (!(await sleep(this.ctx.clock, HEALTH_UPDATE_RETRY_PAUSE_MS, this.stopping.signal)))
          return false;
      }
    }
    const { observedReady, currentReady } = assessment;
    if (currentReady) {
      await this.processTaintBaseEviction(node, observedReady);
      const wentNotReady = currentReady.status !== "True" && observedReady.status === "True";
      if (wentNotReady) recordNodeStatusChange(this.writer, node, "NodeNotReady");
      if (wentNotReady || (this.nodesToRetry.has(name) && observedReady.status !== "True")) {
        try {
          await markPodsNotReady(
            this.writer,
            this.pods.indexer.byIndex(NODE_NAME_INDEX, name),
            name,
          );
        } catch (error) {
          this.ctx.log(`[${this.name}] ${messageOf(error)}; will retry`);
          this.nodesToRetry.add(name);
          return currentReady;
        }
      }
    }
    this.nodesToRetry.delete(name);
    return currentReady;
  }

  /** tryUpdateNodeHealth: assess, remember, and write Unknown if the node went silent. */
  private async tryUpdateNodeHealth(node: Node): Promise<HealthAssessment> {
    const name = node.metadata.name ?? "";
    const lease = this.leases.indexer.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const now = this.ctx.clock.now();
    const assessment = assessNodeHealth({
      node,
      saved: this.health.get(name),
      lease,
      now,
      options: this.options,
    });
    // Remembered even if the write below fails, as Kubernetes' deferred set does.
    this.health.set(name, assessment.health);
    if (assessment.statusUpdate) {
      this.ctx.log(
        `[${this.name}] node ${name} has not been heard from for ${assessment.gracePeriodMs / 1000}s: conditions Unknown`,
      );
      await this.writer.nodes.updateStatus(assessment.statusUpdate);
      this.health.set(name, healthAfterStatusWrite(assessment, lease, now));
    }
    return assessment;
  }

  // #region processTaintBaseEviction
  /**
   * By the Ready condition as the pass found it:
   * - False: swap unreachable for not-ready at once if the node has unreachable; else queue it.
   * - Unknown: the mirror image.
   * - True: remove both NoExecute taints and take it out of the queue.
   */
  private async processTaintBaseEviction(node: Node, observedReady: NodeCondition): Promise<void> {
    const name = node.metadata.name ?? "";
    const taints = node.spec?.taints;
    switch (observedReady.status) {
      case "False":
        if (taintExists(taints, UNREACHABLE_TAINT)) {
          if (
            !(await swapNodeControllerTaint(
              this.writer,
              node,
              [NOT_READY_TAINT],
              [UNREACHABLE_TAINT],
            ))
          )
            this.ctx.log(
              `[${this.name}] swapping unreachable for not-ready on ${name} failed; next pass tries again`,
            );
        } else if (this.markNodeForTainting(node, "False")) {
          this.ctx.log(
            `[${this.name}] node ${name} is NotReady: queued for the not-ready NoExecute taint`,
          );
        }
        return;
      case "Unknown":
        if (taintExists(taints, NOT_READY_TAINT)) {
          if (
            !(await swapNodeControllerTaint(
              this.writer,
              node,
              [UNREACHABLE_TAINT],
              [NOT_READY_TAINT],
            ))
          )
            this.ctx.log(
              `[${this.name}] swapping not-ready for unreachable on ${name} failed; next pass tries again`,
            );
        } else if (this.markNodeForTainting(node, "Unknown")) {
          this.ctx.log(
            `[${this.name}] node ${name} is unresponsive: queued for the unreachable NoExecute taint`,
          );
        }
        return;
      case "True":
        try {
          if (await this.markNodeAsReachable(node))
            this.ctx.log(`[${this.name}] node ${name} is healthy again: NoExecute taints removed`);
        } catch (error) {
          this.ctx.log(
            `[${this.name}] removing taints from ${name} failed; next pass tries again: ${messageOf(error)}`,
          );
        }
    }
  }
  // #endregion processTaintBaseEviction

  /** Queues the node for its NoExecute taint, re-arming it if the taint is not there (any more). */
  private markNodeForTainting(node: Node, status: "False" | "Unknown"): boolean {
    const name = node.metadata.name ?? "";
    const tainter = this.zones.tainter(zoneKey(node));
    const taint = status === "False" ? NOT_READY_TAINT : UNREACHABLE_TAINT;
    if (!taintExists(node.spec?.taints, taint)) tainter.remove(name);
    return tainter.add(name, node.metadata.uid ?? "");
  }

  /** Removes both NoExecute taints and the node from its queue; true if it was queued. */
  private async markNodeAsReachable(node: Node): Promise<boolean> {
    const name = node.metadata.name ?? "";
    await removeTaintsOffNode(this.writer, name, node, [UNREACHABLE_TAINT]);
    await removeTaintsOffNode(this.writer, name, node, [NOT_READY_TAINT]);
    return this.zones.tainter(zoneKey(node)).remove(name);
  }

  // #region doNoExecuteTaintingPass
  /** Drains each zone's queue as far as its rate allows, tainting by the node's current Ready. */
  private async doNoExecuteTaintingPass(): Promise<void> {
    for (const tainter of this.zones.allTainters()) {
      await tainter.try(async ({ value: name }): Promise<TryResult> => {
        const node = this.nodes.indexer.get(name);
        if (!node) return { done: true };
        const ready = findCondition(node.status ?? {}, "Ready");
        if (!ready) return { done: false, retryAfterMs: NO_READY_CONDITION_RETRY_MS };
        // not-ready and unreachable mirror Ready False and Unknown, so a node has one at most.
        let add = UNREACHABLE_TAINT;
        let opposite = NOT_READY_TAINT;
        if (ready.status === "False") [add, opposite] = [NOT_READY_TAINT, UNREACHABLE_TAINT];
        else if (ready.status !== "Unknown") return { done: true }; // Ready again meanwhile
        const tainted = await swapNodeControllerTaint(this.writer, node, [add], [opposite]);
        if (tainted) this.ctx.log(`[${this.name}] tainted node ${name} ${add.key}:NoExecute`);
        return tainted ? { done: true } : { done: false, retryAfterMs: 0 };
      });
    }
  }
  // #endregion doNoExecuteTaintingPass

  /** doNodeProcessingPassWorker: NoSchedule taints follow each node change. */
  private async noScheduleWorker(): Promise<void> {
    for (;;) {
      const name = await this.nodeUpdateQueue.get();
      if (name === undefined) return;
      try {
        await this.doNoScheduleTaintingPass(name);
      } catch (error) {
        // Not queued again, as in Kubernetes: the node's next change (a kubelet status
        // update, the next Unknown) brings it back.
        this.ctx.log(`[${this.name}] NoSchedule taints of node ${name}: ${messageOf(error)}`);
      } finally {
        this.nodeUpdateQueue.done(name);
      }
    }
  }

  private async doNoScheduleTaintingPass(name: string): Promise<void> {
    const node = this.nodes.indexer.get(name);
    if (!node) return;
    const { add, remove } = taintSetDiff(wantedNoScheduleTaints(node), ownedNoScheduleTaints(node));
    if (add.length === 0 && remove.length === 0) return;
    if (!(await swapNodeControllerTaint(this.writer, node, add, remove)))
      throw new Error(`failed to swap taints of node ${name}`);
  }

  /** processPod: a pod newly on a node that is not Ready is marked not Ready too. */
  private async processPod(key: string): Promise<void> {
    const pod = this.pods.indexer.get(key);
    if (!pod) return;
    const nodeName = pod.spec.nodeName ?? "";
    const health = this.health.get(nodeName);
    // Not looked at yet: the next monitor pass handles the pod with the rest of the node's.
    if (!health) return;
    if (!this.nodes.indexer.get(nodeName))
      throw new Error(`node ${nodeName} of pod ${key} is not in the cache`);
    const ready = findCondition(health.status, "Ready");
    if (ready && ready.status !== "True") await markPodsNotReady(this.writer, [pod], nodeName);
  }

  /** classifyNodes: added (not known), deleted (known, gone), and known nodes in zones not seen yet. */
  private classifyNodes(nodes: readonly Node[]) {
    const added: Node[] = [];
    const newZoneRepresentatives: Node[] = [];
    const present = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata.name ?? "";
      present.add(name);
      if (!this.knownNodes.has(name)) added.push(node);
      else if (!this.zones.hasZone(zoneKey(node))) newZoneRepresentatives.push(node);
    }
    const deleted = [...this.knownNodes]
      .filter(([name]) => !present.has(name))
      .map(([, node]) => node);
    return { added, deleted, newZoneRepresentatives };
  }

  private logError(what: string) {
    return (error: unknown) => {
      this.ctx.log(`[${this.name}] ${what} failed: ${messageOf(error)}`);
      return false;
    };
  }
}

function isExcludedFromDisruption(node: Node): boolean {
  return EXCLUDE_DISRUPTION_LABEL in (node.metadata.labels ?? {});
}

/** workqueue.ParallelizeUntil: `fn` on every item, at most `workers` at a time. */
async function parallelize<T>(
  workers: number,
  items: readonly T[],
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(workers, items.length) }, worker));
}
