/**
 * TaintToleration (kube-scheduler plugins/tainttoleration/taint_toleration.go): a node's taints
 * repel pods that do not tolerate them.
 *
 * - Filter: a NoSchedule or NoExecute taint the pod does not tolerate rejects the node,
 *   UnschedulableAndUnresolvable (preemption cannot remove a taint). Since
 *   kubernetes/kubernetes#134740 (merged October 2025, cherry-picked to release-1.34) the reason
 *   no longer names the taint — keys and values may be sensitive and pod status is widely
 *   readable — so it reads "node(s) had untolerated taint(s)"; the taint goes to the log.
 * - PreScore keeps the tolerations that can match PreferNoSchedule (that effect, or none).
 * - Score counts the node's PreferNoSchedule taints those tolerations do not cover: fewer is
 *   better, so NormalizeScore maps the counts onto 0..100 reversed.
 *
 * Worked example: three nodes with 0, 1 and 2 untolerated PreferNoSchedule taints. The highest
 * count is 2, so each maps to 100 − 100·count/2: 100, 50 and 0. When no node has any, all get 100.
 */
import type { Pod, Toleration } from "../../../api/types.ts";
import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type NodeInfo,
  type NodeScore,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  SUCCESS,
  status,
} from "../../framework/types.ts";
import { defaultNormalizeScore } from "../helper/normalize-score.ts";
import { doNotSchedule, findUntoleratedTaint, tolerationsTolerateTaint } from "./tolerates.ts";

/** The Filter reason since kubernetes/kubernetes#134740 (before: "... taint {key: value}"). */
export const ERR_REASON_UNTOLERATED = "node(s) had untolerated taint(s)";

const PRE_SCORE_KEY = "PreScoreTaintToleration";

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = "TaintToleration";

  // #region filter
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status {
    const taint = findUntoleratedTaint(
      node.node.spec?.taints ?? [],
      pod.spec.tolerations ?? [],
      doNotSchedule,
    );
    if (taint === undefined) return SUCCESS;
    return status("UnschedulableAndUnresolvable", ERR_REASON_UNTOLERATED);
  }
  // #endregion filter

  preScore(state: CycleState, pod: Pod): Status {
    state.write(PRE_SCORE_KEY, preferNoScheduleTolerations(pod));
    return SUCCESS;
  }

  // #region score
  score(state: CycleState, _pod: Pod, node: NodeInfo): { score: number; status: Status } {
    const tolerations = state.read<Toleration[]>(PRE_SCORE_KEY);
    if (tolerations === undefined) {
      return {
        score: 0,
        status: status("Error", `failed to read "${PRE_SCORE_KEY}" from cycleState`),
      };
    }
    const intolerable = (node.node.spec?.taints ?? []).filter(
      (taint) =>
        taint.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(tolerations, taint),
    );
    return { score: intolerable.length, status: SUCCESS };
  }
  // #endregion score

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return SUCCESS;
  }
}

/** Tolerations whose effect is PreferNoSchedule or empty (empty means every effect). */
function preferNoScheduleTolerations(pod: Pod): Toleration[] {
  return (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
}

export const taintToleration = new TaintToleration() satisfies FilterPlugin &
  PreScorePlugin &
  ScorePlugin;
