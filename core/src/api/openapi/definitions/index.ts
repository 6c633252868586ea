/**
 * Every built-in schema tinykube serves, under Kubernetes' component names, and the places
 * where tinykube is less precise than Kubernetes.
 */
import type { SchemaMap } from "../schema.ts";
import { apiextensionsV1Schemas } from "./apiextensions-v1.ts";
import { appsV1Schemas } from "./apps-v1.ts";
import { authenticationV1Schemas } from "./authentication-v1.ts";
import { authorizationV1Schemas } from "./authorization-v1.ts";
import { autoscalingV1Schemas } from "./autoscaling-v1.ts";
import { coordinationV1Schemas } from "./coordination-v1.ts";
import { CORE_V1, coreV1Schemas, OPAQUE_VOLUME_SOURCES } from "./core-v1.ts";
import { discoveryV1Schemas } from "./discovery-v1.ts";
import { metaV1Schemas } from "./meta-v1.ts";
import { networkingV1Schemas } from "./networking-v1.ts";
import { rbacV1Schemas } from "./rbac-v1.ts";
import { schedulingV1Schemas } from "./scheduling-v1.ts";

export const builtinSchemas: SchemaMap = Object.freeze({
  ...metaV1Schemas,
  ...coreV1Schemas,
  ...appsV1Schemas,
  ...autoscalingV1Schemas,
  ...coordinationV1Schemas,
  ...discoveryV1Schemas,
  ...networkingV1Schemas,
  ...rbacV1Schemas,
  ...authenticationV1Schemas,
  ...authorizationV1Schemas,
  ...apiextensionsV1Schemas,
  ...schedulingV1Schemas,
});

export interface Simplification {
  /** Component and field, e.g. "io.k8s.api.core.v1.Volume.gcePersistentDisk". */
  where: string;
  what: string;
}

/** What the docs page lists as simplified, generated from the definitions themselves. */
export const SIMPLIFICATIONS: readonly Simplification[] = [
  ...OPAQUE_VOLUME_SOURCES.map((source) => ({
    where: `${CORE_V1}Volume.${source}`,
    what: "an in-tree cloud or legacy volume source, accepted as any object (x-kubernetes-preserve-unknown-fields) instead of being spelled out",
  })),
  {
    where: "(all built-in string fields with a fixed set of values)",
    what: "no enum: values such as imagePullPolicy or a Service's type are checked by the kind's own validation, not by the schema",
  },
];

export { APIEXTENSIONS_V1 } from "./apiextensions-v1.ts";
export { APPS_V1 } from "./apps-v1.ts";
export { AUTHENTICATION_V1 } from "./authentication-v1.ts";
export { AUTHORIZATION_V1 } from "./authorization-v1.ts";
export { AUTOSCALING_V1 } from "./autoscaling-v1.ts";
export { COORDINATION_V1 } from "./coordination-v1.ts";
export { CORE_V1, OPAQUE_VOLUME_SOURCES } from "./core-v1.ts";
export { DISCOVERY_V1 } from "./discovery-v1.ts";
export { META_V1 } from "./meta-v1.ts";
export { NETWORKING_V1 } from "./networking-v1.ts";
export { RBAC_V1 } from "./rbac-v1.ts";
export { SCHEDULING_V1 } from "./scheduling-v1.ts";
