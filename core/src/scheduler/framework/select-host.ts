/**
 * Choosing the node — kube-scheduler's prioritizeNodes and selectHost
 * (pkg/scheduler/schedule_one.go).
 *
 * Guarantees:
 * - The chosen node has the highest total score.
 * - Among nodes tied for the highest score, each is chosen with equal probability, in one pass
 *   and without collecting the ties (reservoir sampling), so identical nodes share the load
 *   instead of the first one in the snapshot taking every pod.
 * - Randomness is injected: `randomInt(n)` returns an integer in [0, n), like Go's rand.Intn.
 */
import type { Pod } from "../../api/types.ts";
import type { Framework, NodePluginScores } from "./runtime.ts";
import type { CycleState, NodeInfo, Status } from "./types.ts";

export type RandomInt = (n: number) => number;

export const mathRandomInt: RandomInt = (n) => Math.floor(Math.random() * n);

/**
 * PreScore then Score. With no Score plugins every node scores 1, so selectHost picks among
 * them all at random.
 */
export function prioritizeNodes(
  framework: Framework,
  state: CycleState,
  pod: Pod,
  nodes: NodeInfo[],
): { scores: NodePluginScores[]; status: Status } {
  if (!framework.hasScorePlugins()) {
    const scores = nodes.map((n) => ({
      name: n.node.metadata.name ?? "",
      scores: [],
      totalScore: 1,
    }));
    return { scores, status: { code: "Success", reasons: [] } };
  }
  const pre = framework.runPreScorePlugins(state, pod, nodes);
  if (pre.code !== "Success") return { scores: [], status: pre };
  return framework.runScorePlugins(state, pod, nodes);
}

// #region select-host
/**
 * Picks the highest-scoring node, in one pass:
 *   1. The first node is the candidate; `ties` = 1.
 *   2. A higher score takes over and resets `ties` to 1.
 *   3. An equal score increments `ties` and takes over with probability 1/ties.
 *
 * Why that is fair, for three tied nodes a, b, c: b replaces a with probability 1/2; c then
 * replaces the survivor with probability 1/3. So c wins 1/3, and a and b each win
 * (1/2)·(2/3) = 1/3.
 */
export function selectHost(
  scores: NodePluginScores[],
  randomInt: RandomInt = mathRandomInt,
): string {
  const [first, ...rest] = scores;
  if (!first) throw new Error("empty priorityList");
  let best = first.totalScore;
  let selected = first.name;
  let ties = 1;
  for (const s of rest) {
    if (s.totalScore > best) {
      best = s.totalScore;
      selected = s.name;
      ties = 1;
    } else if (s.totalScore === best) {
      ties++;
      if (randomInt(ties) === 0) selected = s.name;
    }
  }
  return selected;
}
// #endregion select-host
