/**
 * Setting one pod condition the way pkg/api/v1/pod/util.go UpdatePodCondition does, shared by
 * the taint eviction controller (DisruptionTarget) and the node lifecycle controller (Ready
 * False on a node that stopped answering).
 *
 * Guarantees:
 * - The list given is not changed; a new list is returned with the condition added or replaced.
 * - lastTransitionTime is `now` when the condition is new or its status changes, and stays as it
 *   was when only the reason or message changes.
 * - `changed` is false when nothing a reader could see changed, so the caller can skip the write.
 */
import type { Condition } from "../../api/types.ts";
import { rfc3339 } from "../deployment/progress.ts";

export function updatePodCondition(
  conditions: readonly Condition[],
  next: Omit<Condition, "lastTransitionTime">,
  now: number,
): { conditions: Condition[]; changed: boolean } {
  const index = conditions.findIndex((c) => c.type === next.type);
  const old = conditions[index];
  if (!old) {
    return {
      conditions: [...conditions, { ...next, lastTransitionTime: rfc3339(now) }],
      changed: true,
    };
  }
  const condition: Condition = {
    ...next,
    lastTransitionTime: next.status === old.status ? old.lastTransitionTime : rfc3339(now),
  };
  const changed =
    condition.status !== old.status ||
    (condition.reason ?? "") !== (old.reason ?? "") ||
    (condition.message ?? "") !== (old.message ?? "") ||
    (condition.lastProbeTime ?? null) !== (old.lastProbeTime ?? null) ||
    condition.lastTransitionTime !== old.lastTransitionTime;
  const updated = [...conditions];
  updated[index] = condition;
  return { conditions: updated, changed };
}
