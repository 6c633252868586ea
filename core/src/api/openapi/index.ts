/**
 * OpenAPI v3 for tinykube's API: schemas of the built-in kinds under Kubernetes' component names
 * (as of Kubernetes 1.32), the `/openapi/v3` documents kubectl reads, schemas for custom
 * resources, and the validator that enforces `fieldValidation` (Strict, Warn, Ignore).
 *
 * Simplifications, compared with Kubernetes:
 * - Schemas: the nineteen in-tree cloud and legacy volume sources of a pod (gcePersistentDisk,
 *   awsElasticBlockStore, azureDisk, azureFile, cephfs, cinder, fc, flexVolume, flocker, gitRepo,
 *   glusterfs, iscsi, photonPersistentDisk, portworxVolume, quobyte, rbd, scaleIO, storageos,
 *   vsphereVolume) are objects that preserve unknown fields (SIMPLIFICATIONS lists them); string
 *   fields with a fixed set of values carry no `enum`; descriptions are short, tinykube's own.
 * - Documents: no deprecated `/watch/` paths, no connect subresources (exec, attach,
 *   port-forward, proxy), deletes answer with a Status, no CBOR content type.
 * - Validation: CEL rules (x-kubernetes-validations) are not evaluated and defaults are not
 *   applied; duplicate keys in map and set lists, duplicate JSON keys and integer ranges are not
 *   checked; formats other than date-time and byte are not checked; in a CRD's schema,
 *   restrictions on metadata.name are replaced by the plain ObjectMeta. Type errors use the
 *   wording Kubernetes gives for custom resources (for built-in kinds Kubernetes fails decoding
 *   with a 400 instead; the API server chooses).
 */
export {
  APIEXTENSIONS_V1,
  APPS_V1,
  AUTHENTICATION_V1,
  AUTHORIZATION_V1,
  AUTOSCALING_V1,
  builtinSchemas,
  COORDINATION_V1,
  CORE_V1,
  DISCOVERY_V1,
  META_V1,
  NETWORKING_V1,
  OPAQUE_VOLUME_SOURCES,
  RBAC_V1,
  SCHEDULING_V1,
  SIMPLIFICATIONS,
  type Simplification,
} from "./definitions/index.ts";
export {
  type CustomResourceDefinitionLike,
  crdOpenapiV3Document,
  crdResources,
  crdSchemaName,
  crdSchemas,
  documentHash,
  findSchemaForKind,
  groupVersionPath,
  type OpenAPIV3Document,
  type OpenAPIV3Index,
  type Operation,
  openapiV3Document,
  openapiV3Index,
  PATCH_CONTENT_TYPES,
  type Parameter,
  type PathItem,
  type ResourceInfo,
} from "./documents.ts";
export {
  anyValue,
  arr,
  bool,
  bytes,
  COMPONENT_PREFIX,
  type GroupVersionKind,
  INT_OR_STRING,
  int,
  int64,
  intOrString,
  kind,
  LIST_META,
  listKind,
  listMap,
  MICRO_TIME,
  map,
  microTime,
  num,
  OBJECT_META,
  obj,
  preserveUnknown,
  QUANTITY,
  ref,
  refName,
  type Schema,
  type SchemaMap,
  type SchemaType,
  setList,
  str,
  TIME,
  time,
  withList,
} from "./schema.ts";
export { isStructuralSchema, structuralSchemaErrors } from "./structural.ts";
export {
  ErrorType,
  type FieldErrorLike,
  type FieldValidation,
  formatFieldError,
  jsonTypeOf,
  resolveSchema,
  strictDecodingMessage,
  unknownFieldMessage,
  type ValidateOptions,
  type ValidationResult,
  validateAgainstSchema,
} from "./validate.ts";
