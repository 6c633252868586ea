/**
 * Checks a decoded object against an OpenAPI v3 schema the way the API server does, and removes
 * what the schema does not know.
 *
 * Guarantees:
 * - Every field the schema does not name is found, wherever it is, and reported by its path in
 *   Kubernetes' notation (`spec.template.spec.containers[0].foo`), in document order. What
 *   happens next is the caller's `fieldValidation`: Strict rejects the request (400, see
 *   `strictDecodingMessage`), Warn sends one `Warning` header per field (`warnings`), Ignore
 *   drops them silently. `pruned` never contains them, whatever the mode.
 * - Fields are kept when the schema says so: `x-kubernetes-preserve-unknown-fields`,
 *   `additionalProperties` (maps), and apiVersion/kind/metadata of an
 *   `x-kubernetes-embedded-resource`.
 * - `null` for a field that is not `nullable` means "not set": it is dropped, not an error. (Go's
 *   decoder leaves such a field empty; for custom resources the API server prunes such nulls
 *   before validating.)
 * - Type, enum, required, format and bounds violations are `errors`, with the messages the API
 *   server gives for custom resources, e.g. `spec.replicas: Invalid value: "string":
 *   spec.replicas in body must be of type integer: "string"`. A value of the wrong type is not
 *   looked into further, so one mistake gives one error.
 *
 * Worked example: `{ spec: { replicas: "3", foo: 1 } }` against a Deployment gives
 * errors = [spec.replicas must be of type integer], unknownFields = ["spec.foo"], and
 * pruned = `{ spec: { replicas: "3" } }`.
 */
import {
  type FieldError,
  fieldErrorMessage,
  goQuote,
  invalid,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from "../validation.ts";
import { OBJECT_META, refName, type Schema, type SchemaMap, type SchemaType } from "./schema.ts";

/** A schema violation: one of Kubernetes' field errors. */
export type FieldErrorLike = FieldError;

/** The `fieldValidation` query parameter. */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface ValidateOptions {
  unknownFields: FieldValidation;
  /**
   * Report missing `required` fields (default true). Kubernetes checks required fields of
   * built-in kinds in each kind's own validation, not through its schema: a caller that has that
   * validation may turn this off.
   */
  checkRequired?: boolean;
}

export interface ValidationResult {
  /** Schema violations: the body of a 422 Invalid. */
  errors: FieldErrorLike[];
  /** Paths of fields the schema does not know, in document order, whatever the mode. */
  unknownFields: string[];
  /** Warn mode: the text of one `Warning` header per unknown field. */
  warnings: string[];
  /** The value without unknown fields and without nulls that mean "not set". */
  pruned: unknown;
}

export const ErrorType = {
  Required: "FieldValueRequired",
  TypeInvalid: "FieldValueTypeInvalid",
  Invalid: "FieldValueInvalid",
  NotSupported: "FieldValueNotSupported",
  TooLong: "FieldValueTooLong",
  TooMany: "FieldValueTooMany",
  Forbidden: "FieldValueForbidden",
} as const;

/** The `unknown field "spec.foo"` text Kubernetes uses for each unknown field. */
export function unknownFieldMessage(path: string): string {
  return `unknown field "${path}"`;
}

/**
 * The message of the 400 a Strict request gets, as the API server words it after
 * `<Kind> in version "<v>" cannot be handled as a <Kind>: `.
 */
export function strictDecodingMessage(unknownFields: readonly string[]): string {
  return `strict decoding error: ${unknownFields.map(unknownFieldMessage).join(", ")}`;
}

// #region validateAgainstSchema
/**
 * Validates `value` against the component named `schemaRef` (a component name, or a
 * "#/components/schemas/..." reference) of `components`.
 */
export function validateAgainstSchema(
  value: unknown,
  schemaRef: string,
  components: SchemaMap,
  options: ValidateOptions,
): ValidationResult {
  const walker = new Walker(components, options.checkRequired ?? true, false);
  const pruned = walker.walk(value, { $ref: schemaRef }, "");
  const unknownFields = walker.unknown;
  return {
    errors: walker.errors,
    unknownFields,
    warnings: options.unknownFields === "Warn" ? unknownFields.map(unknownFieldMessage) : [],
    pruned,
  };
}
// #endregion validateAgainstSchema

/**
 * The schema that describes a value: `$ref`s and Kubernetes' `{ allOf: [{ $ref }] }` wrappers
 * followed.
 */
export function resolveSchema(schema: Schema, components: SchemaMap): Schema {
  return new Walker(components, false, false).resolve(schema);
}

/** The message kubectl prints for one error: `spec.x: Invalid value: "y": detail`. */
export function formatFieldError(error: FieldErrorLike): string {
  if (error.type === "FieldValueTooMany") {
    return `${error.field}: Too many: ${error.value}: ${error.detail}`;
  }
  return fieldErrorMessage(error);
}

/** JSON Schema's name for the type of a decoded JSON value. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "object") return "object";
  return typeof value; // string, boolean
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: SchemaType): boolean {
  switch (type) {
    case "object":
      return isPlainObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
  }
}

/** RFC 3339, as Go's time.RFC3339 parses it (fractional seconds allowed). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const FORMATS: Record<string, (value: string) => boolean> = {
  "date-time": (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)),
  byte: (v) => BASE64.test(v),
};

const childPath = (path: string, name: string) => (path === "" ? name : `${path}.${name}`);

class Walker {
  readonly errors: FieldErrorLike[] = [];
  readonly unknown: string[] = [];

  constructor(
    private readonly components: SchemaMap,
    private readonly checkRequired: boolean,
    /** Inside allOf/anyOf/oneOf/not: checks values only, prunes and reports nothing unknown. */
    private readonly valueOnly: boolean,
  ) {}

  /**
   * Follows `$ref`s, and Kubernetes' `{ allOf: [{ $ref }], description }` wrapper, to the schema
   * that describes the value. The wrapper's own keywords (nullable, description) are kept.
   */
  resolve(schema: Schema): Schema {
    let current = schema;
    for (let hops = 0; hops < 64; hops++) {
      if (current.$ref !== undefined) {
        const name = refName(current.$ref);
        const target = this.components[name];
        if (target === undefined) throw new Error(`no schema component named "${name}"`);
        current = current.nullable ? { ...target, nullable: true } : target;
        continue;
      }
      const only = current.allOf?.length === 1 ? current.allOf[0] : undefined;
      if (
        only?.$ref !== undefined &&
        current.type === undefined &&
        current.properties === undefined
      ) {
        const { allOf: _wrapper, ...rest } = current;
        current = { ...this.resolve(only), ...withoutUndefined(rest) };
        continue;
      }
      return current;
    }
    throw new Error("schema $ref chain too long (a reference cycle?)");
  }

  walk(value: unknown, schemaOrRef: Schema, path: string): unknown {
    const schema = this.resolve(schemaOrRef);
    if (value === null) {
      if (schema.nullable || isUntyped(schema)) return null;
      this.typeError(path, value, expectedType(schema) ?? "object");
      return value;
    }
    const expected = expectedType(schema);
    if (
      expected !== undefined &&
      !expected.split(",").some((t) => hasType(value, t as SchemaType))
    ) {
      this.typeError(path, value, expected);
      return value;
    }
    this.checkValue(value, schema, path);

    let result: unknown = value;
    if (isPlainObject(value)) result = this.walkObject(value, schema, path);
    else if (Array.isArray(value)) result = this.walkArray(value, schema, path);
    this.checkJunctors(result, schema, path);
    return result;
  }

  private walkObject(value: Record<string, unknown>, schema: Schema, path: string): unknown {
    const properties: Record<string, Schema> = { ...schema.properties };
    if (schema["x-kubernetes-embedded-resource"]) {
      properties.apiVersion ??= { type: "string" };
      properties.kind ??= { type: "string" };
      if (properties.metadata === undefined) {
        properties.metadata =
          this.components[OBJECT_META] !== undefined
            ? { $ref: OBJECT_META }
            : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
      }
    }
    const additional = schema.additionalProperties;
    const keepUnknown =
      this.valueOnly ||
      isUntyped(schema) ||
      additional === true ||
      schema["x-kubernetes-preserve-unknown-fields"] === true;

    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const known = Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (known !== undefined) {
        if (child === null && !this.isNullable(known)) continue; // null means "not set"
        out[key] = this.walk(child, known, childPath(path, key));
      } else if (typeof additional === "object") {
        out[key] = this.walk(child, additional, `${path}[${key}]`);
      } else if (keepUnknown) {
        out[key] = child;
      } else {
        this.unknown.push(childPath(path, key));
      }
    }
    if (this.checkRequired) {
      for (const name of schema.required ?? []) {
        if (!Object.hasOwn(out, name)) {
          this.errors.push(required(childPath(path, name)));
        }
      }
    }
    const count = Object.keys(out).length;
    if (schema.maxProperties !== undefined && count > schema.maxProperties) {
      this.tooMany(path, count, schema.maxProperties);
    }
    if (schema.minProperties !== undefined && count < schema.minProperties) {
      this.invalidValue(path, out, `should have at least ${schema.minProperties} properties`);
    }
    return this.valueOnly ? value : out;
  }

  private walkArray(value: unknown[], schema: Schema, path: string): unknown {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      this.tooMany(path, value.length, schema.maxItems);
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      this.invalidValue(path, value, `should have at least ${schema.minItems} items`);
    }
    const items = schema.items;
    if (items === undefined) return value;
    const out = value.map((item, i) => this.walk(item, items, `${path}[${i}]`));
    return this.valueOnly ? value : out;
  }

  /** enum, format and bounds: the checks on one value, whatever its type. */
  private checkValue(value: unknown, schema: Schema, path: string): void {
    if (schema.enum !== undefined && !schema.enum.some((allowed) => sameJson(allowed, value))) {
      const supported = schema.enum.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
      this.errors.push(notSupported(path, value, supported));
    }
    if (typeof value === "string") {
      const check = schema.format === undefined ? undefined : FORMATS[schema.format];
      if (check !== undefined && !check(value)) {
        this.typeError(path, value, schema.format as string, goQuote(value));
      }
      if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
        this.errors.push(tooLong(path, schema.maxLength));
      }
      if (schema.minLength !== undefined && [...value].length < schema.minLength) {
        this.invalidValue(path, value, `should be at least ${schema.minLength} chars long`);
      }
      if (schema.pattern !== undefined && !safeRegExp(schema.pattern)?.test(value)) {
        this.invalidValue(path, value, `should match '${schema.pattern}'`);
      }
    }
    if (typeof value === "number") {
      const { minimum, maximum } = schema;
      if (minimum !== undefined) {
        if (schema.exclusiveMinimum ? value <= minimum : value < minimum) {
          const rel = schema.exclusiveMinimum ? "greater than" : "greater than or equal to";
          this.invalidValue(path, value, `should be ${rel} ${minimum}`);
        }
      }
      if (maximum !== undefined) {
        if (schema.exclusiveMaximum ? value >= maximum : value > maximum) {
          const rel = schema.exclusiveMaximum ? "less than" : "less than or equal to";
          this.invalidValue(path, value, `should be ${rel} ${maximum}`);
        }
      }
    }
  }

  /**
   * allOf/anyOf/oneOf/not that are not reference wrappers: value validations only, as in a
   * structural schema. They never prune and never declare fields.
   */
  private checkJunctors(value: unknown, schema: Schema, path: string): void {
    const branchErrors = (branch: Schema): FieldErrorLike[] => {
      const sub = new Walker(this.components, this.checkRequired, true);
      sub.walk(value, branch, path);
      return sub.errors;
    };
    if (schema.allOf !== undefined) {
      for (const branch of schema.allOf) this.errors.push(...branchErrors(branch));
    }
    if (schema.anyOf !== undefined && !isTypeUnion(schema.anyOf)) {
      if (!schema.anyOf.some((branch) => branchErrors(branch).length === 0)) {
        this.invalidValue(path, value, "must validate at least one schema (anyOf)");
      }
    }
    if (schema.oneOf !== undefined && !isTypeUnion(schema.oneOf)) {
      const passing = schema.oneOf.filter((branch) => branchErrors(branch).length === 0).length;
      if (passing !== 1)
        this.invalidValue(path, value, "must validate one and only one schema (oneOf)");
    }
    if (schema.not !== undefined && branchErrors(schema.not).length === 0) {
      this.invalidValue(path, value, "must not validate the schema (not)");
    }
  }

  private isNullable(schema: Schema): boolean {
    const resolved = this.resolve(schema);
    return resolved.nullable === true || isUntyped(resolved);
  }

  private typeError(path: string, value: unknown, expected: string, shown?: string): void {
    const actual = jsonTypeOf(value);
    const subject = path === "" ? "body" : `${path} in body`;
    const detail = `${subject} must be of type ${expected}: ${shown ?? goQuote(actual)}`;
    this.errors.push(typeInvalid(path, shown === undefined ? actual : value, detail));
  }

  private invalidValue(path: string, value: unknown, what: string): void {
    const subject = path === "" ? "body" : `${path} in body`;
    this.errors.push(invalid(path, value, `${subject} ${what}`));
  }

  private tooMany(path: string, actual: number, max: number): void {
    this.errors.push(tooMany(path, actual, max));
  }
}

/**
 * The type(s) a schema demands, comma-separated as Kubernetes prints them: "integer",
 * "integer,string" for int-or-string, "string,number" for a Quantity's oneOf.
 */
function expectedType(schema: Schema): string | undefined {
  if (schema["x-kubernetes-int-or-string"]) return "integer,string";
  if (schema.type !== undefined) return schema.type;
  for (const union of [schema.oneOf, schema.anyOf]) {
    if (union !== undefined && isTypeUnion(union)) {
      return union.map((branch) => branch.type).join(",");
    }
  }
  return undefined;
}

/** `oneOf: [{ type: integer }, { type: string }]`: a choice of types, nothing more. */
function isTypeUnion(branches: Schema[]): boolean {
  return (
    branches.length > 0 &&
    branches.every((b) => b.type !== undefined && Object.keys(b).length === 1)
  );
}

/** A schema that says nothing about the value's type: any JSON value is accepted and kept. */
function isUntyped(schema: Schema): boolean {
  return (
    expectedType(schema) === undefined &&
    schema.properties === undefined &&
    schema.items === undefined &&
    schema.additionalProperties === undefined
  );
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

const regExpCache = new Map<string, RegExp | undefined>();
function safeRegExp(pattern: string): RegExp | undefined {
  if (!regExpCache.has(pattern)) {
    let compiled: RegExp | undefined;
    try {
      compiled = new RegExp(pattern, "u");
    } catch {
      compiled = undefined; // structural validation rejects such a schema; never match here
    }
    regExpCache.set(pattern, compiled);
  }
  return regExpCache.get(pattern);
}

function withoutUndefined(schema: Schema): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined)) as Schema;
}
