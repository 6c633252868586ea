/**
 * `--use-lab`: the live scheduler with the reader's plugin. Lab 5 asks for ZoneSpread (a Filter
 * and a Score); here the reader's class is registered out of tree, as kube-scheduler's
 * app.WithPlugin registers a plugin compiled into a custom scheduler, and enabled beside every
 * default plugin by a KubeSchedulerConfiguration. Then app=web pods arrive one at a time on
 * nodes in three zones plus one without a zone label, and each cycle shows ZoneSpread's verdicts
 * and scores next to the default plugins'.
 *
 * Guarantees:
 * - A plugin that throws (the untouched starter says "not implemented yet") or that leaves a pod
 *   with no node stops the story at that pod with a LabPluginError saying what happened; the
 *   scheduler would otherwise retry the pod with backoff for ever.
 * - What is reported as the spread is what the observer sees bound, not what the plugin scored.
 */
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { pathToFileURL } from "node:url";
import { parseSchedulerConfig } from "@tinykube/core/scheduler/framework/config";
import { Registry } from "@tinykube/core/scheduler/framework/registry";
import type { NodeInfo, Plugin } from "@tinykube/core/scheduler/framework/types";
import type { StartSchedulerOptions } from "@tinykube/core/scheduler/start";
import { asks, type CycleSummary, legend } from "./cycle-table.ts";
import { type NodeShape, node, nodeLine, pod } from "./objects.ts";
import { boundTo, type Stage, until, waitBound } from "./stage.ts";

/** Where `npm run lab -- check 5` puts the reader's copy of the starter (labs/src/labs.ts). */
export const LAB_WORK_FILE = "labs/work/05-scheduler/zone-spread.ts";

/** Something went wrong with the reader's plugin; the message says what, and what to do. */
export class LabPluginError extends Error {
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LabPluginError";
  }
}

/** The shape lab 5 asks for: built with the snapshot's node lister, a Filter and Score plugin. */
export type ZoneSpreadClass = new (snapshot: { nodeInfos(): readonly NodeInfo[] }) => Plugin;

/** Imports the reader's file and takes its ZoneSpread class. */
export async function loadZoneSpread(file: string): Promise<ZoneSpreadClass> {
  const shown = relative(process.cwd(), file) || file;
  if (!existsSync(file)) {
    throw new LabPluginError(
      `no file at ${shown}. Create your copy of the starter with \`npm run lab -- check 5\` (it writes ` +
        `${LAB_WORK_FILE}), write ZoneSpread's filter, score and normalizeScore, then run this again.`,
      file,
    );
  }
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw new LabPluginError(
      `${shown} did not load: ${error instanceof Error ? error.message : String(error)}`,
      file,
      { cause: error },
    );
  }
  const found = module.ZoneSpread;
  if (typeof found !== "function") {
    throw new LabPluginError(
      `${shown} must export a class ZoneSpread; it exports ${Object.keys(module).join(", ") || "nothing"}`,
      file,
    );
  }
  return found as ZoneSpreadClass;
}

/** The default profile, plus ZoneSpread at filter and score; weight 2, as PodTopologySpread's. */
export const LAB_CONFIG = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    filter:
      enabled:
      - name: ZoneSpread
    score:
      enabled:
      - name: ZoneSpread
        weight: 2
`;

/** startScheduler's options for the lab: the configuration and the reader's plugin. */
export function labScheduler(
  ZoneSpread: ZoneSpreadClass,
): Pick<StartSchedulerOptions, "config" | "outOfTreeRegistry"> {
  return {
    config: parseSchedulerConfig(LAB_CONFIG),
    outOfTreeRegistry: (handle) =>
      new Registry([["ZoneSpread", () => new ZoneSpread({ nodeInfos: () => handle.nodeInfos() })]]),
  };
}

export interface LabFacts {
  mode: "lab";
  file: string;
  leader: string;
  placements: Record<string, string>;
  /** app=web pods per zone ("" for the node without a zone label) after each placement. */
  zoneCounts: Record<string, number>[];
  cycles: CycleSummary[];
}

const NODES: NodeShape[] = [
  { name: "a1", cpu: "4", memory: "8Gi", zone: "a" },
  { name: "a2", cpu: "4", memory: "8Gi", zone: "a" },
  { name: "b1", cpu: "4", memory: "8Gi", zone: "b" },
  { name: "c1", cpu: "4", memory: "8Gi", zone: "c" },
  // The biggest, emptiest node: NodeResourcesFit alone would send every pod here.
  { name: "edge", cpu: "16", memory: "32Gi" },
];
const PODS = 6;

export async function zoneLab(stage: Stage, file: string): Promise<LabFacts> {
  const { say } = stage;
  say("── The nodes ──");
  say("No kubelet yet (chapter 6): the chapter registers the Node objects itself.");
  for (const n of NODES) {
    await stage.nodes.create(node(n));
    say(`  [you] node ${nodeLine(n)}`);
  }
  say(
    "\nedge is the biggest, emptiest node: on resources alone every pod would go there. Scores are the\n" +
      "plugins' normalised 0-100 scores times their weights. Columns: " +
      `${legend(["TaintToleration", "NodeResourcesFit", "NodeResourcesBalancedAllocation", "ImageLocality", "ZoneSpread"])}.\n`,
  );
  const zoneOf = new Map(NODES.map((n) => [n.name, n.zone ?? ""]));
  const placements: Record<string, string> = {};
  const zoneCounts: Record<string, number>[] = [];
  for (let i = 1; i <= PODS; i++) {
    const shape = { name: `web-${i}`, cpu: "500m", memory: "1Gi", labels: { app: "web" } };
    say(`[you] create pod ${shape.name} (${asks(pod(shape))})`);
    await stage.pods.create(pod(shape));
    const failed = await until(() => {
      if (boundTo(stage, shape.name)) return "bound";
      const last = stage.cycles.findLast((c) => c.pod === `default/${shape.name}`);
      return last?.failure;
    }, `${shape.name} bound or failed`);
    if (failed !== "bound") throw stopped(file, shape.name, failed);
    placements[shape.name] = await waitBound(stage, shape.name);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, "": 0 };
    for (const n of Object.values(placements)) {
      const z = zoneOf.get(n) ?? "";
      counts[z] = (counts[z] ?? 0) + 1;
    }
    zoneCounts.push(counts);
    say(
      `[observer] app=web pods per zone: a ${counts.a}, b ${counts.b}, c ${counts.c}; edge (no zone) ${counts[""]}`,
    );
    if (i < PODS) say("");
  }
  return {
    mode: "lab",
    file,
    leader: stage.leader,
    placements,
    zoneCounts,
    cycles: stage.cycles,
  };
}

/** The story cannot go on: the error to throw, saying why in the reader's terms. */
function stopped(file: string, podName: string, failure: string): LabPluginError {
  const unfinished = failure.includes("not implemented yet");
  const noNode = failure.startsWith("0/");
  const why = unfinished
    ? "your ZoneSpread is not finished: it threw instead of answering"
    : noNode
      ? "no node passed Filter with your ZoneSpread enabled"
      : "your ZoneSpread made the scheduling cycle fail";
  const message =
    `${why}. The scheduler recorded FailedScheduling for ${podName} and would retry it with backoff ` +
    `for ever, so the chapter stops here.\n  ${failure}\n` +
    "Check your plugin against the core's contract cases with `npm run lab -- check 5` (stuck? " +
    "`npm run lab -- hint 5`), then run this again.";
  return new LabPluginError(message, file);
}
