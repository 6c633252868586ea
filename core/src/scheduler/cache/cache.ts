/**
 * The scheduler's own picture of the cluster: every node with the pods on it, including pods the
 * scheduler has placed but the API server has not yet confirmed — kube-scheduler's cacheImpl
 * (pkg/scheduler/backend/cache/cache.go).
 *
 * Why it exists: binding is slow (an API call) and runs asynchronously, while the next pod is
 * scheduled at once. If the scheduler waited for the informer to report the binding, it would
 * place the next pod on a node whose CPU it believes free but has just promised away. So it
 * *assumes*: the pod counts on its node the moment the scheduling cycle decides.
 *
 * A pod's states (interface.go's state machine):
 *
 *              assumePod             addPod (informer)
 *   Initial ─────────────▶ Assumed ─────────────────▶ Added ──removePod──▶ Deleted
 *                             │ forgetPod (binding failed)   ▲ updatePod ┘
 *                             │ or expiry (finishBinding + TTL; TTL 0 = never)
 *                             ▼
 *                          Initial ──addPod (informer)──▶ Added
 *
 * Guarantees:
 * - A pod is counted on exactly one NodeInfo, once, whatever order events arrive in; each
 *   NodeInfo's `requested` is the sum of its pods' requests.
 * - Pods that arrive before their node are kept on an "imaginary" NodeInfo under the node's name;
 *   a deleted node with pods stays as a "ghost" until its pods are deleted too (pod and node
 *   events come from different watches, so either may be seen first). Neither appears in
 *   snapshots.
 * - Every change to a node's NodeInfo gives it a new, higher generation and moves it to the front
 *   of a recency list, so updateSnapshot copies only what changed since the last snapshot.
 *
 * Trace (TTL 0, nodes n1 and n2 known):
 *   assumePod(p on n1)      n1: [p]  p Assumed      the next cycle already sees p's CPU used
 *   finishBinding(p)        n1: [p]  deadline none  (TTL 0: an assumed pod never expires)
 *   addPod(p on n2)         n2: [p]  p Added        the informer wins: p moves to n2
 *   removePod(p)            n2: []   p gone
 */
import type { Node, Pod } from "../../api/types.ts";
import type { Clock, Timer } from "../../util/clock.ts";
import {
  newNodeInfo,
  addPod as nodeInfoAddPod,
  removePod as nodeInfoRemovePod,
} from "../framework/node-info.ts";
import type { NodeInfo } from "../framework/types.ts";
import { CacheError } from "./errors.ts";
import { NodeTree } from "./node-tree.ts";
import { type ListItem, RecencyList } from "./recency-list.ts";
import { cloneNodeInfo, type Snapshot } from "./snapshot.ts";
import { type CachedNode, type SnapshotSource, updateSnapshot } from "./update-snapshot.ts";

/**
 * How long an assumed pod may stay unconfirmed after its binding finished: 0, never expire, as
 * kube-scheduler's durationToExpireAssumedPod (pkg/scheduler/scheduler.go). It was 30s until
 * kubernetes#106361: on a busy API server the informer's event for a bound pod could come later
 * than that, the cache dropped the pod's resources while the pod ran, and the node was
 * overcommitted. It was raised (15 min, kubernetes#106412), then set to 0; kubernetes PR #136204
 * (2026) removed the TTL and finishBinding altogether. tinykube keeps them, configurable, to show
 * the mechanism.
 */
export const DEFAULT_ASSUMED_POD_TTL_MS = 0;

/** How often run() looks for expired assumed pods: cleanAssumedPeriod in cache.go. */
export const CLEAN_ASSUMED_PERIOD_MS = 1000;

export interface SchedulerCacheOptions {
  clock: Clock;
  /** Assumed-pod TTL after finishBinding; 0 (the default) means assumed pods never expire. */
  assumedPodTtlMs?: number;
}

interface PodState {
  pod: Pod;
  /** When an assumed pod expires; undefined = never (binding still running, or TTL 0). */
  deadline: number | undefined;
  /** Set by finishBinding: a pod is never expired while its binding is still in flight. */
  bindingFinished: boolean;
}

export interface CacheDump {
  /** A copy of every NodeInfo the cache holds, imaginary and ghost ones included. */
  nodes: Map<string, NodeInfo>;
  /** Names of the nodes among `nodes` whose Node object the cache does not hold. */
  nodesWithoutNode: Set<string>;
  /** UIDs of the assumed pods. */
  assumedPods: Set<string>;
}

export class SchedulerCache {
  private readonly clock: Clock;
  private readonly ttlMs: number;
  /** Pod UID → state. Holds exactly the pods counted on some entry's NodeInfo. */
  private readonly podStates = new Map<string, PodState>();
  /** UIDs of the assumed pods; a subset of podStates' keys. */
  private readonly assumedPods = new Set<string>();
  /** Node name → its list item; an entry exists iff its node is known or it has pods. */
  private readonly nodes = new Map<string, ListItem<CachedNode>>();
  /** All entries, the most recently changed first. */
  private readonly recency = new RecencyList<CachedNode>();
  /** Nodes the cache holds a Node object for, in scheduling order. Ghosts are not in it. */
  private readonly nodeTree = new NodeTree();
  /** The last generation handed out (Kubernetes' nextGeneration counter). */
  private generation = 0;
  /** The cache as updateSnapshot sees it. */
  private readonly snapshotSource: SnapshotSource = {
    byRecency: () => this.recency.values(),
    hasNode: (name) => this.nodes.get(name)?.value.node !== undefined,
    nodeOrder: () => this.nodeTree.list(),
    nodeCount: () => this.nodeTree.numNodes,
    entryCount: () => this.nodes.size,
  };

  constructor(options: SchedulerCacheOptions) {
    this.clock = options.clock;
    this.ttlMs = options.assumedPodTtlMs ?? DEFAULT_ASSUMED_POD_TTL_MS;
    if (!(this.ttlMs >= 0)) {
      throw new RangeError(`assumedPodTtlMs must be >= 0 (0 = never expire), got ${this.ttlMs}`);
    }
  }

  // #region assumePod
  /**
   * Counts `pod` (its spec.nodeName set by the scheduling cycle) on its node before the binding
   * is written, so the next cycle sees the node's resources as taken.
   */
  assumePod(pod: Pod): void {
    const key = podKey(pod);
    if (!pod.spec.nodeName) {
      throw new CacheError(
        "MissingNodeName",
        `pod ${describe(pod)} has no spec.nodeName to assume`,
      );
    }
    if (this.podStates.has(key)) {
      throw new CacheError(
        "AlreadyInCache",
        `pod ${describe(pod)} is in the cache, so can't be assumed`,
      );
    }
    this.addPodToNode(pod, true);
  }
  // #endregion assumePod

  /** The binding call returned: from now on the assumed pod may expire (if the TTL is not 0). */
  finishBinding(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (!state || !this.assumedPods.has(key)) return;
    state.deadline = this.ttlMs === 0 ? undefined : this.clock.now() + this.ttlMs;
    state.bindingFinished = true;
  }

  // #region forgetPod
  /** The binding failed (or a later extension point rejected the pod): undo assumePod. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (state && state.pod.spec.nodeName !== pod.spec.nodeName) {
      throw new CacheError(
        "NodeMismatch",
        `pod ${describe(pod)} was assumed on ${pod.spec.nodeName} but assigned to ${state.pod.spec.nodeName}`,
      );
    }
    if (!state || !this.assumedPods.has(key)) {
      throw new CacheError(
        "NotAssumed",
        `pod ${describe(pod)} wasn't assumed so cannot be forgotten`,
      );
    }
    this.removePodFromNode(pod);
  }
  // #endregion forgetPod

  // #region addPod
  /**
   * The informer saw a bound pod. An assumed pod becomes added — on the node the informer reports,
   * which wins if it differs from the assumed one. A pod the cache does not hold (its assumption
   * expired, the scheduler restarted, or another scheduler bound it) is added.
   */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (state && this.assumedPods.has(key)) {
      // Replace the assumed copy with the API's: same node or not, remove then add.
      this.replacePod(state.pod, pod);
    } else if (!state) {
      this.addPodToNode(pod, false);
    } else {
      throw new CacheError("AlreadyAdded", `pod ${describe(pod)} was already in added state`);
    }
  }
  // #endregion addPod

  /** The informer saw an added pod change (labels, status); it cannot change node. */
  updatePod(oldPod: Pod, newPod: Pod): void {
    const key = podKey(oldPod);
    const state = this.podStates.get(key);
    if (!state) {
      throw new CacheError(
        "NotInCache",
        `pod ${describe(oldPod)} is not added to scheduler cache, so cannot be updated`,
      );
    }
    if (this.assumedPods.has(key)) {
      // An assumed pod gets an add event before any update, which makes it added.
      throw new CacheError(
        "AssumedNotUpdatable",
        `assumed pod ${describe(oldPod)} should not be updated`,
      );
    }
    if (state.pod.spec.nodeName !== newPod.spec.nodeName) {
      throw new CacheError(
        "Corrupted",
        `pod ${describe(oldPod)} updated on node "${newPod.spec.nodeName}" but cached on "${state.pod.spec.nodeName}"`,
      );
    }
    this.replacePod(oldPod, newPod);
  }

  /** The informer saw a pod deleted. */
  removePod(pod: Pod): void {
    const key = podKey(pod);
    const state = this.podStates.get(key);
    if (!state) {
      throw new CacheError(
        "NotInCache",
        `pod ${describe(pod)} is not found in scheduler cache, so cannot be removed from it`,
      );
    }
    // An empty nodeName is legitimate: after a missed delete the informer hands over the last state
    // it knew (DeletedFinalStateUnknown), possibly from before the binding. Remove the cached copy.
    if (state.pod.spec.nodeName !== pod.spec.nodeName && pod.spec.nodeName) {
      throw new CacheError(
        "Corrupted",
        `pod ${describe(pod)} removed from node "${pod.spec.nodeName}" but cached on "${state.pod.spec.nodeName}"`,
      );
    }
    this.removePodFromNode(state.pod);
  }

  isAssumedPod(pod: Pod): boolean {
    return this.assumedPods.has(podKey(pod));
  }

  /** The cached copy of a pod, also when its node was deleted. */
  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(podKey(pod))?.pod;
  }

  addNode(node: Node): void {
    const item = this.entryFor(nameOf(node));
    this.touch(item);
    this.nodeTree.addNode(node);
    this.setNode(item.value, node);
  }

  updateNode(oldNode: Node | undefined, newNode: Node): void {
    const name = nameOf(newNode);
    // As cache.go: a node first seen in an update joins the tree here; one the cache already has
    // an entry for is moved between zones by nodeTree.updateNode.
    if (!this.nodes.has(name)) this.nodeTree.addNode(newNode);
    const item = this.entryFor(name);
    this.touch(item);
    this.nodeTree.updateNode(oldNode, newNode);
    this.setNode(item.value, newNode);
  }

  /**
   * The node is gone from the API. Its pods' delete events come through another watch and may
   * still be on their way, so a node with pods stays as a ghost until the last one is removed.
   */
  removeNode(node: Node): void {
    const name = nameOf(node);
    const item = this.nodes.get(name);
    // An imaginary entry (pods only) has no Node to remove either; Kubernetes reports that one
    // from its node tree ("node ... was not found"), after the same no-op on the entry.
    if (!item?.value.node) throw new CacheError("NodeNotFound", `node "${name}" is not found`);
    item.value.node = undefined;
    if (item.value.info.pods.length === 0) this.dropEntry(item);
    else this.touch(item);
    this.nodeTree.removeNode(node);
  }

  /** Expires assumed pods whose binding finished more than the TTL ago (never with TTL 0). */
  cleanupExpiredAssumedPods(now: number = this.clock.now()): void {
    for (const key of [...this.assumedPods]) {
      const state = this.podStates.get(key);
      if (!state) throw new Error(`scheduler cache: assumed pod ${key} has no state (a cache bug)`);
      // A pod still binding is never expired: expiring it would free resources the binding is
      // about to use.
      if (!state.bindingFinished) continue;
      if (this.ttlMs !== 0 && state.deadline !== undefined && now > state.deadline) {
        this.removePodFromNode(state.pod);
      }
    }
  }

  /** Runs cleanupExpiredAssumedPods every CLEAN_ASSUMED_PERIOD_MS until the returned stop(). */
  run(): { stop(): void } {
    let timer: Timer | undefined;
    const tick = () => {
      this.cleanupExpiredAssumedPods();
      timer = this.clock.setTimeout(tick, CLEAN_ASSUMED_PERIOD_MS);
    };
    timer = this.clock.setTimeout(tick, CLEAN_ASSUMED_PERIOD_MS);
    return { stop: () => timer?.cancel() };
  }

  /**
   * Brings `snapshot` up to date at the start of a scheduling cycle, copying only the NodeInfos
   * changed since its last update (see update-snapshot.ts).
   */
  updateSnapshot(snapshot: Snapshot): void {
    updateSnapshot(this.snapshotSource, snapshot);
  }

  /** A copy of the whole cache for debugging (kube-scheduler dumps it on SIGUSR2). */
  dump(): CacheDump {
    const nodes = new Map<string, NodeInfo>();
    const nodesWithoutNode = new Set<string>();
    for (const [name, item] of this.nodes) {
      nodes.set(name, cloneNodeInfo(item.value.info));
      if (!item.value.node) nodesWithoutNode.add(name);
    }
    return { nodes, nodesWithoutNode, assumedPods: new Set(this.assumedPods) };
  }

  /** Entries, imaginary and ghost ones included (NodeCount: tests only). */
  nodeCount(): number {
    return this.nodes.size;
  }

  /** Pods counted on any entry (PodCount: tests only). */
  podCount(): number {
    let count = 0;
    for (const item of this.nodes.values()) count += item.value.info.pods.length;
    return count;
  }

  private addPodToNode(pod: Pod, assumed: boolean): void {
    const key = podKey(pod);
    const item = this.entryFor(pod.spec.nodeName ?? "");
    nodeInfoAddPod(item.value.info, pod);
    this.touch(item);
    this.podStates.set(key, { pod, deadline: undefined, bindingFinished: false });
    if (assumed) this.assumedPods.add(key);
  }

  private replacePod(oldPod: Pod, newPod: Pod): void {
    this.removePodFromNode(oldPod);
    this.addPodToNode(newPod, false);
  }

  /** Takes the pod off the node `pod.spec.nodeName` names and forgets its state. */
  private removePodFromNode(pod: Pod): void {
    const key = podKey(pod);
    const item = this.nodes.get(pod.spec.nodeName ?? "");
    if (item) {
      if (!nodeInfoRemovePod(item.value.info, pod)) {
        throw new CacheError(
          "Corrupted",
          `pod ${describe(pod)} is not on node "${item.value.name}", which has ${item.value.info.pods.length} pods`,
        );
      }
      if (item.value.info.pods.length === 0 && !item.value.node) this.dropEntry(item);
      else this.touch(item);
    }
    // No entry: Kubernetes logs "Node not found when trying to remove pod" and still forgets the
    // pod's state, so the cache stops tracking it either way.
    this.podStates.delete(key);
    this.assumedPods.delete(key);
  }

  /** The entry for `name`, created (imaginary: no Node yet) if missing. */
  private entryFor(name: string): ListItem<CachedNode> {
    let item = this.nodes.get(name);
    if (!item) {
      const entry: CachedNode = {
        name,
        node: undefined,
        info: newNodeInfo(standIn(name)),
        generation: 0,
      };
      item = this.recency.add(entry);
      this.nodes.set(name, item);
    }
    return item;
  }

  /** Records a change: a new generation, and the front of the recency list. */
  private touch(item: ListItem<CachedNode>): void {
    this.generation += 1;
    item.value.generation = this.generation;
    this.recency.moveToFront(item);
  }

  private dropEntry(item: ListItem<CachedNode>): void {
    this.recency.remove(item);
    this.nodes.delete(item.value.name);
  }

  /** Gives the entry its Node: allocatable and images are recomputed, its pods kept. */
  private setNode(entry: CachedNode, node: Node): void {
    entry.node = node;
    entry.info = newNodeInfo(node, entry.info.pods);
  }
}

/** The cache's key for a pod: its UID, as framework.GetPodKey. */
function podKey(pod: Pod): string {
  const uid = pod.metadata.uid;
  if (!uid) throw new CacheError("MissingUID", `pod ${describe(pod)} has no metadata.uid`);
  return uid;
}

function describe(pod: Pod): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}(${pod.metadata.uid ?? "no uid"})`;
}

function nameOf(node: Node): string {
  return node.metadata.name ?? "";
}

/** The Node an imaginary entry's NodeInfo carries: only a name; never shown to plugins. */
function standIn(name: string): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name } };
}
