/**
 * The scheduler: step ⑤ of the ten — "the scheduler, through list-watch, sees the new pod,
 * filters hosts, scores them, and binds the pod to the best one". kube-scheduler's scheduler.go,
 * eventhandlers.go and schedule_one.go, one pod at a time.
 *
 * Informers feed two structures: pods without a node (for a profile of this scheduler) go to the
 * scheduling queue; pods with a node, and nodes, go to the cache. Each cycle:
 *   1. pop the best pod from the queue;
 *   2. snapshot the cache (only changed nodes are copied);
 *   3. schedulePod: filter, score, choose a node — or a FitError;
 *   4. assume: the cache counts the pod on the node at once, so the next cycle sees the usage
 *      before the binding is even written;
 *   5. reserve, permit; then bind in the background (the binding cycle: wait for Permit if a
 *      plugin holds the pod, prebind, bind), and start the next cycle.
 * A failure records FailedScheduling and the PodScheduled=False condition, and puts the pod back
 * in the queue: to wait for a cluster event that may help, or for its backoff.
 *
 * When no node fits, the PostFilter plugins (DefaultPreemption) may evict lower-priority pods and
 * nominate a node; the pod still goes back to the queue and is bound in a later cycle, once the
 * victims' deletions have reached the cache.
 *
 * Not here: extenders (webhooks kube-scheduler can call around Filter and Score). Leader election
 * and `tinykube up` wiring are in start.ts.
 */

import type { KubeObject } from "../api/object.ts";
import { metaTime } from "../api/time.ts";
import type { Namespace, Node, Pod, ReplicaSet, Service } from "../api/types.ts";
import type { EventRecorder } from "../client/events.ts";
import type { SharedInformerFactory } from "../client/factory.ts";
import { NAMESPACE_INDEX } from "../client/indexer.ts";
import { unwrapTombstone } from "../client/informer.ts";
import { isNotFound, type ResourceClient } from "../client/rest.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { SchedulerCache, Snapshot } from "./cache/index.ts";
import { parseSchedulerConfig, type SchedulerConfig } from "./framework/config.ts";
import { type Diagnosis, fitErrorMessage, statusMessage } from "./framework/messages.ts";
import { buildProfiles } from "./framework/profile.ts";
import type { Registry } from "./framework/registry.ts";
import { Framework, isRejected, type NodePluginScores } from "./framework/runtime.ts";
import { type CycleState, type NodeInfo, type Status, status } from "./framework/types.ts";
import { WaitingPod, WaitingPods } from "./framework/waiting-pods.ts";
import { inTreeRegistry, type PluginHandle } from "./plugins/registry.ts";
import {
  AssignedPodAdd,
  AssignedPodDelete,
  AssignedPodUpdate,
  NodeAdd,
  NodeAllocatableChange,
  NodeLabelChange,
  NodeTaintChange,
} from "./queue/events.ts";
import type { QueuedPodInfo } from "./queue/queued-pod-info.ts";
import { PriorityQueue, QueueClosedError, type QueueMove } from "./queue/scheduling-queue.ts";
import { FitError, schedulePod } from "./schedule-pod.ts";

/** The profile kube-scheduler runs when given no configuration: every default plugin. */
export const DEFAULT_CONFIG = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
`;

export interface SchedulerOptions {
  informers: SharedInformerFactory;
  pods: ResourceClient<Pod>;
  recorder: EventRecorder;
  config?: SchedulerConfig;
  clock?: Clock;
  log?: (line: string) => void;
  /**
   * Plugins beyond the in-tree ones, registered beside them (kube-scheduler's
   * app.WithPlugin / out-of-tree registry); a profile enables them by name.
   */
  outOfTreeRegistry?: (handle: PluginHandle) => Registry;
  /** Told of each decision, for narration and tests. */
  onScheduled?: (pod: Pod, nodeName: string) => void;
  onFailed?: (pod: Pod, message: string) => void;
  /** Told what each cycle saw: Filter's verdict per node, the scores per plugin, the outcome. */
  onCycle?: (trace: CycleTrace) => void;
  /** Told of every move in the scheduling queue (which sub-queue, and why). */
  onQueue?: (move: QueueMove) => void;
}

/** One scheduling cycle, as kube-scheduler would log it at high verbosity. */
export interface CycleTrace {
  cycle: number;
  pod: Pod;
  schedulerName: string;
  /** Nodes every Filter accepted. */
  feasible: string[];
  /** Nodes a Filter rejected, with the status (its plugin and reasons). */
  rejected: Map<string, Status>;
  /** Each feasible node's weighted score per Score plugin; empty when nothing was scored. */
  scores: NodePluginScores[];
  /** The node chosen, or why none was (FailedScheduling's message) and preemption's nomination. */
  host?: string;
  failure?: string;
  nominatedNodeName?: string;
}

const isAssigned = (pod: Pod) => Boolean(pod.spec.nodeName);
const isTerminal = (pod: Pod) =>
  pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

export class Scheduler {
  readonly queue: PriorityQueue;
  readonly cache: SchedulerCache;
  private readonly snapshot = new Snapshot();
  private readonly frameworks: Map<string, Framework>;
  private readonly clock: Clock;
  private nextStartNodeIndex = 0;
  private stopped = false;
  private readonly config: SchedulerConfig;
  /** Pods a Permit plugin holds; their binding cycles wait on them. Shared by every profile. */
  readonly waitingPods = new WaitingPods();

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? realClock;
    this.config = options.config ?? parseSchedulerConfig(DEFAULT_CONFIG);
    this.queue = new PriorityQueue({
      clock: this.clock,
      podInitialBackoffMs: this.config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: this.config.podMaxBackoffSeconds * 1000,
      // The profiles are built below; the queue asks only once pods arrive.
      preEnqueue: (pod) => this.frameworkFor(pod)?.runPreEnqueuePlugins(pod) ?? status("Success"),
      onMove: options.onQueue,
    });
    this.cache = new SchedulerCache({ clock: this.clock });
    const handle: PluginHandle = {
      nodeInfos: () => this.snapshot.nodeInfos(),
      havePodsWithAffinityList: () => this.snapshot.havePodsWithAffinityList(),
      havePodsWithRequiredAntiAffinityList: () =>
        this.snapshot.havePodsWithRequiredAntiAffinityList(),
      waitingPods: this.waitingPods,
      ...this.listers(options.informers),
      bind: (namespace, name, binding) =>
        options.pods.in(namespace).createSubresource(name, "binding", binding as never),
      preemption: {
        // The preemptor's own profile runs the simulation, as its framework would in Kubernetes.
        runFilterPlugins: (state, pod, node) =>
          this.frameworkFor(pod)?.runFilterPluginsWithNominatedPods(state, pod, node) ??
          noProfile(pod),
        runPreFilterExtensionAddPod: (state, pod, other, node) =>
          this.frameworkFor(pod)?.runPreFilterExtensionAddPod(state, pod, other, node) ??
          noProfile(pod),
        runPreFilterExtensionRemovePod: (state, pod, other, node) =>
          this.frameworkFor(pod)?.runPreFilterExtensionRemovePod(state, pod, other, node) ??
          noProfile(pod),
        preemptPod: (victim, preemptor, nodeName) => this.preemptPod(victim, preemptor, nodeName),
        now: () => this.clock.now(),
      },
    };
    const registry = inTreeRegistry(handle);
    if (options.outOfTreeRegistry) registry.merge(options.outOfTreeRegistry(handle));
    const profiles = buildProfiles(this.config, registry);
    this.frameworks = new Map(
      [...profiles].map(([name, profile]) => [name, new Framework(profile, this.queue.nominator)]),
    );
    this.wire();
  }

  // #region listers
  /**
   * What plugins read beyond pods and nodes, from this scheduler's own informers: namespaces (for
   * namespaceSelector in pod affinity) and the Services and ReplicaSets that select a pod (for
   * PodTopologySpread's default constraints). Kubernetes also reads ReplicationControllers and
   * StatefulSets there; tinykube has neither.
   */
  private listers(informers: SharedInformerFactory): Pick<PluginHandle, "namespaces" | "groups"> {
    const namespaces = informers.informerFor<Namespace>("namespaces");
    const services = informers.informerFor<Service>("services");
    const replicaSets = informers.informerFor<ReplicaSet>("apps/replicasets");
    return {
      namespaces: { list: () => namespaces.indexer.list() },
      groups: {
        serviceSelectors: (namespace) =>
          services.indexer.byIndex(NAMESPACE_INDEX, namespace).map((s) => s.spec?.selector),
        replicaSetSelector: (namespace, name) =>
          replicaSets.indexer.get(`${namespace}/${name}`)?.spec.selector,
      },
    };
  }
  // #endregion listers

  // #region eventHandlers
  /** eventhandlers.go: unassigned pods of our profiles → queue; assigned pods and nodes → cache. */
  private wire(): void {
    const pods = this.options.informers.informerFor<Pod>("pods");
    const nodes = this.options.informers.informerFor<Node>("nodes");
    const ours = (pod: Pod) =>
      this.frameworks.has((pod.spec.schedulerName as string | undefined) ?? "default-scheduler");
    pods.addEventHandler({
      onAdd: (pod) => {
        if (isAssigned(pod)) {
          this.cache.addPod(pod);
          this.queue.moveAllToActiveOrBackoffQueue(AssignedPodAdd);
        } else if (ours(pod) && !isTerminal(pod)) this.queue.add(pod);
      },
      onUpdate: (old, pod) => {
        if (isAssigned(pod)) {
          if (isAssigned(old)) this.cache.updatePod(old, pod);
          else {
            this.queue.delete(old);
            this.cache.addPod(pod);
          }
          this.queue.moveAllToActiveOrBackoffQueue(AssignedPodUpdate);
        } else if (ours(pod) && !isTerminal(pod)) this.queue.update(old, pod);
      },
      onDelete: (obj) => {
        const pod = unwrapTombstone(obj);
        if (isAssigned(pod)) {
          this.cache.removePod(pod);
          this.queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete);
        } else {
          this.queue.delete(pod);
          // A pod deleted while a Permit plugin holds it is rejected (Kubernetes' RejectWaitingPod).
          this.waitingPods.reject(pod.metadata.uid ?? "", "", "removed");
        }
      },
    });
    nodes.addEventHandler({
      onAdd: (node) => {
        this.cache.addNode(node);
        this.queue.moveAllToActiveOrBackoffQueue(NodeAdd);
      },
      onUpdate: (old, node) => {
        this.cache.updateNode(old, node);
        if (JSON.stringify(old.status?.allocatable) !== JSON.stringify(node.status?.allocatable)) {
          this.queue.moveAllToActiveOrBackoffQueue(NodeAllocatableChange);
        }
        if (JSON.stringify(old.metadata.labels) !== JSON.stringify(node.metadata.labels)) {
          this.queue.moveAllToActiveOrBackoffQueue(NodeLabelChange);
        }
        if (JSON.stringify(old.spec) !== JSON.stringify(node.spec))
          this.queue.moveAllToActiveOrBackoffQueue(NodeTaintChange);
      },
      onDelete: (obj) => this.cache.removeNode(unwrapTombstone(obj)),
    });
  }
  // #endregion eventHandlers

  /** Schedules until stopped. Start the informers and wait for their sync first. */
  async run(): Promise<void> {
    this.queue.run();
    const cleanup = this.cache.run();
    try {
      while (!this.stopped) {
        let info: QueuedPodInfo;
        try {
          info = await this.queue.pop();
        } catch (error) {
          if (error instanceof QueueClosedError) return;
          throw error;
        }
        await this.scheduleOne(info, this.queue.schedulingCycle);
        // A cycle never waits on I/O, and a busy queue's pop resolves at once: without a turn of
        // the event loop here, bindings and watch events would wait until the queue is empty
        // (kube-scheduler's loop is a goroutine beside them).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      cleanup.stop();
    }
  }

  stop(): void {
    this.stopped = true;
    this.queue.close();
    // Waiting binding cycles end now rather than when their timers would have.
    this.waitingPods.iterate((wp) => wp.reject("", "scheduler is stopping"));
  }

  // #region scheduleOne
  async scheduleOne(info: QueuedPodInfo, cycle: number): Promise<void> {
    const pod = info.pod;
    const schedulerName = (pod.spec.schedulerName as string | undefined) ?? "default-scheduler";
    const framework = this.frameworks.get(schedulerName);
    // skipPodSchedule: deleted, or already assumed or bound by a cycle of ours (an update
    // queued it again meanwhile).
    if (!framework || pod.metadata.deletionTimestamp || this.cache.getPod(pod)) {
      this.queue.done(pod);
      return;
    }
    this.cache.updateSnapshot(this.snapshot);
    let host: string;
    let state: CycleState;
    try {
      const { result, nextStartNodeIndex } = schedulePod({
        framework,
        pod,
        nodes: this.snapshot.nodeInfos(),
        nextStartNodeIndex: this.nextStartNodeIndex,
        percentageOfNodesToScore: this.config.percentageOfNodesToScore,
      });
      this.nextStartNodeIndex = nextStartNodeIndex;
      host = result.suggestedHost;
      state = result.state;
      this.options.onCycle?.({ cycle, pod, schedulerName, ...result.trace, host });
    } catch (error) {
      const trace = (failure: string, nominatedNodeName?: string) =>
        this.options.onCycle?.({
          cycle,
          pod,
          schedulerName,
          feasible: [],
          rejected: error instanceof FitError ? error.diagnosis.nodeToStatus : new Map(),
          scores: [],
          failure,
          nominatedNodeName,
        });
      if (!(error instanceof FitError)) {
        trace(messageOf(error));
        await this.failed(info, cycle, messageOf(error), new Set());
        return;
      }
      const plugins = error.diagnosis.unschedulablePlugins ?? new Set<string>();
      if (!framework.hasPostFilterPlugins()) {
        trace(error.message);
        await this.failed(info, cycle, error.message, plugins);
        return;
      }
      // Preemption. Even when it nominates a node the pod is not bound in this cycle: the
      // failure is still recorded, with the nomination, and the pod waits for its victims to go.
      // The failed cycle's state goes with it: the Filters the simulation re-runs read PreFilter's data.
      const nodes = this.snapshot.nodeInfos();
      const post = await framework.runPostFilterPlugins(
        error.state,
        pod,
        nodeToStatus(error.diagnosis, nodes),
      );
      error.diagnosis.postFilterMsg = statusMessage(post.status);
      trace(fitErrorMessage(error.diagnosis), post.nominatedNodeName);
      await this.failed(
        info,
        cycle,
        fitErrorMessage(error.diagnosis),
        plugins,
        post.nominatedNodeName,
      );
      return;
    }
    // Assume: the cache counts the pod on `host` now; the informer's update confirms it later.
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName: host } };
    try {
      this.cache.assumePod(assumed);
    } catch (error) {
      // Kubernetes treats a failed assume as a scheduling error, not a crash.
      await this.failed(info, cycle, messageOf(error), new Set());
      return;
    }
    // It has a node now: its nomination, if any, no longer holds room elsewhere.
    this.queue.nominator.deleteNominatedPodIfExists(assumed);
    const reserve = framework.runReservePluginsReserve(state, assumed, host);
    if (reserve.code !== "Success") {
      framework.runReservePluginsUnreserve(state, assumed, host);
      this.forget(assumed);
      await this.failed(info, cycle, failureMessage(host, reserve), rejectedBy(reserve));
      return;
    }
    // Permit: allow, refuse, or hold the pod; a held pod waits in its binding cycle.
    const permit = framework.runPermitPlugins(state, assumed, host);
    if (permit.status.code !== "Success" && permit.status.code !== "Wait") {
      framework.runReservePluginsUnreserve(state, assumed, host);
      this.forget(assumed);
      await this.failed(
        info,
        cycle,
        failureMessage(host, permit.status),
        rejectedBy(permit.status),
      );
      return;
    }
    if (permit.status.code === "Wait") {
      const uid = assumed.metadata.uid ?? "";
      this.waitingPods.add(new WaitingPod(uid, assumed, host, permit.waitTimeoutsMs, this.clock));
    }
    // The binding cycle runs beside the next scheduling cycles (Kubernetes: a goroutine).
    void this.bind(framework, state, info, cycle, assumed, host);
  }
  // #endregion scheduleOne

  // #region bindingCycle
  /**
   * The binding cycle (bindingCycle in schedule_one.go), started without waiting for it:
   *   1. WaitOnPermit: if a Permit plugin holds the pod, wait until it is allowed or rejected.
   *   2. PreBind, then Bind: DefaultBinder POSTs pods/binding, and the API server sets
   *      spec.nodeName — step ⑥, the binding stored in etcd.
   *   3. finishBinding (starts the assumed pod's expiry, if a TTL is set: by default, as in
   *      current Kubernetes, it never expires and only the watch event confirms it); PostBind;
   *      the Scheduled event.
   * Any failure undoes Reserve and the assumption and sends the pod back to the queue.
   */
  private async bind(
    framework: Framework,
    state: CycleState,
    info: QueuedPodInfo,
    cycle: number,
    assumed: Pod,
    host: string,
  ): Promise<void> {
    // WaitOnPermit: a pod a Permit plugin holds waits here, off the scheduling loop.
    const uid = assumed.metadata.uid ?? "";
    const waiting = this.waitingPods.get(uid);
    if (waiting) {
      const outcome = await waiting.wait();
      this.waitingPods.remove(uid);
      if (outcome.code !== "Success") {
        await this.bindingFailed(framework, state, info, cycle, assumed, host, outcome);
        return;
      }
    }
    let result = await framework.runPreBindPlugins(state, assumed, host);
    if (result.code === "Success") result = await framework.runBindPlugins(state, assumed, host);
    if (result.code !== "Success") {
      await this.bindingFailed(framework, state, info, cycle, assumed, host, result);
      return;
    }
    this.cache.finishBinding(assumed);
    this.queue.done(info.pod);
    framework.runPostBindPlugins(state, assumed, host);
    const ns = assumed.metadata.namespace;
    this.options.recorder.event(
      assumed as KubeObject,
      "Normal",
      "Scheduled",
      `Successfully assigned ${ns}/${assumed.metadata.name} to ${host}`,
    );
    this.options.onScheduled?.(assumed, host);
  }
  // #endregion bindingCycle

  // #region bindingFailed
  /**
   * handleBindingCycleError: undo Reserve and the assumption, record the failure, and — since
   * the pod's room on `host` is free again, as if an assigned pod had been deleted — give the
   * pods waiting in unschedulablePods their chance (all but this one, which just failed).
   */
  private async bindingFailed(
    framework: Framework,
    state: CycleState,
    info: QueuedPodInfo,
    cycle: number,
    assumed: Pod,
    host: string,
    result: Status,
  ): Promise<void> {
    framework.runReservePluginsUnreserve(state, assumed, host);
    this.forget(assumed);
    const message = isRejected(result)
      ? failureMessage(host, result)
      : `binding rejected: ${statusMessage(result)}`;
    await this.failed(info, cycle, message, rejectedBy(result));
    const uid = assumed.metadata.uid;
    this.queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete, (p) => p.metadata.uid !== uid);
  }
  // #endregion bindingFailed

  private frameworkFor(pod: Pod): Framework | undefined {
    return this.frameworks.get(
      (pod.spec.schedulerName as string | undefined) ?? "default-scheduler",
    );
  }

  // #region preemptPod
  /**
   * Evaluator.PreemptPod: mark the victim DisruptionTarget=True (reason PreemptionByScheduler),
   * DELETE it (Kubernetes deletes outright, not through the Eviction API, so PDBs only steer the
   * choice of victims), and record a Preempted event on it.
   * A victim already gone is not an error.
   */
  private async preemptPod(victim: Pod, preemptor: Pod, nodeName: string): Promise<void> {
    const pods = this.options.pods.in(victim.metadata.namespace);
    const name = victim.metadata.name as string;
    const schedulerName =
      (preemptor.spec.schedulerName as string | undefined) ?? "default-scheduler";
    // A victim still held by a Permit plugin is not bound yet: rejecting it frees its room.
    if (this.waitingPods.reject(victim.metadata.uid ?? "", "DefaultPreemption", "preempted")) {
      this.recordPreempted(victim, preemptor, nodeName);
      return;
    }
    try {
      await pods.patch(
        name,
        {
          status: {
            conditions: [
              {
                type: "DisruptionTarget",
                status: "True",
                reason: "PreemptionByScheduler",
                message: `${schedulerName}: preempting to accommodate a higher priority pod`,
                lastTransitionTime: metaTime(this.clock.now()),
              },
            ],
          },
        },
        "strategic",
        { subresource: "status" },
      );
      await pods.delete(name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    this.recordPreempted(victim, preemptor, nodeName);
  }
  // #endregion preemptPod

  private recordPreempted(victim: Pod, preemptor: Pod, nodeName: string): void {
    this.options.recorder.event(
      victim as KubeObject,
      "Normal",
      "Preempted",
      `Preempted by pod ${preemptor.metadata.uid} on node ${nodeName}`,
    );
  }

  /**
   * Undoes an assumption. When someone else bound the pod meanwhile, the cache already holds it
   * on that node and refuses; Kubernetes logs "scheduler cache ForgetPod failed" and goes on.
   */
  private forget(assumed: Pod): void {
    try {
      this.cache.forgetPod(assumed);
    } catch (error) {
      this.options.log?.(`[scheduler] scheduler cache ForgetPod failed: ${messageOf(error)}`);
    }
  }

  // #region handleSchedulingFailure
  /**
   * handleSchedulingFailure: a FailedScheduling event, the PodScheduled=False condition (reason
   * Unschedulable), and the pod back in the queue with the plugins that rejected it.
   */
  private async failed(
    info: QueuedPodInfo,
    cycle: number,
    message: string,
    plugins: Set<string>,
    nominatedNodeName?: string,
  ): Promise<void> {
    const pod = info.pod;
    // Preemption's nomination takes effect at once, before the status write comes back.
    if (nominatedNodeName !== undefined)
      this.queue.nominator.addNominatedPod(pod, nominatedNodeName);
    this.options.recorder.event(pod as KubeObject, "Warning", "FailedScheduling", message);
    this.options.onFailed?.(pod, message);
    info.unschedulablePlugins = plugins;
    try {
      this.queue.addUnschedulableIfNotPresent(info, cycle);
    } catch (error) {
      // Already queued again by an update while it was being scheduled: nothing to do.
      this.options.log?.(`[scheduler] ${messageOf(error)}`);
    }
    try {
      await this.options.pods.in(pod.metadata.namespace).patch(
        pod.metadata.name as string,
        {
          status: {
            // A nomination from preemption; "" clears an earlier one (NominatingMode Override).
            ...(nominatedNodeName === undefined
              ? {}
              : { nominatedNodeName: nominatedNodeName || null }),
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message,
                lastProbeTime: null,
                lastTransitionTime: metaTime(this.clock.now()),
              },
            ],
          },
        },
        "strategic",
        { subresource: "status" },
      );
    } catch (error) {
      // The pod may be gone meanwhile; the condition is only for people reading it.
      this.options.log?.(`[scheduler] could not record PodScheduled=False: ${messageOf(error)}`);
    }
  }
  // #endregion handleSchedulingFailure
}

// #region failureMessage
/**
 * The message of a failure after a node was chosen. A rejection by Reserve or Permit (also while
 * waiting) is, as in Kubernetes, a FitError over the one node tried: "0/1 nodes are available:
 * 1 rejected due to timeout after waiting 10s at plugin Gang."; an error is its own message.
 */
function failureMessage(host: string, s: Status): string {
  if (!isRejected(s)) return statusMessage(s);
  return fitErrorMessage({ numAllNodes: 1, nodeToStatus: new Map([[host, s]]) });
}
// #endregion failureMessage

const noProfile = (pod: Pod) =>
  status("Error", `no profile for scheduler ${String(pod.spec.schedulerName)}`);

/** The plugin that rejected the pod, for the queue to wait on its events; none for errors. */
function rejectedBy(s: Status): Set<string> {
  return isRejected(s) && s.plugin ? new Set([s.plugin]) : new Set();
}

/**
 * Every node's Filter verdict, for PostFilter: the nodes Filter never ran on (ruled out by a
 * PreFilter result, or by a PreFilter rejection) take the diagnosis' absent-node status, or
 * UnschedulableAndUnresolvable (Kubernetes' NodeToStatus default) when there is none.
 */
function nodeToStatus(diagnosis: Diagnosis, nodes: readonly NodeInfo[]): Map<string, Status> {
  const absent = diagnosis.absentNodesStatus ?? status("UnschedulableAndUnresolvable");
  return new Map(
    nodes.map((n) => {
      const name = n.node.metadata.name ?? "";
      return [name, diagnosis.nodeToStatus.get(name) ?? absent];
    }),
  );
}

export type { QueueMove } from "./queue/scheduling-queue.ts";
