/**
 * Zones and how disrupted they are — node_lifecycle_controller.go (ComputeZoneState,
 * HealthyQPSFunc, ReducedQPSFunc) and k8s.io/component-helpers/node/topology (GetZoneKey).
 *
 * Why zones: when many nodes stop answering at once, the likelier story is a broken network or
 * control plane, not dead machines, and evicting everything would turn a partition into an
 * outage. So the rate at which nodes get NoExecute taints depends on how much of their zone is
 * down:
 *
 *   zone state         when                                   NoExecute tainting rate
 *   Normal             fewer not-Ready than below             --node-eviction-rate (0.1/s)
 *   PartialDisruption  > 2 not-Ready and ≥ 55% of the zone    --secondary-node-eviction-rate
 *                                                             (0.01/s) in a zone of > 50
 *                                                             nodes, else 0 (stop)
 *   FullDisruption     no Ready node in the zone              --node-eviction-rate: the zone
 *                                                             really is gone, move its pods
 *
 * and when every zone is FullDisruption at once, the controller assumes it is itself cut off:
 * it stops all tainting and removes the NoExecute taints it added (see disruption.ts).
 */
import type { Condition, Node } from "../../api/types.ts";
import type { ResolvedNodeLifecycleOptions } from "./options.ts";

export type ZoneState = "Initial" | "Normal" | "PartialDisruption" | "FullDisruption";

/** The zone labels, the deprecated beta ones first as GetZoneKey reads them. */
const ZONE_LABELS = ["failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/zone"];
const REGION_LABELS = ["failure-domain.beta.kubernetes.io/region", "topology.kubernetes.io/region"];

/** GetZoneKey: "region:\0:zone", or "" for a node with neither label (all such nodes share one zone). */
export function zoneKey(node: Node): string {
  const labels = node.metadata.labels ?? {};
  const first = (keys: string[]) => {
    const key = keys.find((k) => k in labels);
    return key ? (labels[key] ?? "") : "";
  };
  const zone = first(ZONE_LABELS);
  const region = first(REGION_LABELS);
  if (region === "" && zone === "") return "";
  // A NUL cannot appear in a label value, so region and zone cannot run into each other.
  return `${region}:\u0000:${zone}`;
}

// #region computeZoneState
/**
 * ComputeZoneState from the Ready conditions of a zone's nodes (undefined: none posted yet,
 * counted as not Ready).
 *
 * Worked example, threshold 0.55: 10 nodes, 6 not Ready → 6 > 2 and 0.6 ≥ 0.55:
 * PartialDisruption. 4 nodes, 3 not Ready → 0.75, PartialDisruption; 4 nodes, 2 not Ready →
 * Normal (2 is not > 2); 3 nodes, none Ready → FullDisruption.
 */
export function computeZoneState(
  readyConditions: readonly (Condition | undefined)[],
  unhealthyZoneThreshold: number,
): { notReady: number; state: ZoneState } {
  const ready = readyConditions.filter((c) => c?.status === "True").length;
  const notReady = readyConditions.length - ready;
  if (ready === 0 && notReady > 0) return { notReady, state: "FullDisruption" };
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyZoneThreshold)
    return { notReady, state: "PartialDisruption" };
  return { notReady, state: "Normal" };
}
// #endregion computeZoneState

/** setLimiterInZone: the NoExecute tainting rate (nodes per second) for a zone of `size` nodes. */
export function taintingRateFor(
  state: ZoneState,
  size: number,
  options: ResolvedNodeLifecycleOptions,
): number {
  switch (state) {
    case "PartialDisruption":
      return size > options.largeClusterSizeThreshold ? options.secondaryNodeEvictionRate : 0;
    default:
      // Normal, FullDisruption (HealthyQPSFunc), and Initial, which never gets here.
      return options.nodeEvictionRate;
  }
}
