/**
 * ImageLocality (kube-scheduler plugins/imagelocality/image_locality.go): prefer nodes that
 * already hold the pod's container images, so the pod starts without a long pull — weighted by
 * image size, and damped for images that are everywhere.
 *
 * Score, for the pod's init containers and containers:
 *   1. Each image the node has (looked up by its name with ":latest" added when no tag is given)
 *      contributes size × (nodes having it / all nodes): the spread factor stops every replica
 *      piling onto the one node that pulled the image first ("node heating"), and an image on
 *      every node gives no preference beyond its size.
 *   2. The sum is clamped to [23 MiB, 1000 MiB × containers] and mapped linearly onto 0..100.
 * Images below 23 MiB therefore never matter; the bounds cover the sizes of 90% of the images on
 * Docker Hub, compressed (Kubernetes' minThreshold / maxContainerThreshold).
 *
 * Worked example: one container, image nginx:1.25 of 300 MiB on 2 of 3 nodes. On a node that has
 * it: 300 × 2/3 = 200 MiB; (200 − 23)·100 / (1000 − 23) = 17700/977 → 18. On the third node: 0.
 *
 * Kubernetes counts "nodes having it" over the whole snapshot, not only the nodes that passed
 * Filter; the plugin is given the snapshot for that (the framework Handle's
 * SnapshotSharedLister). Kubernetes precomputes the counts when it builds the snapshot
 * (ImageStateSummary.NumNodes); tinykube counts on demand, once per image per cycle, and keeps
 * the count (and the pod's normalized image names) in CycleState for the other nodes' Score.
 */
import { normalizedImageName } from "../../../api/image-name.ts";
import type { Pod } from "../../../api/types.ts";
import {
  type CycleState,
  MAX_NODE_SCORE,
  type NodeInfo,
  type ScorePlugin,
  type Status,
  SUCCESS,
} from "../../framework/types.ts";

const MB = 1024 * 1024;
/** Sums below this score 0 (minThreshold). */
export const MIN_THRESHOLD = 23 * MB;
/** Per container, sums above this score 100 (maxContainerThreshold). */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

interface ImageMemo {
  images: string[];
  nodesHaving: Map<string, number>;
}
const MEMO_KEY = "ImageLocality/images";

/** What the plugin reads from the framework: every node of the current snapshot. */
export interface SnapshotLister {
  nodeInfos(): readonly NodeInfo[];
}

/** Kubernetes' normalizedImageName, shared with the container runtime. */
export { normalizedImageName };

// #region calculatePriority
/** Maps the summed image score onto 0..100 between the thresholds, truncating. */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  const clamped = Math.min(Math.max(sumScores, MIN_THRESHOLD), maxThreshold);
  return Math.floor((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}
// #endregion calculatePriority

export class ImageLocality implements ScorePlugin {
  readonly name = "ImageLocality";

  constructor(private readonly snapshot: SnapshotLister) {}

  // #region score
  score(state: CycleState, pod: Pod, node: NodeInfo): { score: number; status: Status } {
    const memo = this.cycleMemo(state, pod);
    let sum = 0;
    for (const image of memo.images) {
      const size = node.imageSizes.get(image);
      if (size === undefined) continue;
      let having = memo.nodesHaving.get(image);
      if (having === undefined) {
        having = this.snapshot.nodeInfos().filter((n) => n.imageSizes.has(image)).length;
        memo.nodesHaving.set(image, having);
      }
      const spread = having / this.snapshot.nodeInfos().length;
      // int64(float64(size) * spread): truncation, as Go converts.
      sum += Math.trunc(size * spread);
    }
    return { score: calculatePriority(sum, memo.images.length), status: SUCCESS };
  }
  // #endregion score

  /** The pod's images, normalized, one per container; and image → nodes having it, as counted. */
  private cycleMemo(state: CycleState, pod: Pod): ImageMemo {
    let memo = state.read<ImageMemo>(MEMO_KEY);
    if (memo === undefined) {
      const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
      memo = {
        images: containers.map((c) => normalizedImageName(c.image ?? "")),
        nodesHaving: new Map(),
      };
      state.write(MEMO_KEY, memo);
    }
    return memo;
  }
}
