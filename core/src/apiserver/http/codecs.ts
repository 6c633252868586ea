/**
 * The conversions a resource request needs around the registry: bodies in (protobuf, schema
 * checks, defaults), patches, and Tables out. One interface, so the resource handler stays the
 * same while each conversion lives in its own module.
 */

import { applyDefaults } from "../../api/defaults/index.ts";
import type { DeleteOptions, KubeList, KubeObject } from "../../api/object.ts";
import {
  APPLY_PATCH,
  applyConflictError,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  groupKindOf,
  JSON_PATCH,
  MERGE_PATCH,
  PatchError,
  parseApplyPatch,
  patchTypeOf,
  serverSideApply,
} from "../../api/patch/index.ts";
import type { ResourceType } from "../../api/scheme.ts";
import { apiVersionOfType } from "../../api/scheme.ts";
import { ApiError, badRequest, unsupportedMediaType } from "../errors.ts";
import {
  decodeDeleteOptionsProtobuf,
  decodeKubernetesProtobuf,
  ProtobufDecodeError,
  UnsupportedProtobufError,
} from "../protobuf/index.ts";
import { timestamp } from "../registry/registry.ts";
import { crdTable } from "../table/crd.ts";
import { parseIncludeObject, toTable } from "../table/table.ts";
import { MAX_NESTING_DEPTH, nestsDeeperThan } from "./body.ts";
import type { OpenApi } from "./openapi.ts";

export interface Patcher {
  /** The patched object, from the current one. */
  apply(current: KubeObject): KubeObject | Promise<KubeObject>;
  /** For server-side apply: the object to create when none exists. */
  create?: () => KubeObject;
  /** Server-side apply records its own managedFields; other patches are recorded as updates. */
  managesFields: boolean;
}

export interface Codecs {
  table(
    type: ResourceType,
    source: KubeObject | KubeList,
    options: { version: "v1" | "v1beta1"; includeObject?: string | undefined; noHeaders?: boolean },
  ): unknown;
  decodeProtobuf(body: Buffer): KubeObject;
  /** A DELETE's body (kubectl drain sends DeleteOptions as protobuf). */
  decodeProtobufDeleteOptions(body: Buffer): DeleteOptions;
  /** Schema check (unknown fields per fieldValidation), then defaults; appends warnings. */
  prepareInput(
    type: ResourceType,
    object: KubeObject,
    validation: "Strict" | "Warn" | "Ignore",
    warnings: string[],
  ): KubeObject;
  patcher(
    type: ResourceType,
    contentType: string,
    body: Buffer,
    options: { fieldManager?: string | undefined; force: boolean },
  ): Patcher;
}

export function tableFor(
  type: ResourceType,
  source: KubeObject | KubeList,
  options: {
    version: "v1" | "v1beta1";
    includeObject?: string | undefined;
    noHeaders?: boolean;
    now: number;
  },
): unknown {
  return toTable(source, `${type.group}/${type.kind}`, {
    now: options.now,
    tableVersion: options.version,
    includeObject: parseIncludeObject(options.includeObject),
    noHeaders: options.noHeaders ?? false,
  });
}

/** Protobuf failures as Statuses: 415 for what tinykube does not decode, 400 for damage. */
function protobuf<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof UnsupportedProtobufError) throw unsupportedMediaType(error.message);
    if (error instanceof ProtobufDecodeError) throw badRequest(error.message);
    throw error;
  }
}

/** The codecs the API server runs with. */
export function makeCodecs(server: { clock: { now(): number } }, openapi: OpenApi): Codecs {
  return {
    table(type, source, options) {
      const crd = type.custom ? openapi.crd(type) : undefined;
      if (crd) {
        const columns = crd.spec.versions.find(
          (v) => v.name === type.version,
        )?.additionalPrinterColumns;
        return crdTable(columns as never, source, {
          now: server.clock.now(),
          tableVersion: options.version,
          includeObject: parseIncludeObject(options.includeObject),
          noHeaders: options.noHeaders ?? false,
        });
      }
      return tableFor(type, source, { ...options, now: server.clock.now() });
    },
    decodeProtobuf: (body) => protobuf(() => decodeKubernetesProtobuf(body)),
    decodeProtobufDeleteOptions: (body) => protobuf(() => decodeDeleteOptionsProtobuf(body)),
    // Unknown fields and types first (on the body as sent), then the kind's defaults.
    prepareInput(type, object, validation, warnings) {
      // Bodies were checked as they were decoded; a patch can still build something deeper.
      if (nestsDeeperThan(object, MAX_NESTING_DEPTH)) {
        throw badRequest(`the object is nested more than ${MAX_NESTING_DEPTH} levels deep`);
      }
      return applyDefaults(openapi.check(type, withTypeMeta(type, object), validation, warnings));
    },
    patcher(type, contentType, body, options) {
      const key = groupKindOf({ apiVersion: apiVersionOfType(type), kind: type.kind });
      const patchType = patching(() => patchTypeOf(contentType, key));
      const text = body.toString("utf8");
      const now = timestamp(server.clock.now());
      if (patchType === APPLY_PATCH) {
        if (!options.fieldManager) {
          throw invalidPatchOptions("fieldManager: Required value: is required for apply patch");
        }
        const applied = patching(() => parseApplyPatch(text));
        checkDepth(applied);
        const apply = (live: KubeObject | undefined) =>
          patching(() => {
            const result = serverSideApply(live, applied, {
              manager: options.fieldManager as string,
              force: options.force,
              now,
            });
            if (result.conflicts.length > 0) throw applyConflictError(result.conflicts);
            return result.object;
          });
        return {
          managesFields: true,
          apply: (current) => apply(current),
          create: () => apply(undefined),
        };
      }
      if (options.force)
        throw invalidPatchOptions("force: Forbidden: may not be specified for non-apply patch");
      const patch = patching(() => parsePatchBody(text));
      return {
        managesFields: false,
        apply: (current) =>
          patching(() => {
            if (patchType === JSON_PATCH) return applyJsonPatch(current, patch);
            if (patchType === MERGE_PATCH) return applyMergePatch(current, patch);
            return applyStrategicMergePatch(key, current, patch);
          }),
      };
    },
  };
}

/**
 * Kubernetes' decoder takes apiVersion and kind from the URL when a body leaves them out
 * (client-node's typed calls send none); a body that names another type is refused later, by
 * the registry.
 */
function withTypeMeta(type: ResourceType, object: KubeObject): KubeObject {
  const { apiVersion, kind, ...rest } = object;
  return {
    apiVersion: apiVersion || apiVersionOfType(type),
    kind: kind || type.kind,
    ...rest,
  } as KubeObject;
}

/** Runs a patch step, turning the patch module's errors into API Statuses. */
function patching<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof PatchError) throw new ApiError(error.toStatus());
    throw error;
  }
}

function parsePatchBody(text: string): unknown {
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`);
  }
  checkDepth(patch);
  return patch;
}

/** A patch nests no deeper than a request body may (body.ts says why there is a limit). */
function checkDepth(patch: unknown): void {
  if (nestsDeeperThan(patch, MAX_NESTING_DEPTH)) {
    throw badRequest(`error decoding patch: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  }
}

/** PatchOptions are validated as an object of their own, as Kubernetes does. */
function invalidPatchOptions(detail: string): ApiError {
  return badRequest(`PatchOptions.meta.k8s.io "" is invalid: ${detail}`);
}
