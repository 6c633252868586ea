/** scheduling.k8s.io/v1 defaulting (pkg/apis/scheduling/v1/defaults.go). */
import { defaultValue, type JsonObject } from "./fields.ts";

/** SetDefaults_PriorityClass: a priority class may preempt lower-priority pods unless it says Never. */
export function applyPriorityClassDefaults<T extends JsonObject>(priorityClass: T): T {
  defaultValue(priorityClass, "preemptionPolicy", "PreemptLowerPriority");
  return priorityClass;
}
