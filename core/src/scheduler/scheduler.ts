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
 *   5. reserve, permit; then bind in the background (the binding cycle), and start the next cycle.
 * A failure records FailedScheduling and the PodScheduled=False condition, and puts the pod back
 * in the queue: to wait for a cluster event that may help, or for its backoff.
 *
 * Not yet: preemption (DefaultPreemption), leader election and `tinykube up` wiring, extenders.
 */
import type { KubeObject } from "../api/object.ts";
import type { Node, Pod } from "../api/types.ts";
import type { EventRecorder } from "../client/events.ts";
import type { SharedInformerFactory } from "../client/factory.ts";
import { unwrapTombstone } from "../client/informer.ts";
import type { ResourceClient } from "../client/rest.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { SchedulerCache, Snapshot } from "./cache/index.ts";
import { parseSchedulerConfig, type SchedulerConfig } from "./framework/config.ts";
import { statusMessage } from "./framework/messages.ts";
import { buildProfiles } from "./framework/profile.ts";
import { Framework } from "./framework/runtime.ts";
import type { CycleState } from "./framework/types.ts";
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
import { PriorityQueue, QueueClosedError } from "./queue/scheduling-queue.ts";
import { FitError, schedulePod } from "./schedule-pod.ts";

/** The profile kube-scheduler runs when given no configuration (preemption not written yet). */
export const DEFAULT_CONFIG = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    multiPoint:
      disabled:
      - name: DefaultPreemption
`;

export interface SchedulerOptions {
  informers: SharedInformerFactory;
  pods: ResourceClient<Pod>;
  recorder: EventRecorder;
  config?: SchedulerConfig;
  clock?: Clock;
  log?: (line: string) => void;
  /** Told of each decision, for narration and tests. */
  onScheduled?: (pod: Pod, nodeName: string) => void;
  onFailed?: (pod: Pod, message: string) => void;
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

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? realClock;
    this.config = options.config ?? parseSchedulerConfig(DEFAULT_CONFIG);
    this.queue = new PriorityQueue({ clock: this.clock });
    this.cache = new SchedulerCache({ clock: this.clock });
    const handle: PluginHandle = {
      nodeInfos: () => [...this.snapshot.nodeInfos()],
      bind: (namespace, name, binding) =>
        options.pods.in(namespace).createSubresource(name, "binding", binding as never),
    };
    const profiles = buildProfiles(this.config, inTreeRegistry(handle));
    this.frameworks = new Map(
      [...profiles].map(([name, profile]) => [name, new Framework(profile)]),
    );
    this.wire();
  }

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
        } else this.queue.delete(pod);
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
      }
    } finally {
      cleanup.stop();
    }
  }

  stop(): void {
    this.stopped = true;
    this.queue.close();
  }

  // #region scheduleOne
  async scheduleOne(info: QueuedPodInfo, cycle: number): Promise<void> {
    const pod = info.pod;
    const framework = this.frameworks.get(
      (pod.spec.schedulerName as string | undefined) ?? "default-scheduler",
    );
    if (!framework || pod.metadata.deletionTimestamp) {
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
        nodes: [...this.snapshot.nodeInfos()],
        nextStartNodeIndex: this.nextStartNodeIndex,
        percentageOfNodesToScore: this.config.percentageOfNodesToScore,
      });
      this.nextStartNodeIndex = nextStartNodeIndex;
      host = result.suggestedHost;
      state = result.state;
    } catch (error) {
      const plugins =
        error instanceof FitError
          ? (error.diagnosis.unschedulablePlugins ?? new Set<string>())
          : new Set<string>();
      await this.failed(info, cycle, messageOf(error), plugins);
      return;
    }
    // Assume: the cache counts the pod on `host` now; the informer's update confirms it later.
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName: host } };
    this.cache.assumePod(assumed);
    const reserve = framework.runReservePluginsReserve(state, assumed, host);
    if (reserve.code !== "Success") {
      framework.runReservePluginsUnreserve(state, assumed, host);
      this.cache.forgetPod(assumed);
      await this.failed(info, cycle, statusMessage(reserve), new Set());
      return;
    }
    // The binding cycle runs beside the next scheduling cycles (Kubernetes: a goroutine).
    void this.bind(framework, state, info, cycle, assumed, host);
  }
  // #endregion scheduleOne

  private async bind(
    framework: Framework,
    state: CycleState,
    info: QueuedPodInfo,
    cycle: number,
    assumed: Pod,
    host: string,
  ): Promise<void> {
    let result = await framework.runPreBindPlugins(state, assumed, host);
    if (result.code === "Success") result = await framework.runBindPlugins(state, assumed, host);
    if (result.code !== "Success") {
      framework.runReservePluginsUnreserve(state, assumed, host);
      this.cache.forgetPod(assumed);
      await this.failed(info, cycle, `binding rejected: ${statusMessage(result)}`, new Set());
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

  /**
   * handleSchedulingFailure: a FailedScheduling event, the PodScheduled=False condition (reason
   * Unschedulable), and the pod back in the queue with the plugins that rejected it.
   */
  private async failed(
    info: QueuedPodInfo,
    cycle: number,
    message: string,
    plugins: Set<string>,
  ): Promise<void> {
    const pod = info.pod;
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
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message,
                lastProbeTime: null,
                lastTransitionTime: new Date(this.clock.now())
                  .toISOString()
                  .replace(/\.\d{3}Z$/, "Z"),
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
}
