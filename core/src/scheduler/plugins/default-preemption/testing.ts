/**
 * Test builders for preemption: a 4-CPU node, pods with a priority, a CPU request and a start
 * time, and the preemptor's PreFilter/Filter plugins run through a real Framework, as the
 * scheduler's preemption handle runs them (PreFilter once over the snapshot, then Filter and the
 * PreFilter extensions per simulated node). Test-only; nothing in the scheduler imports it.
 */
import type { Pod } from "../../../api/types.ts";
import { emptyProfile } from "../../framework/profile.ts";
import { Framework } from "../../framework/runtime.ts";
import {
  CycleState,
  type FilterPlugin,
  type NodeInfo,
  type PreFilterPlugin,
} from "../../framework/types.ts";
import { NodeResourcesFit } from "../node-resources-fit/fit.ts";
import { makeNode, makeNodeInfo, makePod } from "../testing-nodes.ts";
import type { PreemptionHandle } from "./default-preemption.ts";

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

/** The framework functions preemption runs, as the scheduler wires them into its handle. */
export type SimulationFunctions = Pick<
  PreemptionHandle,
  "runFilterPlugins" | "runPreFilterExtensionAddPod" | "runPreFilterExtensionRemovePod"
>;

/**
 * The cycle state after the preemptor's PreFilter over `nodes`, and the functions running
 * `plugins` (each at PreFilter and Filter) through a Framework.
 */
export function frameworkFilters(
  preemptor: Pod,
  plugins: (PreFilterPlugin & FilterPlugin)[],
  nodes: readonly NodeInfo[],
): { state: CycleState } & SimulationFunctions {
  const framework = new Framework({ ...emptyProfile(), preFilter: plugins, filter: plugins });
  const state = new CycleState();
  const pre = framework.runPreFilterPlugins(state, preemptor, nodes);
  if (pre.status.code !== "Success") {
    throw new Error(`PreFilter for ${preemptor.metadata.name}: ${pre.status.reasons.join(", ")}`);
  }
  return {
    state,
    runFilterPlugins: (s, pod, node) => framework.runFilterPluginsWithNominatedPods(s, pod, node),
    runPreFilterExtensionAddPod: (s, pod, other, node) =>
      framework.runPreFilterExtensionAddPod(s, pod, other, node),
    runPreFilterExtensionRemovePod: (s, pod, other, node) =>
      framework.runPreFilterExtensionRemovePod(s, pod, other, node),
  };
}

/** The state and Filter the preemptor's NodeResourcesFit would use. */
export function fitFilters(preemptor: Pod): { state: CycleState } & SimulationFunctions {
  return frameworkFilters(preemptor, [new NodeResourcesFit()], []);
}

export { makeNodeInfo };
