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
export async function admit(
  plugins: readonly AdmissionPlugin[],
  request: AdmissionRequest,
): Promise<void> {
  for (const plugin of plugins) await plugin.mutate?.(request);
  for (const plugin of plugins) await plugin.validate?.(request);
}
// #endregion admit
