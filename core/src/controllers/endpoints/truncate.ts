/**
 * The Endpoints capacity limit (pkg/controller/endpoint/endpoints_controller.go maxCapacity,
 * truncateEndpoints, capacityAnnotationSetCorrectly). One Endpoints object lists at most 1000
 * addresses; past that, consumers are expected to read EndpointSlices, and the object is marked
 * `endpoints.kubernetes.io/over-capacity: truncated`.
 *
 * Truncation keeps ready addresses before not-ready ones, and shares the room among subsets in
 * proportion to their size, rounding up (so the last subset may get less).
 *
 * Worked example, subsets with 600, 500 and 100 ready addresses (1200 ready > 1000: ready ones
 * are cut, every not-ready one goes): 600/1200·1000 = 500; 500/1200·1000 = 416.7 → 417;
 * 100/1200·1000 = 83.3 → 84, but only 1000 − 500 − 417 = 83 remain → 83. Total 1000.
 * With 700 ready and 500 not ready instead, the ready all stay and the not-ready share 300.
 */
import type { Endpoints } from "../../api/types.ts";
import type { EndpointSubset } from "./repack.ts";

/** maxCapacity: addresses (ready and not) one Endpoints object may list. */
export const MAX_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity";
export const TRUNCATED = "truncated";

function counts(subsets: EndpointSubset[]): { ready: number; notReady: number } {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  return { ready, notReady };
}

// #region truncateSubsets
/** truncateEndpoints: the subsets cut to MAX_CAPACITY addresses, or undefined if they fit. */
export function truncateSubsets(
  subsets: EndpointSubset[],
  maxCapacity = MAX_CAPACITY,
): EndpointSubset[] | undefined {
  const { ready, notReady } = counts(subsets);
  if (ready + notReady <= maxCapacity) return undefined;
  const truncateReady = ready > maxCapacity;
  const room = truncateReady ? maxCapacity : maxCapacity - ready;
  const total = truncateReady ? ready : notReady;
  let left = room;
  return subsets.map((subset) => {
    const inSubset = (truncateReady ? subset.addresses : subset.notReadyAddresses)?.length ?? 0;
    const share = Math.min(Math.ceil((inSubset / total) * room), left);
    if (truncateReady) {
      const addresses = (subset.addresses ?? []).slice(0, share);
      left -= addresses.length;
      const { notReadyAddresses: _dropped, ...rest } = subset;
      return { ...rest, ...(addresses.length > 0 ? { addresses } : {}) };
    }
    const notReadyAddresses = (subset.notReadyAddresses ?? []).slice(0, share);
    left -= notReadyAddresses.length;
    const { notReadyAddresses: _all, ...rest } = subset;
    return { ...rest, ...(notReadyAddresses.length > 0 ? { notReadyAddresses } : {}) };
  });
}
// #endregion truncateSubsets

/**
 * capacityAnnotationSetCorrectly: false when the subsets are over capacity (they must be cut)
 * or the annotation is there though they fit.
 */
export function capacityAnnotationSetCorrectly(endpoints: Endpoints): boolean {
  const { ready, notReady } = counts(endpoints.subsets ?? []);
  if (ready + notReady > MAX_CAPACITY) return false;
  return endpoints.metadata.annotations?.[OVER_CAPACITY_ANNOTATION] === undefined;
}
