/** autoscaling/v1 Scale: the body of the scale subresource (deployments/scale, replicasets/scale). */
import { type GroupVersionKind, int, kind, obj, ref, type SchemaMap, str } from "../schema.ts";

export const AUTOSCALING_V1 = "io.k8s.api.autoscaling.v1.";
const gvk: GroupVersionKind = { group: "autoscaling", version: "v1", kind: "Scale" };

export const autoscalingV1Schemas: SchemaMap = {
  [`${AUTOSCALING_V1}Scale`]: kind({
    ...gvk,
    description:
      "The replica count of a scalable object, read and written through its scale subresource.",
    properties: {
      spec: ref(`${AUTOSCALING_V1}ScaleSpec`, "The desired replica count."),
      status: ref(`${AUTOSCALING_V1}ScaleStatus`, "The current replica count and selector."),
    },
  }),
  [`${AUTOSCALING_V1}ScaleSpec`]: obj({
    replicas: int("Desired number of replicas."),
  }),
  [`${AUTOSCALING_V1}ScaleStatus`]: obj(
    {
      replicas: int("Observed number of replicas."),
      selector: str("The pods' label selector, in query-string form (app=web)."),
    },
    { required: ["replicas"] },
  ),
};
