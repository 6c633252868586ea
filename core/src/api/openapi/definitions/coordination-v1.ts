/** coordination.k8s.io/v1 Lease: node heartbeats and leader election. */
import {
  type GroupVersionKind,
  int,
  kind,
  microTime,
  obj,
  ref,
  type SchemaMap,
  str,
  withList,
} from "../schema.ts";

export const COORDINATION_V1 = "io.k8s.api.coordination.v1.";
const gvk: GroupVersionKind = { group: "coordination.k8s.io", version: "v1", kind: "Lease" };

export const coordinationV1Schemas: SchemaMap = {
  [`${COORDINATION_V1}LeaseSpec`]: obj({
    acquireTime: microTime("When the current holder took the lease."),
    holderIdentity: str("Who holds the lease."),
    leaseDurationSeconds: int("Seconds a holder keeps the lease without renewing it."),
    leaseTransitions: int("How many times the lease changed holder."),
    preferredHolder: str("The holder that should take over next (alpha)."),
    renewTime: microTime("When the holder last renewed the lease."),
    strategy: str("How the next holder is chosen (alpha)."),
  }),
  ...withList(
    COORDINATION_V1,
    gvk,
    kind({
      ...gvk,
      description:
        "A time-limited claim: kubelets renew one per node as a heartbeat, controllers use one to elect a leader.",
      properties: { spec: ref(`${COORDINATION_V1}LeaseSpec`, "Holder and timing of the lease.") },
    }),
  ),
};
