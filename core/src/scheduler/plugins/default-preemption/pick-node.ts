/**
 * Which candidate node to preempt on — kube-scheduler's pickOneNodeForPreemption
 * (pkg/scheduler/framework/preemption/preemption.go).
 *
 * Guarantees: each criterion below only breaks the ties the ones before it left; the first
 * candidate (in the order given) wins what no criterion separates. Each candidate's victims must
 * be sorted most important first, as selectVictimsOnNode returns them.
 *   0. Fewest PodDisruptionBudget violations — skipped: tinykube has no PDBs, so every candidate
 *      has zero and Kubernetes' first criterion never separates them.
 *   1. The lowest priority of the most important victim.
 *   2. The smallest sum of victim priorities, each shifted up by 2^31 so that every term is
 *      positive: otherwise two pods of priority -10 (sum -20) would beat one of -10.
 *   3. The fewest victims.
 *   4. The latest start among the victims of the highest priority (kill the youngest work).
 */
import type { Pod } from "../../../api/types.ts";
import { podPriority, podStartTime } from "./select-victims.ts";

export interface Candidate {
  nodeName: string;
  /** Most important first; never empty. */
  victims: Pod[];
}

/** Kubernetes adds MaxInt32+1 to every priority before summing (minSumPrioritiesScoreFunc). */
const PRIORITY_SHIFT = 2 ** 31;

// #region pickOneNodeForPreemption
/**
 * Worked example: x's victims have priorities [5, 1], y's [5, 0, 0], z's [7]. Criterion 1:
 * x and y (highest victim 5) beat z (7). Criterion 2: x sums (5+2^31)+(1+2^31) = 2^32+6,
 * y sums 3·2^31+5 — x is smaller, x wins, though y's victims matter less one by one: fewer
 * victims is worth more than their priorities once the shift is counted.
 */
export function pickOneNodeForPreemption(candidates: Candidate[], now: number): string | undefined {
  const highestPriority = (c: Candidate) => podPriority(c.victims[0] as Pod);
  const scoreFuncs: ((c: Candidate) => number)[] = [
    (c) => -highestPriority(c),
    (c) => -c.victims.reduce((sum, p) => sum + podPriority(p) + PRIORITY_SHIFT, 0),
    (c) => -c.victims.length,
    // GetEarliestPodStartTime: the earliest start among the highest-priority victims.
    (c) =>
      Math.min(
        ...c.victims
          .filter((p) => podPriority(p) === highestPriority(c))
          .map((p) => podStartTime(p, now)),
      ),
  ];
  let remaining = candidates;
  for (const score of scoreFuncs) {
    if (remaining.length <= 1) break;
    const scores = remaining.map(score);
    const best = Math.max(...scores);
    remaining = remaining.filter((_, i) => scores[i] === best);
  }
  return remaining[0]?.nodeName;
}
// #endregion pickOneNodeForPreemption
