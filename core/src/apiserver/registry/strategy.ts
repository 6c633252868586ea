/**
 * A strategy holds what differs between resources in the generic registry's create, update and
 * delete — Kubernetes' RESTCreateStrategy / RESTUpdateStrategy / RESTDeleteStrategy. The
 * registry does the rest the same way for every resource.
 */

import { kindKey } from "../../api/kind-key.ts";
import type { KubeObject } from "../../api/object.ts";
import type { ResourceType } from "../../api/scheme.ts";
import { validators } from "../../api/validate/index.ts";
import {
  type FieldError,
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "../../api/validation.ts";

/**
 * The end of a write that a begin hook took part in (Kubernetes' genericregistry.FinishFunc):
 * called exactly once, with true when the object was stored (or a dry run passed) and false when
 * anything after the hook refused the write, so what the hook reserved is kept or given back.
 * It never throws: by then the write's outcome is decided, and a leak is left to a repair loop.
 */
export type FinishWrite = (success: boolean) => Promise<void>;

export interface Strategy {
  /** Clears what a client may not set on create (usually status) and sets server-owned fields. */
  prepareForCreate(object: KubeObject): void;
  /** Same for an update of the main resource: by default the status stays as it was. */
  prepareForUpdate(object: KubeObject, old: KubeObject): void;
  /** For an update through the status subresource: only the status may change. */
  prepareForStatusUpdate(object: KubeObject, old: KubeObject): void;
  validate(object: KubeObject): FieldError[];
  validateUpdate(object: KubeObject, old: KubeObject): FieldError[];
  /**
   * Seconds a delete waits for the object's owner to clean up, or 0 to delete at once.
   * `requested` is the client's gracePeriodSeconds, if it sent one.
   */
  gracePeriod(object: KubeObject, requested: number | undefined): number;
  /** A PUT of a missing object creates it (Kubernetes allows it for a few resources). */
  allowCreateOnUpdate: boolean;
  /**
   * Finalizers of the kind's own that hold a deleted object (a namespace's spec.finalizers),
   * besides metadata.finalizers; and what marking it for deletion changes (its phase).
   */
  ownFinalizers?(object: KubeObject): readonly string[];
  /**
   * A delete that removed the object answers with the object (Kubernetes' ReturnDeletedObject:
   * pods, services, service accounts, namespaces, custom resources); otherwise with a Status.
   */
  returnDeletedObject?: boolean;
  markDeleting?(object: KubeObject): void;
  /**
   * Kubernetes' Store.BeginCreate: runs after mutating admission and before validation, and may
   * fill in fields from outside the object (a Service's cluster IP and node ports).
   */
  beginCreate?(object: KubeObject, context: { dryRun: boolean }): Promise<FinishWrite>;
  /** Store.BeginUpdate, the same for an update of the main resource (not its subresources). */
  beginUpdate?(
    object: KubeObject,
    old: KubeObject,
    context: { dryRun: boolean },
  ): Promise<FinishWrite>;
  /** Store.AfterDelete: the object is gone from the store (never called for a dry run). */
  afterDelete?(object: KubeObject): Promise<void>;
}

const hasStatus = (type: ResourceType) => type.subresources.some((s) => s.name === "status");

/**
 * The behaviour most resources share:
 * - validation is the kind's own (api/validate, which includes the metadata rules), or for custom
 *   resources just the metadata rules;
 * - with a status subresource, a create starts with an empty status (custom resources: none),
 *   the main resource ignores status and the subresource ignores everything else;
 * - deletes are immediate.
 */
export function defaultStrategy(type: ResourceType, overrides: Partial<Strategy> = {}): Strategy {
  const status = hasStatus(type);
  const key = kindKey(type.group, type.kind);
  const kindValidator = validators[key];
  const metaRules = { namespaced: type.namespaced, nameValidator: nameIsDNSSubdomain };
  return {
    prepareForCreate(object) {
      if (!status) return;
      if (type.custom) delete object.status;
      else object.status = {};
    },
    prepareForUpdate(object, old) {
      if (!status) return;
      if (old.status === undefined) delete object.status;
      else object.status = old.status;
    },
    prepareForStatusUpdate(object, old) {
      for (const field of Object.keys(object)) {
        if (
          field !== "status" &&
          field !== "metadata" &&
          field !== "apiVersion" &&
          field !== "kind"
        ) {
          delete object[field];
        }
      }
      for (const field of Object.keys(old)) {
        if (field !== "status" && field !== "metadata") object[field] = old[field];
      }
      // Kubernetes' ResetObjectMetaForStatus: a status update cannot touch labels, annotations,
      // finalizers or owners either.
      object.metadata = {
        ...object.metadata,
        labels: old.metadata.labels,
        annotations: old.metadata.annotations,
        finalizers: old.metadata.finalizers,
        ownerReferences: old.metadata.ownerReferences,
      };
      for (const field of ["labels", "annotations", "finalizers", "ownerReferences"] as const) {
        if (object.metadata[field] === undefined) delete object.metadata[field];
      }
    },
    validate: (object) =>
      kindValidator
        ? kindValidator.validateCreate(object)
        : validateObjectMeta(object.metadata, metaRules),
    validateUpdate: (object, old) =>
      kindValidator
        ? kindValidator.validateUpdate(object, old)
        : validateObjectMetaUpdate(object.metadata, old.metadata),
    gracePeriod: () => 0,
    allowCreateOnUpdate: false,
    ...overrides,
  };
}
