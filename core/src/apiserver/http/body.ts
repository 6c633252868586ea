/**
 * Request bodies: read with a size limit, then decode by Content-Type — JSON, YAML, or the
 * protobuf kubectl 1.32 sends for `kubectl create <thing>`. A body that cannot be read is a clear
 * 4xx Status, never a crash.
 */
import type { IncomingMessage } from "node:http";
import { parse as parseYaml } from "yaml";
import { badRequest, requestEntityTooLarge, unsupportedMediaType } from "../errors.ts";
import { parseMediaTypes } from "./negotiate.ts";

/** kube-apiserver refuses request bodies over 3 MiB (--max-request-bytes, apiserver default). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit)
    throw requestEntityTooLarge(`limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw requestEntityTooLarge(`limit is ${limit}`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type BodyFormat = "json" | "yaml" | "protobuf";

export const ACCEPTED_INPUTS = [
  "application/json",
  "application/yaml",
  "application/vnd.kubernetes.protobuf",
];

export function bodyFormat(contentType: string | undefined): BodyFormat {
  const type = parseMediaTypes(contentType)[0]?.type ?? "application/json";
  switch (type) {
    case "application/json":
      return "json";
    case "application/yaml":
    case "application/x-yaml":
    case "text/yaml":
      return "yaml";
    case "application/vnd.kubernetes.protobuf":
      return "protobuf";
    default:
      throw unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: ${ACCEPTED_INPUTS.join(", ")}`,
      );
  }
}

/**
 * How deeply a body may nest objects and arrays. Kubernetes' JSON decoder stops at 10,000 levels
 * (Go's encoding/json); tinykube's own code recurses — structuredClone overflows the stack at
 * about 1,900 levels, the YAML printer at about 650 — so its limit is lower. Real objects are
 * far shallower: a Deployment's container ports sit 7 levels down.
 */
export const MAX_NESTING_DEPTH = 512;

/** Parses JSON or YAML into a value; protobuf is decoded by the caller, which knows the types. */
export function parseText(body: Buffer, format: "json" | "yaml"): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "") throw badRequest("the request body is empty");
  const what = format === "json" ? "JSON" : "YAML";
  let value: unknown;
  try {
    value = format === "json" ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw badRequest(`error decoding ${what} body: ${(error as Error).message}`);
  }
  if (nestsDeeperThan(value, MAX_NESTING_DEPTH)) {
    throw badRequest(`error decoding ${what} body: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  }
  return value;
}

/** Whether objects and arrays nest more than `limit` levels deep; walked without recursion. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== "object" || next.value === null) continue;
    if (next.depth > limit) return true;
    for (const child of Object.values(next.value)) {
      pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}

/** The body must be one object with apiVersion/kind (checked later) and metadata. */
export function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest(
      `the request body must be a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}
