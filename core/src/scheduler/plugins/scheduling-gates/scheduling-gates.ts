/**
 * SchedulingGates, a PreEnqueue plugin: a pod with spec.schedulingGates stays out of the active
 * queue until every gate is removed (schedulinggates/scheduling_gates.go). Controllers that must
 * finish something first (quota, a gang) add a gate at creation and remove it when ready.
 */
import type { Pod } from "../../../api/types.ts";
import { type PreEnqueuePlugin, type Status, SUCCESS, status } from "../../framework/types.ts";

export class SchedulingGates implements PreEnqueuePlugin {
  readonly name = "SchedulingGates";

  preEnqueue(pod: Pod): Status {
    const gates = (pod.spec.schedulingGates as { name: string }[] | undefined) ?? [];
    if (gates.length === 0) return SUCCESS;
    // Kubernetes formats the gate names as a Go slice: [a b].
    return {
      ...status(
        "UnschedulableAndUnresolvable",
        `waiting for scheduling gates: [${gates.map((g) => g.name).join(" ")}]`,
      ),
      plugin: this.name,
    };
  }
}
