/**
 * The taint eviction controller: deletes pods from nodes with NoExecute taints they do not
 * tolerate, at once or after their tolerationSeconds — kube-controller-manager's
 * pkg/controller/tainteviction/taint_eviction.go ("taint-eviction-controller", its own
 * controller since Kubernetes 1.29; before, the node lifecycle controller's "taint manager").
 * It does not care who tainted the node: the node lifecycle controller's
 * node.kubernetes.io/unreachable, or an administrator's own `kubectl taint ... :NoExecute`.
 *
 * Shape: node changes that touch NoExecute taints and pod changes that touch tolerations or the
 * node go on two queues; handling either decides, for each affected pod, one of: evict now,
 * evict at a time (a timer in the TimedWorkerQueue), or cancel a planned eviction.
 *
 * Guarantees:
 * - A pod that does not tolerate every NoExecute taint of its node is deleted at once.
 * - A pod that tolerates them all is deleted when the smallest tolerationSeconds of the
 *   tolerations used has passed, counted from when this controller first planned the eviction
 *   (not from the taint's timeAdded: a controller restart starts the count again, as in
 *   Kubernetes). A later, shorter deadline replaces a planned one; a longer one does not.
 * - Tolerations without tolerationSeconds tolerate forever: nothing is planned.
 * - When the node loses its NoExecute taints, is deleted, or the pod goes, the plan is cancelled
 *   (Event "TaintManagerEviction", "Cancelling deletion of Pod ns/name").
 * - Before deleting, the pod gets the condition DisruptionTarget=True (reason
 *   "DeletionByTaintManager"), and an Event "TaintManagerEviction", "Marking for deletion Pod
 *   ns/name", says why it went. The delete is an ordinary graceful one; a failed attempt is
 *   tried again, 5 times in all, 10 ms apart.
 *
 * Kubernetes spreads both queues over 8 workers by node name and lets a worker handle its
 * queued node updates before a pod update, so that a pod is judged against its node's latest
 * taints without locks racing. Here each update is handled synchronously in one JavaScript turn
 * (the API calls happen later, in the timed jobs), so one loop per queue gives the same result.
 */
import type { KubeObject } from "../../api/object.ts";
import type { Node, Pod, Taint, Toleration } from "../../api/types.ts";
import { deepEqual } from "../../api/validate/access.ts";
import type { EventRecorder } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import { NODE_NAME_INDEX, nodeNameIndexFunc, splitKey } from "../../client/indexer.ts";
import { type SharedIndexInformer, unwrapTombstone } from "../../client/informer.ts";
import type { ResourceClient } from "../../client/rest.ts";
import { Queue } from "../../client/workqueue/index.ts";
import { messageOf } from "../../util/errors.ts";
import type { Controller, ControllerContext } from "../context.ts";
import { sleep } from "../nodelifecycle/until.ts";
import { namespacedKey } from "../pods.ts";
import { updatePodCondition } from "./pod-condition.ts";
import { type TimedWork, TimedWorkerQueue } from "./timed-workers.ts";
import { matchingTolerations, minTolerationMs, noExecuteTaints } from "./tolerations.ts";

/** The controller's name in --controllers and the source of its events (names.TaintEvictionController). */
export const TAINT_EVICTION_CONTROLLER = "taint-eviction-controller";
/** deletePodHandler's attempts and the pause between them (taint_eviction.go `retries`). */
const DELETE_RETRIES = 5;
const DELETE_RETRY_PAUSE_MS = 10;

/** What a pod update carries: the pod and the node it was on (podUpdateItem). */
interface PodUpdate {
  namespace: string;
  name: string;
  nodeName: string;
}

export class TaintEvictionController implements Controller {
  readonly name = TAINT_EVICTION_CONTROLLER;
  private readonly nodes: SharedIndexInformer<Node>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly recorder: EventRecorder;
  /** Node names whose NoExecute taints changed, or that were added or deleted. */
  private readonly nodeQueue = new Queue<string>();
  /** JSON of a PodUpdate: the queue de-duplicates by value. */
  private readonly podQueue = new Queue<string>();
  /** Invariant: node name → its NoExecute taints, for every node in the cache that has some. */
  private readonly taintedNodes = new Map<string, Taint[]>();
  /** Planned deletions by "namespace/name". */
  private readonly evictions: TimedWorkerQueue;
  /** Aborted by stop(): ends the pauses between delete attempts. */
  private readonly stopping = new AbortController();

  // #region wiring
  constructor(private readonly ctx: ControllerContext) {
    this.podClient = ctx.client.resource<Pod>(builtinType("pods"));
    this.recorder = ctx.recorder(TAINT_EVICTION_CONTROLLER);
    this.evictions = new TimedWorkerQueue({
      clock: ctx.clock,
      work: (key) => this.deletePod(key),
      onError: (key, error) =>
        ctx.log(`[${this.name}] deleting pod ${key} failed: ${messageOf(error)}`),
    });
    this.nodes = ctx.informers.informerFor<Node>("nodes");
    this.pods = ctx.informers.informerFor<Pod>("pods");
    this.pods.indexer.ensureIndex(NODE_NAME_INDEX, nodeNameIndexFunc);
    this.pods.addEventHandler({
      onAdd: (pod) => this.podUpdated(undefined, pod),
      onUpdate: (old, pod) => this.podUpdated(old, pod),
      onDelete: (pod) => this.podUpdated(unwrapTombstone(pod), undefined),
    });
    this.nodes.addEventHandler({
      onAdd: (node) => this.nodeUpdated(undefined, node),
      onUpdate: (old, node) => this.nodeUpdated(old, node),
      onDelete: (node) => this.nodeUpdated(unwrapTombstone(node), undefined),
    });
  }

  /** PodUpdated: only a change of tolerations or node matters. */
  private podUpdated(old: Pod | undefined, pod: Pod | undefined): void {
    const current = (pod ?? old) as Pod;
    if (
      old &&
      pod &&
      old.spec.nodeName === pod.spec.nodeName &&
      deepEqual(old.spec.tolerations ?? [], pod.spec.tolerations ?? [])
    )
      return;
    const update: PodUpdate = {
      namespace: current.metadata.namespace ?? "",
      name: current.metadata.name ?? "",
      nodeName: current.spec.nodeName ?? "",
    };
    this.podQueue.add(JSON.stringify(update));
  }

  /** NodeUpdated: only a change of NoExecute taints matters. */
  private nodeUpdated(old: Node | undefined, node: Node | undefined): void {
    if (
      old &&
      node &&
      deepEqual(noExecuteTaints(old.spec?.taints), noExecuteTaints(node.spec?.taints))
    )
      return;
    this.nodeQueue.add(((node ?? old) as Node).metadata.name ?? "");
  }
  // #endregion wiring

  async run(workers: number): Promise<void> {
    const onError = (what: string) => (error: unknown) =>
      this.ctx.log(`[${this.name}] handling ${what} failed: ${messageOf(error)}`);
    const loops = Array.from({ length: workers }, () => [
      drain(this.nodeQueue, (name) => this.handleNodeUpdate(name), onError("node update")),
      drain(
        this.podQueue,
        (item) => this.handlePodUpdate(JSON.parse(item) as PodUpdate),
        onError("pod update"),
      ),
    ]).flat();
    await Promise.all(loops);
    await this.evictions.cancelAll();
  }

  stop(): void {
    this.stopping.abort();
    this.nodeQueue.shutDown();
    this.podQueue.shutDown();
  }

  /** The deletions planned and not yet started, by "namespace/name" (narration, tests). */
  scheduledEvictions(): Map<string, TimedWork> {
    return this.evictions.scheduled();
  }

  // #region handleNodeUpdate
  /**
   * 1. Record the node's NoExecute taints (before reading its pods: a pod update handled later
   *    must find them).
   * 2. No pods on it → done. No taints → cancel every plan for its pods.
   * 3. Otherwise judge each pod against the taints, all with the same `now`.
   */
  private handleNodeUpdate(nodeName: string): void {
    const node = this.nodes.indexer.get(nodeName);
    if (!node) {
      this.taintedNodes.delete(nodeName);
      return;
    }
    const taints = noExecuteTaints(node.spec?.taints);
    if (taints.length === 0) this.taintedNodes.delete(nodeName);
    else this.taintedNodes.set(nodeName, taints);
    const pods = this.pods.indexer.byIndex(NODE_NAME_INDEX, nodeName);
    if (pods.length === 0) return;
    if (taints.length === 0) {
      for (const pod of pods) this.cancelWithEvent(keyOfPod(pod));
      return;
    }
    const now = this.ctx.clock.now();
    for (const pod of pods)
      this.processPodOnNode(keyOfPod(pod), pod.spec.tolerations ?? [], taints, now);
  }
  // #endregion handleNodeUpdate

  /** A pod was added, changed node or tolerations, or went: judge it against its node's taints. */
  private handlePodUpdate(update: PodUpdate): void {
    const key = namespacedKey(update.namespace, update.name);
    const pod = this.pods.indexer.get(key);
    if (!pod) {
      this.cancelWithEvent(key);
      return;
    }
    // The update was queued for another node; the update for the current one will follow.
    if (pod.spec.nodeName !== update.nodeName || !update.nodeName) return;
    const taints = this.taintedNodes.get(update.nodeName);
    // Not tainted (or gone): any plan was cancelled when its taints went.
    if (!taints) return;
    this.processPodOnNode(key, pod.spec.tolerations ?? [], taints, this.ctx.clock.now());
  }

  // #region processPodOnNode
  /**
   * 1. Not every taint tolerated → cancel any plan and delete now.
   * 2. Tolerated forever → cancel any plan.
   * 3. Otherwise the pod may stay `min` ms from now. A plan that already exists is kept if
   *    createdAt + min < now + min — that is, whenever it was made before this instant — and
   *    replaced by (now, now + min) otherwise.
   *
   * Worked example: at t=0 the node gets unreachable:NoExecute and the pod tolerates it for
   * 300 s: planned (created 0, due 300). At t=100 its toleration is changed to 60 s: 0 + 60 <
   * 100 + 60, so the plan stands and the pod still goes at t=300; changed to 600 s instead, it
   * also goes at t=300. Only another look in the same instant (a node update and a pod update
   * handled at one clock reading) replaces a plan. A toleration that no longer matches, or one
   * without tolerationSeconds, is different: steps 1 and 2 act on it at once.
   */
  private processPodOnNode(
    key: string,
    tolerations: readonly Toleration[],
    taints: readonly Taint[],
    now: number,
  ): void {
    if (taints.length === 0) this.cancelWithEvent(key);
    const match = matchingTolerations(taints, tolerations);
    if (!match.allTolerated) {
      this.cancelWithEvent(key);
      this.evictions.addWork(key, now, now);
      return;
    }
    const min = minTolerationMs(match.used);
    if (min === Number.POSITIVE_INFINITY) {
      this.cancelWithEvent(key);
      return;
    }
    let createdAt = now;
    const planned = this.evictions.get(key);
    if (planned) {
      createdAt = planned.createdAt;
      if (createdAt + min < now + min) return;
      this.cancelWithEvent(key);
    }
    this.evictions.addWork(key, createdAt, now + min);
  }
  // #endregion processPodOnNode

  private cancelWithEvent(key: string): void {
    if (this.evictions.cancelWork(key))
      this.recorder.event(
        podRef(key),
        "Normal",
        "TaintManagerEviction",
        `Cancelling deletion of Pod ${key}`,
      );
  }

  // #region deletePod
  /**
   * deletePodHandler: the Event first, then up to 5 attempts of: read the pod, add
   * DisruptionTarget=True through the status subresource if it is not there yet, delete.
   */
  private async deletePod(key: string): Promise<void> {
    this.ctx.log(`[${this.name}] deleting pod ${key}`);
    this.recorder.event(
      podRef(key),
      "Normal",
      "TaintManagerEviction",
      `Marking for deletion Pod ${key}`,
    );
    let lastError: unknown;
    for (let attempt = 1; attempt <= DELETE_RETRIES; attempt++) {
      try {
        await this.addConditionAndDeletePod(key);
        return;
      } catch (error) {
        lastError = error;
        if (attempt === DELETE_RETRIES) break;
        if (!(await sleep(this.ctx.clock, DELETE_RETRY_PAUSE_MS, this.stopping.signal))) break;
      }
    }
    throw lastError;
  }

  private async addConditionAndDeletePod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pods = this.podClient.in(namespace);
    const pod = await pods.get(name);
    const { conditions, changed } = updatePodCondition(
      pod.status?.conditions ?? [],
      {
        type: "DisruptionTarget",
        status: "True",
        reason: "DeletionByTaintManager",
        message: "Taint manager: deleting due to NoExecute taint",
      },
      this.ctx.clock.now(),
    );
    if (changed) {
      // The uid makes the patch apply to this pod only, not to a new one of the same name.
      const condition = conditions.find((c) => c.type === "DisruptionTarget");
      await pods.patch(
        name,
        { metadata: { uid: pod.metadata.uid }, status: { conditions: [condition] } },
        "strategic",
        { subresource: "status" },
      );
    }
    await pods.delete(name);
  }
  // #endregion deletePod
}

/** Hands each item of the queue to `handle` until the queue shuts down. */
async function drain(
  queue: Queue<string>,
  handle: (item: string) => void,
  onError: (error: unknown) => void,
): Promise<void> {
  for (;;) {
    const item = await queue.get();
    if (item === undefined) return;
    try {
      handle(item);
    } catch (error) {
      onError(error);
    } finally {
      queue.done(item);
    }
  }
}

function keyOfPod(pod: Pod): string {
  return namespacedKey(pod.metadata.namespace, pod.metadata.name ?? "");
}

/** The Events' object reference: Kubernetes names the pod by namespace and name only. */
function podRef(key: string): KubeObject {
  const { namespace, name } = splitKey(key);
  return { apiVersion: "v1", kind: "Pod", metadata: { namespace, name } };
}
