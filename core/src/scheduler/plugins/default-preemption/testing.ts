/**
 * Test builders for preemption: a 4-CPU node, pods with a priority, a CPU request and a start
 * time, and the preemptor's Filter run as the framework would run NodeResourcesFit (PreFilter
 * once, then Filter per simulated node). Test-only; nothing in the scheduler imports it.
 */
import type { Pod } from "../../../api/types.ts";
import { CycleState } from "../../framework/types.ts";
import { NodeResourcesFit } from "../node-resources-fit/fit.ts";
import { makeNode, makeNodeInfo, makePod } from "../testing-nodes.ts";
import type { RunFilters } from "./select-victims.ts";

export const cpuNode = (name: string, cpu = "4") =>
  makeNode(name, { allocatable: { cpu, memory: "8Gi", pods: "110" } });

/** A pod asking `cpu`, of `priority`, started `startedSecond` seconds after the epoch if given. */
export function priorityPod(
  name: string,
  priority: number,
  cpu: string,
  options: { nodeName?: string; startedSecond?: number; preemptionPolicy?: string } = {},
): Pod {
  const pod = makePod(name, {
    requests: [{ cpu }],
    ...(options.nodeName ? { nodeName: options.nodeName } : {}),
  });
  pod.spec.priority = priority;
  if (options.preemptionPolicy) pod.spec.preemptionPolicy = options.preemptionPolicy;
  if (options.startedSecond !== undefined) {
    pod.status = { startTime: new Date(options.startedSecond * 1000).toISOString() };
  }
  return pod;
}

/** The state and Filter the preemptor's NodeResourcesFit would use. */
export function fitFilters(preemptor: Pod): { state: CycleState; runFilters: RunFilters } {
  const fit = new NodeResourcesFit();
  const state = new CycleState();
  fit.preFilter(state, preemptor);
  return {
    state,
    runFilters: (s, pod, node) => {
      const r = fit.filter(s, pod, node);
      return r.code === "Success" ? r : { ...r, plugin: fit.name };
    },
  };
}

export { makeNodeInfo };
