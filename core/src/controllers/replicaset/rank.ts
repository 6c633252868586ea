/**
 * Which pods a ReplicaSet deletes first when it has too many (kubernetes
 * `pkg/controller/controller_utils.go` ActivePodsWithRanks, and getPodsToDelete,
 * getPodsRankedByRelatedPodsOnSameNode in `pkg/controller/replicaset/replica_set.go`).
 *
 * Pods are compared rule by rule; the first rule that tells them apart decides, and the pod that
 * sorts first is deleted first:
 *   1. not yet scheduled (no nodeName) before scheduled;
 *   2. Pending before Unknown before Running;
 *   3. not ready before ready;
 *   4. lower controller.kubernetes.io/pod-deletion-cost before higher;
 *   5. higher rank before lower: the rank is how many active pods of the same owner (the
 *      Deployment's other ReplicaSets too) share the pod's node, so doubled-up nodes thin first;
 *   6. both ready: ready more recently before ready longer;
 *   7. more container restarts before fewer;
 *   8. created more recently before older (a missing timestamp counts as newest).
 * Rules 6 and 8 compare times on a log2 scale of their age in nanoseconds (LogarithmicScaleDown:
 * beta and on since Kubernetes 1.22, GA in 1.31): pods whose ages fall in the same power of two tie,
 * and the pod with the smaller UID goes first, a pseudorandom pick among peers so that scale-down
 * does not always hit the very newest pod.
 *
 * Guarantees: a consistent order (transitive, given unique UIDs), "cheap to lose" pods first.
 * Among scheduled pods in the same phase, deleting from the front never removes a ready pod while
 * a not-ready one is left: rule 3 comes before every rule that could disagree. Where every rule
 * ties, the input order is kept (Go's sort.Sort may swap them).
 *
 * Trace, now = 1000 s, all scheduled and Running:
 *   a  node-1, ready since 990 s (10 s)    b  node-1, ready since 100 s (900 s)
 *   c  node-2, not ready                   d  node-2, ready since 996 s (4 s)
 *   rule 3: c first. a, b, d are ready; ranks: node-1 has 2 pods, node-2 has 2 (c counts)
 *   rule 6: d (4 s ≈ 2^31.9 ns) and a (10 s ≈ 2^33.2 ns) before b (900 s ≈ 2^39.7 ns); d before a
 *   order: c, d, a, b
 */

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/** What the ordering reads of a pod. */
export interface RankedPod {
  /** metadata.uid: the tie-breaker among pods of the same age bucket. */
  uid: string;
  /** spec.nodeName; "" while unscheduled. */
  nodeName: string;
  phase: PodPhase;
  /** The Ready condition is True. */
  ready: boolean;
  /** lastTransitionTime of the Ready condition when ready, ms since the epoch. */
  readySince?: number | undefined;
  /** The highest restartCount among the pod's containers. */
  restarts: number;
  /** metadata.creationTimestamp, ms since the epoch; undefined counts as newest. */
  created?: number | undefined;
  /** deletionCostOf(annotations); 0 without the annotation. */
  deletionCost: number;
  /** metadata.deletionTimestamp is set: the pod is terminating and is not active. */
  terminating?: boolean | undefined;
}

export const POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

/**
 * The pod-deletion-cost annotation as an int32, 0 when absent or invalid. Like Kubernetes,
 * "+10" and "007" are invalid: the value starts with "-" or a non-zero digit, or is exactly "0".
 */
export function deletionCostOf(annotations: Readonly<Record<string, string>> | undefined): number {
  const value = annotations?.[POD_DELETION_COST_ANNOTATION];
  // validFirstDigit, then strconv.ParseInt(value, 10, 32).
  if (value === undefined || !/^(0|-[0-9]+|[1-9][0-9]*)$/.test(value)) return 0;
  const n = Number(value);
  return n >= -(2 ** 31) && n <= 2 ** 31 - 1 ? n + 0 : 0;
}

/** IsPodActive: not Succeeded, not Failed, not terminating. */
export function isPodActive(pod: Pick<RankedPod, "phase" | "terminating">): boolean {
  return pod.phase !== "Succeeded" && pod.phase !== "Failed" && pod.terminating !== true;
}

const PHASE_ORDER: Partial<Record<PodPhase, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** floor(log2(age in ns)), or -1 for an age ≤ 0 (logarithmicRankDiff). */
function logAgeBucket(time: number, now: number): number {
  const ageNs = (now - time) * 1e6;
  return ageNs > 0 ? Math.floor(Math.log2(ageNs)) : -1;
}

/**
 * Rules 6 and 8: negative puts `a` first. undefined when the times are equal: the next rule
 * decides. Different times in the same bucket are decided by UID alone, as in Kubernetes.
 */
function compareTimes(
  a: { uid: string; time: number | undefined },
  b: { uid: string; time: number | undefined },
  now: number,
): number | undefined {
  if (a.time === b.time) return undefined;
  if (a.time === undefined || b.time === undefined) return a.time === undefined ? -1 : 1;
  const diff = logAgeBucket(a.time, now) - logAgeBucket(b.time, now);
  if (diff !== 0) return diff;
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

// #region pod-ranking
/** ActivePodsWithRanks.Less as a comparator: negative when `a` should be deleted before `b`. */
export function compareForDeletion(
  a: RankedPod & { rank: number },
  b: RankedPod & { rank: number },
  now: number,
): number {
  const first = (aFirst: boolean) => (aFirst ? -1 : 1);
  if (a.nodeName !== b.nodeName && (a.nodeName === "" || b.nodeName === "")) {
    return first(a.nodeName === ""); // 1. unscheduled first
  }
  const phaseA = PHASE_ORDER[a.phase] ?? 0;
  const phaseB = PHASE_ORDER[b.phase] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB; // 2. Pending < Unknown < Running
  if (a.ready !== b.ready) return first(!a.ready); // 3. not ready first
  if (a.deletionCost !== b.deletionCost) return a.deletionCost - b.deletionCost; // 4.
  if (a.rank !== b.rank) return b.rank - a.rank; // 5. more pods on the same node first
  if (a.ready && b.ready) {
    const ready = compareTimes(
      { uid: a.uid, time: a.readySince },
      { uid: b.uid, time: b.readySince },
      now,
    ); // 6. ready more recently first
    if (ready !== undefined) return ready;
  }
  if (a.restarts !== b.restarts) return b.restarts - a.restarts; // 7. more restarts first
  const created = compareTimes(
    { uid: a.uid, time: a.created },
    { uid: b.uid, time: b.created },
    now,
  ); // 8. created more recently first
  return created ?? 0;
}
// #endregion pod-ranking

/**
 * getPodsToDelete: the `count` pods of `pods` (the ReplicaSet's active pods) to delete, best
 * first. `related` are the active and inactive pods of every ReplicaSet with the same owner,
 * these included; each pod's rank is the number of active related pods on its node. `now` is
 * the controller's clock, in ms since the epoch.
 */
export function podsToDelete<P extends RankedPod>(
  pods: readonly P[],
  related: readonly RankedPod[],
  count: number,
  now: number,
): P[] {
  if (count >= pods.length) return [...pods]; // all of them go: no need to sort
  const onNode = new Map<string, number>();
  for (const pod of related) {
    if (isPodActive(pod)) onNode.set(pod.nodeName, (onNode.get(pod.nodeName) ?? 0) + 1);
  }
  return pods
    .map((pod) => ({ pod, ranked: { ...pod, rank: onNode.get(pod.nodeName) ?? 0 } }))
    .sort((x, y) => compareForDeletion(x.ranked, y.ranked, now))
    .slice(0, count)
    .map((x) => x.pod);
}
