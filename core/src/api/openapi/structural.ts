/**
 * The rules a CustomResourceDefinition's openAPIV3Schema must follow to be accepted by
 * apiextensions.k8s.io/v1: a *structural* schema, one that says for every field which type it
 * has, so the API server can prune unknown fields and default missing ones without guessing.
 *
 * The rules, with the messages apiextensions-apiserver gives (paths as it prints them, e.g.
 * `spec.versions[0].schema.openAPIV3Schema.properties[spec].type`):
 * 1. Every node has a `type`, unless it is int-or-string or preserves unknown fields; the root is
 *    an object; an array has `items`.
 * 2. `additionalProperties` is not used at the root, nor together with `properties`, nor set to
 *    false; `$ref` is not supported; `uniqueItems` may not be true.
 * 3. Inside allOf/anyOf/oneOf/not (value validations) nothing declares structure: no type,
 *    description, default, nullable, additionalProperties or x-kubernetes-* extension; and every
 *    field they mention is also declared outside them.
 * 4. At the root, metadata may only restrict name and generateName; an embedded resource is an
 *    object with properties or preserve-unknown-fields; int-or-string excludes
 *    preserve-unknown-fields and embedded-resource.
 * Errors are sorted by their message, as Kubernetes sorts them.
 */
import { type FieldError, fieldErrorMessage, forbidden, invalid, required } from "../validation.ts";
import type { Schema } from "./schema.ts";

type Level = "root" | "item" | "field";

const EMPTY_TYPE_DETAIL: Record<Level, string> = {
  root: "must not be empty at the root",
  item: "must not be empty for specified array items",
  field: "must not be empty for specified object fields",
};

const JUNCTORS = ["allOf", "anyOf", "oneOf"] as const;

// #region structuralSchemaErrors
/** The violations of `schema`, each at `path` + its place in the schema. Empty: structural. */
export function structuralSchemaErrors(
  schema: Schema,
  path = "spec.versions[0].schema.openAPIV3Schema",
): FieldError[] {
  const errors: FieldError[] = [];
  invariants(schema, "root", path, errors);
  completeness(schema, schema, path, path, errors);
  return errors.sort((a, b) => compare(fieldErrorMessage(a), fieldErrorMessage(b)));
}
// #endregion structuralSchemaErrors

export function isStructuralSchema(schema: Schema): boolean {
  return structuralSchemaErrors(schema).length === 0;
}

/** Rules 1, 2 and 4 on the structural part; rule 3 on each value validation below it. */
function invariants(s: Schema, level: Level, path: string, errors: FieldError[]): void {
  if (s.type === "array" && s.items === undefined) {
    errors.push(required(`${path}.items`, "must be specified"));
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) {
      errors.push(forbidden(`${path}.items`, "items must be a schema object and not an array"));
    } else {
      invariants(s.items, "item", `${path}.items`, errors);
    }
  }
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    invariants(child, "field", `${path}.properties[${key}]`, errors);
  }

  const additional = s.additionalProperties;
  if (additional !== undefined) {
    if (level === "root") {
      errors.push(forbidden(`${path}.additionalProperties`, "must not be used at the root"));
    }
    if (s.properties !== undefined && Object.keys(s.properties).length > 0) {
      errors.push(
        forbidden(
          `${path}.additionalProperties`,
          "additionalProperties and properties are mutual exclusive",
        ),
      );
    }
    if (additional === false) {
      errors.push(
        forbidden(`${path}.additionalProperties`, "additionalProperties cannot be set to false"),
      );
    }
    if (typeof additional === "object") {
      invariants(additional, "field", `${path}.additionalProperties`, errors);
    }
  }
  if (s.$ref !== undefined) errors.push(forbidden(`${path}.$ref`, "$ref is not supported"));
  if (s.uniqueItems === true) {
    errors.push(
      forbidden(
        `${path}.uniqueItems`,
        "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
      ),
    );
  }

  const intOrString = s["x-kubernetes-int-or-string"] === true;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  if (intOrString && preserve) {
    errors.push(
      invalid(
        `${path}.x-kubernetes-preserve-unknown-fields`,
        true,
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );
  }
  if (intOrString && embedded) {
    errors.push(
      invalid(
        `${path}.x-kubernetes-embedded-resource`,
        true,
        "must be false if x-kubernetes-int-or-string is true",
      ),
    );
  }
  listExtensions(s, path, errors);

  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = isIntOrStringAnyOf(s.allOf?.[0]?.anyOf);
  valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, path, errors);

  if (embedded && s.type !== "object") {
    errors.push(
      s.type === undefined
        ? required(`${path}.type`, "must be object if x-kubernetes-embedded-resource is true")
        : invalid(
            `${path}.type`,
            s.type,
            "must be object if x-kubernetes-embedded-resource is true",
          ),
    );
  } else if (s.type === undefined && !intOrString && !preserve) {
    errors.push(required(`${path}.type`, EMPTY_TYPE_DETAIL[level]));
  }
  if (embedded && additional !== undefined) {
    errors.push(
      forbidden(
        `${path}.additionalProperties`,
        "must not be used if x-kubernetes-embedded-resource is set",
      ),
    );
  }
  if (level === "root" && s.type !== undefined && s.type !== "object") {
    errors.push(invalid(`${path}.type`, s.type, "must be object at the root"));
  }

  if (level === "root" || embedded) {
    const props = s.properties ?? {};
    const typed = (key: string, type: string) => {
      const prop = props[key];
      if (prop !== undefined && prop.type !== type) {
        errors.push(invalid(`${path}.properties[${key}].type`, prop.type ?? "", `must be ${type}`));
      }
    };
    typed("kind", "string");
    typed("apiVersion", "string");
    typed("metadata", "object");
  }
  const metadata = s.properties?.metadata;
  if (level === "root" && metadata !== undefined && !onlyNamesRestricted(metadata)) {
    errors.push(
      forbidden(
        `${path}.properties[metadata]`,
        "must not specify anything other than name and generateName, but metadata is implicitly specified",
      ),
    );
  }
  if (embedded && !preserve && Object.keys(s.properties ?? {}).length === 0) {
    errors.push(
      required(
        `${path}.properties`,
        "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
      ),
    );
  }
}

function listExtensions(s: Schema, path: string, errors: FieldError[]): void {
  const listType = s["x-kubernetes-list-type"];
  const keys = s["x-kubernetes-list-map-keys"];
  if (listType !== undefined && s.type !== "array") {
    errors.push(
      invalid(`${path}.x-kubernetes-list-type`, listType, "must only be used if type == array"),
    );
  }
  if (listType === "map" && (keys === undefined || keys.length === 0)) {
    errors.push(
      required(
        `${path}.x-kubernetes-list-map-keys`,
        "must not be empty if x-kubernetes-list-type is map",
      ),
    );
  }
  if (keys !== undefined && keys.length > 0 && listType !== "map") {
    errors.push(
      forbidden(
        `${path}.x-kubernetes-list-map-keys`,
        "must be empty if x-kubernetes-list-type is not map",
      ),
    );
  }
}

/** The two int-or-string patterns Kubernetes lets through: anyOf [{type: integer}, {type: string}]. */
function isIntOrStringAnyOf(anyOf: Schema[] | undefined): boolean {
  return (
    anyOf !== undefined &&
    anyOf.length === 2 &&
    JSON.stringify(anyOf[0]) === '{"type":"integer"}' &&
    JSON.stringify(anyOf[1]) === '{"type":"string"}'
  );
}

/** Rule 3: the value validations under s (allOf, anyOf, oneOf, not), recursively. */
function valueValidation(
  s: Schema,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  path: string,
  errors: FieldError[],
): void {
  if (!skipAnyOf) {
    for (const [i, branch] of (s.anyOf ?? []).entries()) {
      nested(branch, false, `${path}.anyOf[${i}]`, errors);
    }
  }
  for (const [i, branch] of (s.allOf ?? []).entries()) {
    nested(branch, skipFirstAllOfAnyOf && i === 0, `${path}.allOf[${i}]`, errors);
  }
  for (const [i, branch] of (s.oneOf ?? []).entries()) {
    nested(branch, false, `${path}.oneOf[${i}]`, errors);
  }
  if (s.not !== undefined) nested(s.not, false, `${path}.not`, errors);
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, "u");
    } catch (error) {
      errors.push(
        invalid(
          `${path}.pattern`,
          s.pattern,
          `must be a valid regular expression, but isn't: ${(error as Error).message}`,
        ),
      );
    }
  }
}

function nested(v: Schema, skipAnyOf: boolean, path: string, errors: FieldError[]): void {
  valueValidation(v, skipAnyOf, false, path, errors);
  if (v.items !== undefined && !Array.isArray(v.items))
    nested(v.items, false, `${path}.items`, errors);
  for (const [key, child] of Object.entries(v.properties ?? {})) {
    nested(child, false, `${path}.properties[${key}]`, errors);
  }
  const rules: [keyof Schema, boolean, string][] = [
    ["type", v.type !== undefined, "must be empty to be structural"],
    [
      "additionalProperties",
      v.additionalProperties !== undefined,
      "must be undefined to be structural",
    ],
    ["default", v.default !== undefined, "must be undefined to be structural"],
    ["title", v.title !== undefined && v.title !== "", "must be empty to be structural"],
    [
      "description",
      v.description !== undefined && v.description !== "",
      "must be empty to be structural",
    ],
    ["nullable", v.nullable === true, "must be false to be structural"],
    [
      "x-kubernetes-preserve-unknown-fields",
      v["x-kubernetes-preserve-unknown-fields"] === true,
      "must be false to be structural",
    ],
    [
      "x-kubernetes-embedded-resource",
      v["x-kubernetes-embedded-resource"] === true,
      "must be false to be structural",
    ],
    [
      "x-kubernetes-int-or-string",
      v["x-kubernetes-int-or-string"] === true,
      "must be false to be structural",
    ],
    [
      "x-kubernetes-list-map-keys",
      (v["x-kubernetes-list-map-keys"]?.length ?? 0) > 0,
      "must be empty to be structural",
    ],
    [
      "x-kubernetes-list-type",
      v["x-kubernetes-list-type"] !== undefined,
      "must be undefined to be structural",
    ],
  ];
  for (const [key, present, detail] of rules) {
    if (present) errors.push(forbidden(`${path}.${key}`, detail));
  }
  if (v.properties?.metadata !== undefined) {
    errors.push(
      forbidden(`${path}.properties[metadata]`, "must not be specified in a nested context"),
    );
  }
}

/**
 * Rule 3, second half: whatever a value validation mentions (a property, items) must exist in
 * the structural schema at the same place.
 */
function completeness(
  v: Schema,
  s: Schema | undefined,
  sPath: string,
  vPath: string,
  errors: FieldError[],
): void {
  const branches: [Schema, string][] = [];
  if (v.not !== undefined) branches.push([v.not, `${vPath}.not`]);
  for (const junctor of JUNCTORS) {
    for (const [i, branch] of (v[junctor] ?? []).entries()) {
      branches.push([branch, `${vPath}.${junctor}[${i}]`]);
    }
  }
  for (const [branch, branchPath] of branches)
    nestedCompleteness(branch, s, sPath, branchPath, errors);
  if (v === s) {
    // Walk the structural part to find value validations further down.
    if (s.items !== undefined && !Array.isArray(s.items)) {
      completeness(s.items, s.items, `${sPath}.items`, `${sPath}.items`, errors);
    }
    for (const [key, child] of Object.entries(s.properties ?? {})) {
      const p = `${sPath}.properties[${key}]`;
      completeness(child, child, p, p, errors);
    }
    if (typeof s.additionalProperties === "object") {
      const p = `${sPath}.additionalProperties`;
      completeness(s.additionalProperties, s.additionalProperties, p, p, errors);
    }
  }
}

function nestedCompleteness(
  v: Schema,
  s: Schema | undefined,
  sPath: string,
  vPath: string,
  errors: FieldError[],
): void {
  if (s === undefined) {
    errors.push(required(sPath, `because it is defined in ${vPath}`));
    return;
  }
  completeness(v, s, sPath, vPath, errors);
  if (v.items !== undefined && !Array.isArray(v.items)) {
    const sItems = s.items !== undefined && !Array.isArray(s.items) ? s.items : undefined;
    nestedCompleteness(v.items, sItems, `${sPath}.items`, `${vPath}.items`, errors);
  }
  for (const [key, child] of Object.entries(v.properties ?? {})) {
    const sChild =
      s.properties?.[key] ??
      (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
    nestedCompleteness(
      child,
      sChild,
      `${sPath}.properties[${key}]`,
      `${vPath}.properties[${key}]`,
      errors,
    );
  }
}

/** metadata at the root may only say it is an object and restrict name and generateName. */
function onlyNamesRestricted(metadata: Schema): boolean {
  for (const [key, value] of Object.entries(metadata)) {
    if (value === undefined) continue;
    if (key === "type" || key === "default") continue;
    if (key === "properties") {
      const names = Object.keys(value as Record<string, Schema>);
      if (names.every((n) => n === "name" || n === "generateName")) continue;
    }
    return false;
  }
  return true;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
