/**
 * Validation of tinykube's built-in types, as the API server runs it after defaulting and
 * admission. Each kind has a create and an update validator returning Kubernetes' field errors,
 * with Kubernetes' field paths and messages; the API server answers a non-empty list with a 422
 * Invalid Status (formatInvalid in ../validation.ts).
 *
 * Guarantees:
 * - Validators never throw on a body of the wrong shape: a field of the wrong type reads as its
 *   zero value, as after Go decoding.
 * - Validators include the object's metadata rules (ValidateObjectMeta on create,
 *   ValidateObjectMetaUpdate on update): the caller need not run them again.
 * - Errors come in Kubernetes' order for the same object, so the 422 message reads the same.
 * - Kinds without validators (custom resources) validate to no errors here.
 */

import { type KindKey, kindKeyOf } from "../kind-key.ts";
import type { KubeObject } from "../object.ts";
import type { FieldError } from "../validation.ts";
import type { JsonObject } from "./access.ts";
import {
  validateDeploymentCreate,
  validateDeploymentUpdate,
  validateReplicaSetCreate,
  validateReplicaSetUpdate,
} from "./apps.ts";
import {
  validateConfigMapCreate,
  validateConfigMapUpdate,
  validateSecretCreate,
  validateSecretUpdate,
} from "./config.ts";
import { validateLeaseCreate, validateLeaseUpdate } from "./coordination.ts";
import {
  validateEndpointSliceCreate,
  validateEndpointSliceUpdate,
  validateEndpointsCreate,
  validateEndpointsUpdate,
} from "./endpoints.ts";
import { validateEventCreate, validateEventUpdate } from "./event.ts";
import { validateIPAddressCreate, validateIPAddressUpdate } from "./ipaddress.ts";
import {
  validateNamespaceCreate,
  validateNamespaceUpdate,
  validateServiceAccountCreate,
  validateServiceAccountUpdate,
} from "./namespace.ts";
import {
  validateIngressClassCreate,
  validateIngressClassUpdate,
  validateIngressCreate,
  validateIngressUpdate,
} from "./networking.ts";
import { validateNodeCreate, validateNodeUpdate } from "./node.ts";
import { validatePodCreate, validatePodUpdate } from "./pod.ts";
import {
  validateLimitRangeCreate,
  validateLimitRangeUpdate,
  validateResourceQuotaCreate,
  validateResourceQuotaUpdate,
} from "./quota.ts";
import {
  validateClusterRoleBindingCreate,
  validateClusterRoleBindingUpdate,
  validateClusterRoleCreate,
  validateClusterRoleUpdate,
  validateRoleBindingCreate,
  validateRoleBindingUpdate,
  validateRoleCreate,
  validateRoleUpdate,
} from "./rbac.ts";
import { validatePriorityClassCreate, validatePriorityClassUpdate } from "./scheduling.ts";
import { validateServiceCreate, validateServiceUpdate } from "./service.ts";

export interface Validator {
  validateCreate(obj: JsonObject): FieldError[];
  validateUpdate(obj: JsonObject, old: JsonObject): FieldError[];
}

const v = (
  validateCreate: Validator["validateCreate"],
  validateUpdate: Validator["validateUpdate"],
): Validator => ({
  validateCreate,
  validateUpdate,
});

// #region validators
/** The validators of each built-in kind, by `"<group>/<Kind>"`. */
export const validators: Readonly<Record<KindKey, Validator>> = {
  "/Namespace": v(validateNamespaceCreate, validateNamespaceUpdate),
  "/Pod": v(validatePodCreate, validatePodUpdate),
  "/Node": v(validateNodeCreate, validateNodeUpdate),
  "/Service": v(validateServiceCreate, validateServiceUpdate),
  "/Endpoints": v(validateEndpointsCreate, validateEndpointsUpdate),
  "/ConfigMap": v(validateConfigMapCreate, validateConfigMapUpdate),
  "/Secret": v(validateSecretCreate, validateSecretUpdate),
  "/Event": v(validateEventCreate, validateEventUpdate),
  "/ServiceAccount": v(validateServiceAccountCreate, validateServiceAccountUpdate),
  "/LimitRange": v(validateLimitRangeCreate, validateLimitRangeUpdate),
  "/ResourceQuota": v(validateResourceQuotaCreate, validateResourceQuotaUpdate),
  "apps/Deployment": v(validateDeploymentCreate, validateDeploymentUpdate),
  "apps/ReplicaSet": v(validateReplicaSetCreate, validateReplicaSetUpdate),
  "coordination.k8s.io/Lease": v(validateLeaseCreate, validateLeaseUpdate),
  "discovery.k8s.io/EndpointSlice": v(validateEndpointSliceCreate, validateEndpointSliceUpdate),
  "scheduling.k8s.io/PriorityClass": v(validatePriorityClassCreate, validatePriorityClassUpdate),
  "networking.k8s.io/Ingress": v(validateIngressCreate, validateIngressUpdate),
  "networking.k8s.io/IngressClass": v(validateIngressClassCreate, validateIngressClassUpdate),
  "networking.k8s.io/IPAddress": v(validateIPAddressCreate, validateIPAddressUpdate),
  "rbac.authorization.k8s.io/Role": v(validateRoleCreate, validateRoleUpdate),
  "rbac.authorization.k8s.io/ClusterRole": v(validateClusterRoleCreate, validateClusterRoleUpdate),
  "rbac.authorization.k8s.io/RoleBinding": v(validateRoleBindingCreate, validateRoleBindingUpdate),
  "rbac.authorization.k8s.io/ClusterRoleBinding": v(
    validateClusterRoleBindingCreate,
    validateClusterRoleBindingUpdate,
  ),
};
// #endregion validators

/** The create validation of any object, by its apiVersion and kind; unknown kinds pass. */
export function validateCreate(obj: KubeObject): FieldError[] {
  return validators[kindKeyOf(obj)]?.validateCreate(obj) ?? [];
}

/** The update validation of any object against the stored one; unknown kinds pass. */
export function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  return validators[kindKeyOf(obj)]?.validateUpdate(obj, old) ?? [];
}

export {
  validateDeploymentCreate,
  validateDeploymentUpdate,
  validateReplicaSetCreate,
  validateReplicaSetUpdate,
} from "./apps.ts";
export {
  MAX_SECRET_SIZE,
  validateConfigMapCreate,
  validateConfigMapUpdate,
  validateSecretCreate,
  validateSecretUpdate,
} from "./config.ts";
export { validateLeaseCreate, validateLeaseUpdate } from "./coordination.ts";
export {
  validateEndpointSliceCreate,
  validateEndpointSliceUpdate,
  validateEndpointsCreate,
  validateEndpointsUpdate,
} from "./endpoints.ts";
export { validateEventCreate, validateEventUpdate } from "./event.ts";
export {
  inclusiveRangeError,
  isConfigMapKey,
  isRelaxedEnvVarName,
  isValidIP,
  isValidPercent,
  isValidPortName,
  isValidPortNum,
  parseIPSloppy,
} from "./formats.ts";
export { validateIPAddressCreate, validateIPAddressUpdate } from "./ipaddress.ts";
export {
  validateNamespaceCreate,
  validateNamespaceUpdate,
  validateServiceAccountCreate,
  validateServiceAccountUpdate,
} from "./namespace.ts";
export {
  validateIngressClassCreate,
  validateIngressClassUpdate,
  validateIngressCreate,
  validateIngressUpdate,
} from "./networking.ts";
export { validateNodeCreate, validateNodeUpdate } from "./node.ts";
export { validatePodCreate, validatePodUpdate } from "./pod.ts";
export { type PodSpecOptions, validatePodSpec, validatePodTemplateSpec } from "./pod-spec.ts";
export {
  validateLimitRangeCreate,
  validateLimitRangeUpdate,
  validateResourceQuotaCreate,
  validateResourceQuotaUpdate,
} from "./quota.ts";
export {
  validateClusterRoleBindingCreate,
  validateClusterRoleBindingUpdate,
  validateClusterRoleCreate,
  validateClusterRoleUpdate,
  validateRoleBindingCreate,
  validateRoleBindingUpdate,
  validateRoleCreate,
  validateRoleUpdate,
} from "./rbac.ts";
export {
  validateServiceClusterIPsRelatedFields,
  validateServiceCreate,
  validateServiceUpdate,
} from "./service.ts";
