import { describe, expect, it } from "vitest";
import type { Pod } from "../../../api/types.ts";
import { type Status, status } from "../../framework/types.ts";
import {
  NOT_ELIGIBLE_NEVER,
  NOT_ELIGIBLE_TERMINATING,
  podEligibleToPreemptOthers,
} from "./eligible.ts";
import { cpuNode, makeNodeInfo, priorityPod } from "./testing.ts";

const insufficientCpu = status("Unschedulable", "Insufficient cpu");
const untolerated = status("UnschedulableAndUnresolvable", "node(s) had untolerated taint");

/** The preemptor, priority 100, nominated to `nominated` if given. */
function preemptor(nominated?: string, preemptionPolicy?: string): Pod {
  const pod = priorityPod("p", 100, "2", preemptionPolicy ? { preemptionPolicy } : {});
  if (nominated) pod.status = { nominatedNodeName: nominated };
  return pod;
}

/** A pod on n1; `deleted` sets deletionTimestamp, `reason` adds a DisruptionTarget=True condition. */
function onN1(priority: number, options: { deleted?: boolean; reason?: string } = {}): Pod {
  const pod = priorityPod(`v${priority}`, priority, "2", { nodeName: "n1" });
  if (options.deleted) pod.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
  if (options.reason) {
    pod.status = {
      conditions: [{ type: "DisruptionTarget", status: "True", reason: options.reason }],
    };
  }
  return pod;
}

const byPreemption = { deleted: true, reason: "PreemptionByScheduler" };

describe("podEligibleToPreemptOthers", () => {
  const cases: {
    name: string;
    pod: Pod;
    n1Pods: Pod[];
    n1Status?: Status;
    want: ReturnType<typeof podEligibleToPreemptOthers>;
  }[] = [
    {
      name: "preemptionPolicy Never is never eligible",
      pod: preemptor(undefined, "Never"),
      n1Pods: [],
      want: { eligible: false, reason: NOT_ELIGIBLE_NEVER },
    },
    {
      name: "a pod not nominated anywhere is eligible",
      pod: preemptor(),
      n1Pods: [onN1(10, byPreemption)],
      want: { eligible: true },
    },
    {
      name: "its victim still terminating on the nominated node: wait",
      pod: preemptor("n1"),
      n1Pods: [onN1(10, byPreemption)],
      want: { eligible: false, reason: NOT_ELIGIBLE_TERMINATING },
    },
    {
      name: "the nominated node is now UnschedulableAndUnresolvable: look elsewhere",
      pod: preemptor("n1"),
      n1Pods: [onN1(10, byPreemption)],
      n1Status: untolerated,
      want: { eligible: true },
    },
    {
      name: "a pod terminating for another reason (a user's delete) does not hold it back",
      pod: preemptor("n1"),
      n1Pods: [onN1(10, { deleted: true })],
      want: { eligible: true },
    },
    {
      name: "a DisruptionTarget for another reason does not either",
      pod: preemptor("n1"),
      n1Pods: [onN1(10, { deleted: true, reason: "DeletionByTaintManager" })],
      want: { eligible: true },
    },
    {
      name: "marked by preemption but not yet deleted: not terminating",
      pod: preemptor("n1"),
      n1Pods: [onN1(10, { reason: "PreemptionByScheduler" })],
      want: { eligible: true },
    },
    {
      name: "a terminating pod of equal priority is not its victim",
      pod: preemptor("n1"),
      n1Pods: [onN1(100, byPreemption)],
      want: { eligible: true },
    },
    {
      name: "a nominated node no longer in the snapshot",
      pod: preemptor("gone"),
      n1Pods: [onN1(10, byPreemption)],
      want: { eligible: true },
    },
  ];

  it.each(cases)("$name", ({ pod, n1Pods, n1Status, want }) => {
    const n1 = makeNodeInfo(cpuNode("n1"), n1Pods);
    const filtered = new Map([["n1", n1Status ?? insufficientCpu]]);
    expect(podEligibleToPreemptOthers(pod, filtered, [n1])).toEqual(want);
  });
});
