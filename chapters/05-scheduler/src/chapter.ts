/**
 * Chapter 5, as a function the test can run: a real API server and the real kube-scheduler
 * (leader-elected, its own identity, over HTTPS), nodes registered by hand, pods created one at
 * a time, and every scheduling cycle narrated from the scheduler's own report — Filter's verdict
 * per node, the weighted scores, the choice — followed by the binding as an observer sees it.
 *
 * Two stories: the tour of the default profile (tour.ts), or, with `useLab`, the reader's
 * ZoneSpread plugin from lab 5 running inside the live scheduler (zone-lab.ts).
 *
 * Everything started is stopped and the server's data directory deleted, on error too.
 */
import { openStage, type Say } from "./stage.ts";
import { type TourFacts, tour } from "./tour.ts";
import { LAB_CONFIG, type LabFacts, labScheduler, loadZoneSpread, zoneLab } from "./zone-lab.ts";

export type { TourFacts } from "./tour.ts";
export { LAB_WORK_FILE, type LabFacts, LabPluginError } from "./zone-lab.ts";

export interface ChapterOptions {
  /** The reader's lab 5 file (absolute path): run the zone story with its ZoneSpread. */
  useLab?: string;
}

export function runChapter(say: Say): Promise<TourFacts>;
export function runChapter(say: Say, options: { useLab: string }): Promise<LabFacts>;
export async function runChapter(
  say: Say,
  options: ChapterOptions = {},
): Promise<TourFacts | LabFacts> {
  const file = options.useLab;
  if (file === undefined) {
    const stage = await openStage({ say });
    try {
      return await tour(stage);
    } finally {
      await stage.close();
    }
  }
  const ZoneSpread = await loadZoneSpread(file);
  say(
    "[you] ZoneSpread from your file is registered out of tree (startScheduler's outOfTreeRegistry, as\n" +
      "kube-scheduler's app.WithPlugin) and enabled by this KubeSchedulerConfiguration, beside every default plugin:\n" +
      LAB_CONFIG.trimEnd()
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n"),
  );
  const stage = await openStage({ say, scheduler: labScheduler(ZoneSpread) });
  try {
    return await zoneLab(stage, file);
  } finally {
    await stage.close();
  }
}
