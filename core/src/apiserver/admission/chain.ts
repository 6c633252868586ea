/**
 * Admission: the last word on a write, after authorization and before storage. Mutating plugins
 * run first, in order, and may change the object (fill in a default service account, default
 * resource requests); validating plugins run after all mutation, so they judge the final object
 * (namespace still open, quota not exceeded). Any plugin may refuse. The order is data: a list.
 */
import type { AdmissionRequest } from "../server.ts";

export interface AdmissionPlugin {
  name: string;
  mutate?(request: AdmissionRequest): Promise<void> | void;
  validate?(request: AdmissionRequest): Promise<void> | void;
}

// #region admit
/**
 * One phase of admission. The registry runs "mutate" after preparing the object, then the kind's
 * validation, then "validate" — so validating plugins and validation both see the object after
 * every mutating plugin, as in Kubernetes.
 */
export async function admit(
  plugins: readonly AdmissionPlugin[],
  request: AdmissionRequest,
  phase: "mutate" | "validate",
): Promise<void> {
  for (const plugin of plugins) {
    const step = phase === "mutate" ? plugin.mutate : plugin.validate;
    if (!step) continue;
    const label = `${phase === "mutate" ? "mutating" : "validating"} ${plugin.name}`;
    try {
      await step.call(plugin, request);
    } catch (error) {
      request.trace?.(`${label}: refused`);
      throw error;
    }
    request.trace?.(`${label}: ok`);
  }
}
// #endregion admit
