/**
 * Defaulting of tinykube's built-in types, as the API server applies it to every create and
 * update body before admission and validation (Kubernetes runs it while decoding the request).
 *
 * Guarantees:
 * - A default fills only a field the user left unset; it never replaces a value, with one
 *   exception Kubernetes makes too: a Namespace's `kubernetes.io/metadata.name` label.
 * - Defaulting is idempotent: defaulting a defaulted object changes nothing.
 * - Defaulters change the object in place (as Go's SetDefaults_* do) and return it.
 * - Kinds without a defaulter (custom resources) pass through unchanged.
 */

import { type KindKey, kindKeyOf } from "../kind-key.ts";
import type { KubeObject } from "../object.ts";
import { applyDeploymentDefaults, applyReplicaSetDefaults } from "./apps.ts";
import {
  applyEndpointsDefaults,
  applyLimitRangeDefaults,
  applyNamespaceDefaults,
  applyNodeDefaults,
  applyResourceQuotaDefaults,
  applySecretDefaults,
  noDefaults,
} from "./core.ts";
import { applyEndpointSliceDefaults } from "./discovery.ts";
import type { JsonObject } from "./fields.ts";
import { applyIngressClassDefaults } from "./networking.ts";
import { applyPodDefaults } from "./pod.ts";
import { applyBindingDefaults } from "./rbac.ts";
import { applyPriorityClassDefaults } from "./scheduling.ts";
import { applyServiceDefaults } from "./service.ts";

export type Defaulter = <T extends JsonObject>(obj: T) => T;

// #region defaulters
/** The defaulter of each built-in kind, by `"<group>/<Kind>"`. */
export const defaulters: Readonly<Record<KindKey, Defaulter>> = {
  "/Namespace": applyNamespaceDefaults,
  "/Pod": applyPodDefaults,
  "/Node": applyNodeDefaults,
  "/Service": applyServiceDefaults,
  "/Endpoints": applyEndpointsDefaults,
  "/ConfigMap": noDefaults,
  "/Secret": applySecretDefaults,
  "/Event": noDefaults,
  "/ServiceAccount": noDefaults,
  "/LimitRange": applyLimitRangeDefaults,
  "/ResourceQuota": applyResourceQuotaDefaults,
  "apps/Deployment": applyDeploymentDefaults,
  "apps/ReplicaSet": applyReplicaSetDefaults,
  "coordination.k8s.io/Lease": noDefaults,
  "discovery.k8s.io/EndpointSlice": applyEndpointSliceDefaults,
  "networking.k8s.io/Ingress": noDefaults,
  "networking.k8s.io/IngressClass": applyIngressClassDefaults,
  "networking.k8s.io/IPAddress": noDefaults,
  "rbac.authorization.k8s.io/Role": noDefaults,
  "rbac.authorization.k8s.io/ClusterRole": noDefaults,
  "rbac.authorization.k8s.io/RoleBinding": applyBindingDefaults,
  "rbac.authorization.k8s.io/ClusterRoleBinding": applyBindingDefaults,
  "scheduling.k8s.io/PriorityClass": applyPriorityClassDefaults,
};
// #endregion defaulters

/** Defaults any object by its apiVersion and kind; unknown kinds come back unchanged. */
export function applyDefaults<T extends KubeObject>(obj: T): T {
  const defaulter = defaulters[kindKeyOf(obj)];
  return defaulter ? defaulter(obj) : obj;
}

export { type KindKey, kindKey, kindKeyOf } from "../kind-key.ts";
export { applyDeploymentDefaults, applyReplicaSetDefaults } from "./apps.ts";
export {
  applyEndpointsDefaults,
  applyLimitRangeDefaults,
  applyNamespaceDefaults,
  applyNodeDefaults,
  applyResourceQuotaDefaults,
  applySecretDefaults,
} from "./core.ts";
export { applyEndpointSliceDefaults } from "./discovery.ts";
export type { JsonObject } from "./fields.ts";
export { defaultPullPolicy, imageTag } from "./image.ts";
export { applyIngressClassDefaults } from "./networking.ts";
export { applyPodDefaults, applyPodTemplateSpecDefaults } from "./pod.ts";
export { applyBindingDefaults } from "./rbac.ts";
export { applyPriorityClassDefaults } from "./scheduling.ts";
export { applyServiceDefaults, externallyAccessible } from "./service.ts";
