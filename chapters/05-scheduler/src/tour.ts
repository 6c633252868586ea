/**
 * The chapter's main story, on the default profile: four nodes registered by hand (no kubelet
 * until chapter 6), then a handful of pods, each showing one part of the scheduler, narrated
 * cycle by cycle from the scheduler's own reports:
 *   1. a plain pod — LeastAllocated and BalancedAllocation pull different ways;
 *   2. required node affinity — Filter narrows, Score picks among the rest;
 *   3. a toleration — it lets a pod onto a tainted node, it does not pull it there;
 *   4. priority — a higher-priority pod preempts a lower one;
 *   5. a pod too big for any node — FailedScheduling, the unschedulable pool, and the NodeAdd
 *      event that brings it back once a node that fits joins.
 *
 * Where the expected node is stated, it wins by a margin worked out from the default weights;
 * nothing here depends on a tie broken at random.
 */
import { builtinType } from "@tinykube/core/client/factory";
import type { CycleSummary } from "./cycle-table.ts";
import { asks, legend } from "./cycle-table.ts";
import { type NodeShape, node, nodeLine, type PodShape, pod, ZONE } from "./objects.ts";
import { eventFor, type Stage, until, waitBound, waitFailed } from "./stage.ts";

export interface TourFacts {
  mode: "tour";
  leader: string;
  /** Where the observer saw each pod bound (the victim of preemption included, before it went). */
  placements: Record<string, string>;
  cycles: CycleSummary[];
  preemption: {
    /** status.nominatedNodeName of the preemptor, as the observer saw it. */
    nominated: string;
    /** The Preempted event on the victim. */
    preemptedEvent: string;
    /** Pods left in the namespace afterwards, with their nodes. */
    survivors: Record<string, string>;
  };
  tooBig: {
    failedScheduling: string;
    /** Where the pod waited in the scheduler's queue after failing. */
    queueAfterFailure: string;
    /** Its queue moves ("unschedulablePods (ScheduleAttemptFailure)") until the node joined, and after. */
    movesBeforeNodeAdd: string[];
    queueAfterNodeAdd: string[];
    /** How many cycles had run when the new node was created. */
    cyclesBeforeNodeAdd: number;
  };
}

const NODES: NodeShape[] = [
  { name: "a1", cpu: "4", memory: "8Gi", zone: "a" },
  { name: "b1", cpu: "8", memory: "8Gi", zone: "b" },
  { name: "c1", cpu: "2", memory: "16Gi", zone: "c" },
  {
    name: "gpu1",
    cpu: "8",
    memory: "32Gi",
    zone: "c",
    labels: { accelerator: "nvidia" },
    taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
  },
];
const LATECOMER: NodeShape = { name: "b2", cpu: "16", memory: "64Gi", zone: "b" };

export async function tour(stage: Stage): Promise<TourFacts> {
  const { say } = stage;
  say("── The nodes ──");
  say(
    "There is no kubelet yet (chapter 6): the chapter registers the Node objects itself, as kubelets would,\n" +
      "with capacity and allocatable in status. No Ready condition: the scheduler reads allocatable, labels\n" +
      "and taints, never conditions (a NotReady node gets a not-ready taint from the node lifecycle controller).",
  );
  for (const n of NODES) {
    await stage.nodes.create(node(n));
    say(`  [you] node ${nodeLine(n)}`);
  }
  say(
    `\nEach cycle below is what the scheduler reported: Filter's verdict per node (✓, or the plugin that\n` +
      `rejected it, its code and reason), then each Score plugin's normalised 0-100 score times its weight\n` +
      `(default profile: TaintToleration 3, NodeAffinity 2, the others that score here 1).\nColumns: ${legend(
        ["TaintToleration", "NodeResourcesFit", "NodeResourcesBalancedAllocation", "ImageLocality"],
      )}.\n`,
  );
  const placements: Record<string, string> = {};
  const schedule = async (shape: PodShape, why: string) => {
    say(`[you] create pod ${shape.name} (${asks(pod(shape))}): ${why}`);
    await stage.pods.create(pod(shape));
    placements[shape.name] = await waitBound(stage, shape.name);
  };

  say("── 1. A plain pod: LeastAllocated against BalancedAllocation ──");
  await schedule(
    { name: "web-1", cpu: "500m", memory: "1Gi" },
    "requests only; every untainted node fits",
  );
  const first = cycleOf(stage, "web-1");
  const fit = (n: string) => first?.scores[n]?.byPlugin.NodeResourcesFit;
  const balanced = (n: string) => first?.scores[n]?.byPlugin.NodeResourcesBalancedAllocation;
  const total = (n: string) => first?.scores[n]?.total ?? 0;
  say(
    `b1 is emptier (NodeResourcesFit, LeastAllocated: ${fit("b1")} to a1's ${fit("a1")}), but on a1 the pod would use\n` +
      `CPU and memory in equal shares, 1/8 each (NodeResourcesBalancedAllocation: ${balanced("a1")} to ${balanced("b1")}): ` +
      `${total("a1")} to ${total("b1")}.\n`,
  );

  say("── 2. Required node affinity: Filter narrows, Score chooses ──");
  await schedule(
    {
      name: "cache",
      cpu: "500m",
      memory: "4Gi",
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: ZONE, operator: "In", values: ["b", "c"] }] },
            ],
          },
        },
      },
    },
    "must run in zone b or c",
  );
  say("");

  say("── 3. A toleration lets a pod onto a tainted node; it does not pull it there ──");
  await schedule(
    {
      name: "trainer",
      cpu: "2",
      memory: "4Gi",
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    },
    "tolerates the GPU taint",
  );
  say(
    "gpu1 passed Filter only because of the toleration, and won on resources alone: it is the emptiest node.\n" +
      "To keep GPU nodes for GPU pods, the taint keeps others off; to pin a pod there, add a nodeSelector too.\n",
  );

  say("── 4. Priority and preemption ──");
  const classes = stage.admin.resource(builtinType("scheduling.k8s.io/priorityclasses"));
  for (const [name, value] of [
    ["low-priority", 1000],
    ["high-priority", 1_000_000],
  ] as const) {
    await classes.create({
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name },
      value,
    });
    say(`[you] PriorityClass ${name}: value ${value}`);
  }
  const zoneA = { [ZONE]: "a" };
  await schedule(
    {
      name: "batch",
      cpu: "3",
      memory: "1Gi",
      nodeSelector: zoneA,
      priorityClassName: "low-priority",
    },
    "zone a only",
  );
  say(
    `[observer] pod batch: spec.priority ${stage.seenPods.get("batch")?.spec.priority}, resolved from its class by the Priority admission plugin\n`,
  );
  const critical: PodShape = {
    name: "critical",
    cpu: "2500m",
    memory: "1Gi",
    nodeSelector: zoneA,
    priorityClassName: "high-priority",
  };
  say(`[you] create pod critical (${asks(pod(critical))}): zone a only, and a1 has 500m left`);
  await stage.pods.create(pod(critical));
  const preempted = await until(() => eventFor(stage, "batch", "Preempted"), "a Preempted event");
  const nominated = await until(
    () => stage.seenPods.get("critical")?.status?.nominatedNodeName as string | undefined,
    "a nominated node",
  );
  const victim = await until(() => {
    const p = stage.seenPods.get("batch");
    return p?.metadata.deletionTimestamp ? p : undefined;
  }, "the victim terminating");
  const disruption = victim.status?.conditions?.find((c) => c.type === "DisruptionTarget");
  say(
    `[observer] event Preempted on batch (${preempted.source.component}): ${preempted.message}\n` +
      `[observer] pod batch: condition DisruptionTarget=${disruption?.status} (${disruption?.reason}), ` +
      "deletionTimestamp set: terminating, its CPU still counted on a1\n" +
      `[observer] pod critical: status.nominatedNodeName=${nominated}, no spec.nodeName yet`,
  );
  say(
    "[stand-in kubelet] no kubelet yet: batch's containers stop now; deleting it with gracePeriodSeconds 0",
  );
  await stage.pods.delete("batch", { gracePeriodSeconds: 0 });
  await until(() => !stage.seenPods.has("batch"), "batch gone");
  placements.critical = await waitBound(stage, "critical");
  const survivors = Object.fromEntries(
    [...stage.seenPods.values()]
      .filter((p) => p.spec.nodeName)
      .map((p) => [p.metadata.name as string, p.spec.nodeName as string]),
  );
  const onA1 = Object.keys(survivors).filter((p) => survivors[p] === "a1");
  say(
    `[observer] pods on a1 now: ${onA1.sort().join(", ")}. web-1 (priority 0) was lower than critical too, yet it stayed:\n` +
      "DefaultPreemption removes every lower-priority pod in its simulation, then puts back as many as still leave\n" +
      "room, highest priority first. batch (3 CPUs) did not fit back beside critical; web-1 (500m) did.\n",
  );

  say("── 5. A pod no node can hold, until one joins ──");
  const big: PodShape = { name: "big", cpu: "12", memory: "1Gi" };
  say(`[you] create pod big (${asks(pod(big))})`);
  await stage.pods.create(pod(big));
  const failedScheduling = await waitFailed(stage, "big");
  const movesOfBig = () =>
    stage.moves.filter((m) => m.pod === "default/big").map((m) => `${m.to} (${m.event})`);
  // Kubernetes' requeue happens right after the FailedScheduling event: wait for it.
  await until(
    () => movesOfBig().includes("unschedulablePods (ScheduleAttemptFailure)"),
    "big back in the queue",
  );
  const queueAfterFailure = stage.scheduler.scheduler()?.queue.whereIs("default/big") ?? "";
  const rejectors = [
    ...new Set(Object.values(cycleOf(stage, "big")?.rejected ?? {}).map((r) => r.plugin)),
  ].sort();
  say(
    `[scheduler queue] default/big → ${queueAfterFailure} (ScheduleAttemptFailure): rejected by ` +
      `${rejectors.join(" and ")}.\n    It leaves on a cluster event one of them registered for ` +
      "(a Node added or updated; for NodeResourcesFit also an assigned pod deleted), or after 5 minutes.\n" +
      "    Its 1 s backoff running out does not move it: the backoff flush only looks at backoffQ.",
  );
  const movesBeforeNodeAdd = movesOfBig().length;
  const cyclesBeforeNodeAdd = stage.cycles.length;
  stage.narrateQueueFor.add("default/big");
  say(`[you] a node joins: ${nodeLine(LATECOMER)}`);
  await stage.nodes.create(node(LATECOMER));
  placements.big = await waitBound(stage, "big");
  stage.narrateQueueFor.delete("default/big");
  const queueAfterNodeAdd = movesOfBig().slice(movesBeforeNodeAdd);

  return {
    mode: "tour",
    leader: stage.leader,
    placements,
    cycles: stage.cycles,
    preemption: { nominated, preemptedEvent: preempted.message, survivors },
    tooBig: {
      failedScheduling,
      queueAfterFailure,
      movesBeforeNodeAdd: movesOfBig().slice(0, movesBeforeNodeAdd),
      queueAfterNodeAdd,
      cyclesBeforeNodeAdd,
    },
  };
}

/** The last cycle the scheduler ran for a pod of the default namespace. */
function cycleOf(stage: Stage, name: string): CycleSummary | undefined {
  return stage.cycles.findLast((c) => c.pod === `default/${name}`);
}
