/**
 * Helpers for validation tests: run an object through what the API server runs before storing it
 * (defaulting, then create or update validation) and read back the errors as Kubernetes prints
 * them, one `field: Type: value: detail` string each.
 */
import { applyDefaults } from "../defaults/index.ts";
import type { KubeObject } from "../object.ts";
import { fieldErrorMessage } from "../validation.ts";
import { validateCreate, validateUpdate } from "./index.ts";

/** Errors for creating `obj` (defaulted first, as the API server does). */
export function createErrors(obj: KubeObject): string[] {
  return validateCreate(applyDefaults(structuredClone(obj))).map(fieldErrorMessage);
}

/**
 * Errors for updating `old` (as stored: defaulted) to `next` (defaulted too). `next` gets the
 * stored object's resourceVersion unless it has one, as a client's read-modify-write would.
 */
export function updateErrors(next: KubeObject, old: KubeObject): string[] {
  const stored = applyDefaults(structuredClone(old));
  const body = applyDefaults(structuredClone(next));
  body.metadata.resourceVersion ??= stored.metadata.resourceVersion ?? "1";
  stored.metadata.resourceVersion ??= "1";
  return validateUpdate(body, stored).map(fieldErrorMessage);
}

/** A JSON object a test edits freely (`p.spec.containers[0].image = ""`). */
// biome-ignore lint/suspicious/noExplicitAny: test tables poke at arbitrary JSON paths
export type Json = any;

/** A deep copy of `obj` changed by `edit`, for one-rule-per-case tables. */
export function edited<T extends KubeObject>(obj: T, edit: (copy: Json) => void): T {
  const copy = structuredClone(obj);
  edit(copy);
  return copy;
}
