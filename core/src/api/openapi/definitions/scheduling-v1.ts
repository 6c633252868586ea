/** scheduling.k8s.io/v1 PriorityClass. */
import {
  bool,
  type GroupVersionKind,
  int,
  kind,
  type SchemaMap,
  str,
  withList,
} from "../schema.ts";

export const SCHEDULING_V1 = "io.k8s.api.scheduling.v1.";
const gvk: GroupVersionKind = { group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass" };

export const schedulingV1Schemas: SchemaMap = withList(
  SCHEDULING_V1,
  gvk,
  kind({
    ...gvk,
    description: "Maps a name to a pod priority; higher-priority pods may preempt lower ones.",
    properties: {
      description: str("What the class is for."),
      globalDefault: bool("Use this class for pods that name none."),
      preemptionPolicy: str("PreemptLowerPriority (default) or Never."),
      value: int("The priority: higher schedules first."),
    },
    required: ["value"],
  }),
);
