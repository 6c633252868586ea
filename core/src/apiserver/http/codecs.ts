/**
 * The conversions a resource request needs around the registry: bodies in (protobuf, schema
 * checks, defaults), patches, and Tables out. One interface, so the resource handler stays the
 * same while each conversion lives in its own module.
 */

import type { DeleteOptions, KubeList, KubeObject } from "../../api/object.ts";
import type { ResourceType } from "../../api/scheme.ts";
import { badRequest, unsupportedMediaType } from "../errors.ts";
import {
  decodeDeleteOptionsProtobuf,
  decodeKubernetesProtobuf,
  ProtobufDecodeError,
  UnsupportedProtobufError,
} from "../protobuf/index.ts";
import { crdTable } from "../table/crd.ts";
import { parseIncludeObject, toTable } from "../table/table.ts";
import type { OpenApi } from "./openapi.ts";

export interface Patcher {
  /** The patched object, from the current one. */
  apply(current: KubeObject): KubeObject | Promise<KubeObject>;
  /** For server-side apply: the object to create when none exists. */
  create?: () => KubeObject;
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

export function unsupportedPatch(contentType: string): Error {
  return unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType || "none"})`,
  );
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
    prepareInput: (type, object, validation, warnings) =>
      openapi.check(type, object, validation, warnings),
    patcher(_type, contentType) {
      throw unsupportedPatch(contentType);
    },
  };
}
