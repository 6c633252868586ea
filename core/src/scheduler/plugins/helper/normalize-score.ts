/**
 * Scaling raw scores onto 0..max — kube-scheduler plugins/helper/normalize_score.go
 * (DefaultNormalizeScore). Each score becomes max·score/highest, truncated; `reverse` then takes it
 * from max, so the lowest raw score wins. If every raw score is 0 they stay 0, or all become max
 * when reversed (no node is worse than another). Raw scores must be non-negative.
 *
 * Example: raw [0, 1, 3], max 100 → [0, 33, 100]; reversed → [100, 67, 0].
 */
import type { NodeScore } from "../../framework/types.ts";

// #region defaultNormalizeScore
export function defaultNormalizeScore(max: number, reverse: boolean, scores: NodeScore[]): void {
  const highest = scores.reduce((m, s) => Math.max(m, s.score), 0);
  if (highest === 0) {
    if (reverse) for (const s of scores) s.score = max;
    return;
  }
  for (const s of scores) {
    const scaled = Math.floor((max * s.score) / highest);
    s.score = reverse ? max - scaled : scaled;
  }
}
// #endregion defaultNormalizeScore
