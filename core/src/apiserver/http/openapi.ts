/**
 * OpenAPI v3 as kubectl reads it: `/openapi/v3` lists a document per group-version, each found at
 * `/openapi/v3/<api|apis/group>/<version>?hash=...`. kubectl 1.29+ uses them to decide that the
 * server validates (it then sends fieldValidation=Strict) and for `kubectl explain`. The same
 * schemas check request bodies: unknown fields (Strict → 400, Warn → warnings, Ignore → dropped)
 * and, for custom resources, types.
 */

import type { KubeObject } from "../../api/object.ts";
import {
  builtinSchemas,
  type CustomResourceDefinitionLike,
  crdOpenapiV3Document,
  findSchemaForKind,
  groupVersionPath,
  type OpenAPIV3Document,
  openapiV3Document,
  openapiV3Index,
  type SchemaMap,
  strictDecodingMessage,
  validateAgainstSchema,
} from "../../api/openapi/index.ts";
import type { ResourceType, Scheme } from "../../api/scheme.ts";
import type { Crd, CrdController } from "../crd.ts";
import { badRequest, invalid } from "../errors.ts";

export class OpenApi {
  constructor(
    private readonly scheme: Scheme,
    private readonly crds: CrdController,
  ) {}

  /** The documents, one per group-version, built from what is served right now. */
  private documents(): Record<string, OpenAPIV3Document> {
    const docs: Record<string, OpenAPIV3Document> = {};
    const custom = this.crds.crds() as unknown as CustomResourceDefinitionLike[];
    for (const gv of this.scheme.groupVersions()) {
      const path = groupVersionPath(gv.group, gv.version);
      const builtin = gv.types.filter((t) => !t.custom);
      if (builtin.length > 0) {
        docs[path] = openapiV3Document(
          gv,
          builtin.map((t) => ({
            group: t.group,
            version: t.version,
            kind: t.kind,
            resource: t.resource,
            namespaced: t.namespaced,
            subresources: t.subresources.map((s) => s.name),
            verbs: t.verbs,
          })),
        );
      } else {
        const mine = custom.filter((c) => c.spec.group === gv.group);
        docs[path] = crdOpenapiV3Document(gv, mine);
      }
    }
    return docs;
  }

  /** The body for a path under /openapi/, or undefined (404). */
  serve(path: string): unknown | undefined {
    const docs = this.documents();
    if (path === "/openapi/v3") return openapiV3Index(docs);
    const key = path.replace(/^\/openapi\/v3\//, "");
    return docs[key];
  }

  private schemas(type: ResourceType): SchemaMap {
    return type.custom ? { ...builtinSchemas, ...this.crds.schemas() } : builtinSchemas;
  }

  // #region prepareInput
  /**
   * Checks a request body against its kind's schema. Unknown fields: Strict refuses the request
   * (400, as Kubernetes' strict decoding does), Warn answers with a Warning header per field,
   * Ignore drops them silently — and in every mode they are not stored. Type errors refuse it:
   * a custom resource with 422 Invalid, a built-in kind with 400 as Kubernetes' decoder does.
   */
  check(
    type: ResourceType,
    object: KubeObject,
    mode: "Strict" | "Warn" | "Ignore",
    warnings: string[],
  ): KubeObject {
    const schemas = this.schemas(type);
    const ref = type.custom
      ? this.crds.schemaNameOf(type)
      : findSchemaForKind(schemas, { group: type.group, version: type.version, kind: type.kind });
    if (!ref) return object;
    const result = validateAgainstSchema(object, ref, schemas, {
      unknownFields: mode,
      checkRequired: type.custom === true,
    });
    const cannot = `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}`;
    if (mode === "Strict" && result.unknownFields.length > 0) {
      throw badRequest(`${cannot}: ${strictDecodingMessage(result.unknownFields)}`);
    }
    if (result.errors.length > 0) {
      if (type.custom) throw invalid(type, object.metadata?.name ?? "", result.errors);
      throw badRequest(
        `${cannot}: ${result.errors.map((e) => `${e.field}: ${e.detail}`).join(", ")}`,
      );
    }
    warnings.push(...result.warnings);
    return result.pruned as KubeObject;
  }
  // #endregion prepareInput

  crd(type: ResourceType): Crd | undefined {
    return this.crds.crdOf(type);
  }
}
