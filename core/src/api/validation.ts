/**
 * Names and metadata as Kubernetes validates them, with Kubernetes' own messages word for word:
 * kubectl prints them as they come, so the wording is part of the interface.
 *
 * Two layers, as in Kubernetes:
 * - format checks (`isDNS1123Subdomain`, `isQualifiedName`, ...) take a string and return the list
 *   of what is wrong with it, empty when it is valid. They do not know where the string sits
 *   (k8s.io/apimachinery/pkg/util/validation).
 * - field validators (`validateObjectMeta`, `validateLabels`, ...) wrap each message in a
 *   FieldError naming the field and the bad value (k8s.io/apimachinery/pkg/api/validation). The
 *   API server answers a non-empty list with 422 Invalid, built by `formatInvalid`.
 *
 * Lengths are counted in UTF-8 bytes, as Go's len() counts them. Messages follow Kubernetes
 * 1.32/1.33, the versions tinykube's clients speak to.
 */
import type { ObjectMeta, OwnerReference, StatusCause } from "./object.ts";
import { parseApiVersion } from "./object.ts";

// #region format-checks

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const DNS1035_LABEL_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;
/** The name part of a label key or qualified name ("app" in "example.com/app"). */
export const QUALIFIED_NAME_MAX_LENGTH = 63;
/** All annotation keys and values of one object together, in bytes (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME_CHAR_FMT = "[A-Za-z0-9]";
const QUALIFIED_NAME_EXT_CHAR_FMT = "[-A-Za-z0-9_.]";
const QUALIFIED_NAME_FMT = `(${QUALIFIED_NAME_CHAR_FMT}${QUALIFIED_NAME_EXT_CHAR_FMT}*)?${QUALIFIED_NAME_CHAR_FMT}`;
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

const whole = (fmt: string) => new RegExp(`^${fmt}$`);
const DNS1123_LABEL_RE = whole(DNS1123_LABEL_FMT);
const DNS1123_SUBDOMAIN_RE = whole(DNS1123_SUBDOMAIN_FMT);
const DNS1035_LABEL_RE = whole(DNS1035_LABEL_FMT);
const QUALIFIED_NAME_RE = whole(QUALIFIED_NAME_FMT);
const LABEL_VALUE_RE = whole(LABEL_VALUE_FMT);

const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Go's len(): the length in UTF-8 bytes. */
export function byteLength(value: string): number {
  return Buffer.byteLength(value, "utf8");
}

export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

export function emptyError(): string {
  return "must be non-empty";
}

/**
 * "<msg> (e.g. 'a' or 'b', regex used for validation is '<fmt>')". Every pattern message in
 * Kubernetes ends this way, so a reader sees the exact rule.
 */
export function regexError(message: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${fmt}')`;
  // Go appends "'x', " per example and " or " between them: hence the double space.
  const shown = examples.map((e) => `'${e}', `).join(" or ");
  return `${message} (e.g. ${shown}regex used for validation is '${fmt}')`;
}

/** RFC 1123 label, at most 63 bytes: namespace names, most Service-adjacent names. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH)
    errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!DNS1123_LABEL_RE.test(value)) {
    // A valid subdomain that is not a valid label can only be wrong because of its dots.
    errs.push(
      DNS1123_SUBDOMAIN_RE.test(value)
        ? "must not contain dots"
        : regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"),
    );
  }
  return errs;
}

/** RFC 1123 subdomain, at most 253 bytes: the name rule for most kinds. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  }
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"));
  }
  return errs;
}

/** RFC 1035 label: starts with a letter, at most 63 bytes. Service names. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH)
    errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"));
  }
  return errs;
}

/**
 * A "qualified name": a label key, annotation key or finalizer. An optional DNS subdomain prefix
 * and "/", then a name part of at most 63 bytes. "example.com/app", "app.kubernetes.io/name",
 * "app" are valid; "a/b/c", "/app", "-app" are not.
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = value;
  } else if (parts.length === 2) {
    const [prefix = "", rest = ""] = parts;
    name = rest;
    if (prefix.length === 0) {
      errs.push(`prefix part ${emptyError()}`);
    } else {
      for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`);
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) {
    errs.push(`name part ${emptyError()}`);
  } else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) {
    errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  }
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      `name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}`,
    );
  }
  return errs;
}

/** A label value: empty, or up to 63 bytes of [A-Za-z0-9_.-] starting and ending alphanumeric. */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
  }
  return errs;
}

/**
 * Whether a name can sit in a URL path segment and a storage key: not "." or "..", no "/" or "%".
 * The whole rule for kinds whose names are otherwise free (RBAC roles and bindings).
 */
export function isValidPathSegmentName(name: string): string[] {
  if (name === "." || name === "..") return [`may not be '${name}'`];
  return isValidPathSegmentPrefix(name);
}

/** A generateName prefix only needs to avoid "/" and "%": a suffix follows, so "." is fine. */
export function isValidPathSegmentPrefix(name: string): string[] {
  const errs: string[] = [];
  if (name.includes("/")) errs.push("may not contain '/'");
  if (name.includes("%")) errs.push("may not contain '%'");
  return errs;
}

// #endregion format-checks

// #region name-validators

/**
 * How a kind's names are validated (Kubernetes' ValidateNameFunc). `prefix` is true for a
 * generateName, which will get a random suffix, so a trailing "-" is allowed there.
 */
export type NameValidator = (name: string, prefix: boolean) => string[];

/**
 * Kubernetes replaces the last two characters of a prefix ending in "-" by "a" before checking
 * ("web-" is checked as "wa"). Dropping two, not one, is Kubernetes' own quirk; the result only
 * feeds the pattern check, so it does not matter in practice.
 */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith("-") ? `${name.slice(0, -2)}a` : name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

export const nameIsDNSLabel: NameValidator = (name, prefix) =>
  isDNS1123Label(prefix ? maskTrailingDash(name) : name);

export const nameIsDNS1035Label: NameValidator = (name, prefix) =>
  isDNS1035Label(prefix ? maskTrailingDash(name) : name);

export const nameIsPathSegment: NameValidator = (name, prefix) =>
  prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name);

/** Namespace names are DNS-1123 labels. */
export const validateNamespaceName: NameValidator = nameIsDNSLabel;

// #endregion name-validators

// #region generate-name

/**
 * The characters of a generated suffix (k8s.io/apimachinery/pkg/util/rand): no vowels, nor the
 * digits that pass for them (0, 1, 3), so that generated names rarely spell words.
 */
export const GENERATED_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
export const GENERATED_SUFFIX_LENGTH = 5;
/** Bases are cut so that base + suffix fits a 63-byte DNS label. */
export const MAX_GENERATED_NAME_BASE_LENGTH = 63 - GENERATED_SUFFIX_LENGTH;

/**
 * names.SimpleNameGenerator: `generateName` plus five random characters ("web-" -> "web-x7k2q").
 * A name that is already taken is the registry's business: Kubernetes tries a few more names,
 * then answers 409 AlreadyExists ("... the server was not able to generate a unique name for the
 * object"). `randomIndex(n)` returns an integer in [0, n); tests inject their own.
 */
export function generateName(
  base: string,
  randomIndex: (n: number) => number = (n) => Math.floor(Math.random() * n),
): string {
  const cut =
    base.length > MAX_GENERATED_NAME_BASE_LENGTH
      ? base.slice(0, MAX_GENERATED_NAME_BASE_LENGTH)
      : base;
  let suffix = "";
  for (let i = 0; i < GENERATED_SUFFIX_LENGTH; i++) {
    suffix += GENERATED_NAME_ALPHABET[randomIndex(GENERATED_NAME_ALPHABET.length)];
  }
  return cut + suffix;
}

// #endregion generate-name

// #region field-errors

/** field.ErrorType: the cause's `reason` in an Invalid Status. */
export type FieldErrorType =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueDuplicate"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueNotFound"
  | "FieldValueForbidden"
  | "FieldValueTypeInvalid";

/**
 * One thing wrong with one field (field.Error). `field` is the path as Kubernetes prints it:
 * "metadata.name", "spec.containers[0].image", "metadata.labels". Required, Forbidden and TooLong
 * never show a value, so they carry none.
 */
export interface FieldError {
  readonly type: FieldErrorType;
  readonly field: string;
  readonly value?: unknown;
  readonly detail: string;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueRequired: "Required value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueNotFound: "Not found",
  FieldValueForbidden: "Forbidden",
  FieldValueTypeInvalid: "Invalid value",
};

export const required = (field: string, detail = ""): FieldError => ({
  type: "FieldValueRequired",
  field,
  detail,
});

export const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  type: "FieldValueInvalid",
  field,
  value,
  detail,
});

/** An enum value outside its set; the detail lists the set as Kubernetes does. */
export const notSupported = (
  field: string,
  value: unknown,
  validValues: readonly string[],
): FieldError => ({
  type: "FieldValueNotSupported",
  field,
  value,
  detail: validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(", ")}` : "",
});

export const duplicate = (field: string, value: unknown): FieldError => ({
  type: "FieldValueDuplicate",
  field,
  value,
  detail: "",
});

export const tooLong = (field: string, maxLength: number): FieldError => ({
  type: "FieldValueTooLong",
  field,
  detail: maxLength >= 0 ? `may not be more than ${maxLength} bytes` : "value is too long",
});

/** field.NotFound: a reference to something that does not exist (a mount naming no volume). */
export const notFound = (field: string, value: unknown): FieldError => ({
  type: "FieldValueNotFound",
  field,
  value,
  detail: "",
});

/** field.TooMany: a list or map with more entries than allowed; shows the count. */
export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  type: "FieldValueTooMany",
  field,
  value: actual,
  detail: `must have at most ${max} items`,
});

export const forbidden = (field: string, detail: string): FieldError => ({
  type: "FieldValueForbidden",
  field,
  detail,
});

export const typeInvalid = (field: string, value: unknown, detail: string): FieldError => ({
  type: "FieldValueTypeInvalid",
  field,
  value,
  detail,
});

/**
 * Go's strconv.Quote, which `%q` uses: printable characters stay, the rest become escapes.
 * "printable" is Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space.
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (cp in SHORT_ESCAPES) out += SHORT_ESCAPES[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += "\\ufffd"; // a lone surrogate is not valid UTF-8
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Record<number, string> = {
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
};
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/**
 * How a bad value is printed: strings quoted as Go's %q, numbers and booleans bare, anything else
 * as JSON (Go's encoding/json escapes <, > and & for HTML safety, so we do too).
 */
function showValue(value: unknown): string {
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  const json = JSON.stringify(value) ?? "null";
  return json.replace(/[<>&]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

/** field.Error.ErrorBody(): the message without the field, e.g. `Invalid value: "X": a lowercase ...`. */
export function fieldErrorBody(e: FieldError): string {
  let body = TYPE_TEXT[e.type];
  const valueShown =
    e.type !== "FieldValueRequired" &&
    e.type !== "FieldValueForbidden" &&
    e.type !== "FieldValueTooLong";
  if (valueShown) body += `: ${showValue(e.value)}`;
  if (e.detail.length > 0) body += `: ${e.detail}`;
  return body;
}

/** field.Error.Error(): `metadata.name: Invalid value: "X": a lowercase RFC 1123 ...`. */
export function fieldErrorMessage(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/**
 * ErrorList.ToAggregate().Error(): the messages with duplicates dropped, one alone as it is,
 * several as "[a, b]".
 */
export function aggregateMessage(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`;
}

/** A StatusCause for details.causes: `{reason: "FieldValueInvalid", message: "Invalid value: ...", field}`. */
export function fieldErrorCause(e: FieldError): StatusCause {
  return { reason: e.type, message: fieldErrorBody(e), field: e.field };
}

/**
 * The message and causes of a 422 Invalid Status (apierrors.NewInvalid). The message names the
 * kind as "Kind" for the core group and "Kind.group" otherwise:
 * `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or
 * equal to 0`. Every error becomes a cause, duplicates included; only the message drops them.
 */
export function formatInvalid(
  kind: { group: string; kind: string },
  name: string,
  errors: readonly FieldError[],
): { message: string; causes: StatusCause[] } {
  const qualified = kind.group === "" ? kind.kind : `${kind.kind}.${kind.group}`;
  const head = `${qualified} ${goQuote(name)} is invalid`;
  const message =
    errors.length === 0 ? head : `${head}: ${aggregateMessage(errors.map(fieldErrorMessage))}`;
  return { message, causes: errors.map(fieldErrorCause) };
}

// #endregion field-errors

// #region object-meta

/** Go's ", Kind=" spelling of a group/version/kind, used in the banned-owner message. */
const gvkString = (group: string, version: string, kind: string) =>
  `${group}/${version}, Kind=${kind}`;

/** Objects that may not own others: Events are too short-lived to hold anything up. */
const BANNED_OWNERS = new Set([gvkString("", "v1", "Event")]);

export const FINALIZER_ORPHAN_DEPENDENTS = "orphan";
export const FINALIZER_DELETE_DEPENDENTS = "foregroundDeletion";
export const FIELD_MANAGER_MAX_LENGTH = 128;
export const MAX_SUBRESOURCE_NAME_LENGTH = 256;
export const IS_NEGATIVE_ERROR_MSG = "must be greater than or equal to 0";
export const FIELD_IMMUTABLE_ERROR_MSG = "field is immutable";

export function validateLabelName(key: string, field: string): FieldError[] {
  return isQualifiedName(key).map((msg) => invalid(field, key, msg));
}

/** Every key a qualified name, every value a label value; all errors point at the map. */
export function validateLabels(
  labels: Record<string, string> | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(key, field));
    for (const msg of isValidLabelValue(value)) errs.push(invalid(field, value, msg));
  }
  return errs;
}

/**
 * Annotation keys are qualified names checked in lower case (case does not matter in them);
 * values are free, but keys and values together may not pass 256 KiB.
 */
export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(key.toLowerCase())) errs.push(invalid(field, key, msg));
    total += byteLength(key) + byteLength(value);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES)
    errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return errs;
}

/**
 * Each reference names its owner fully, Events own nothing, and at most one reference is the
 * controller. Kubernetes reports these on "metadata.ownerReferences.<field>" without an index.
 */
export function validateOwnerReferences(
  refs: readonly OwnerReference[] | undefined,
  field: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let firstController: string | undefined;
  for (const ref of refs ?? []) {
    const { group, version } = groupVersionOf(ref.apiVersion ?? "");
    const kind = ref.kind ?? "";
    if (version === "")
      errs.push(invalid(`${field}.apiVersion`, ref.apiVersion ?? "", "version must not be empty"));
    if (kind === "") errs.push(invalid(`${field}.kind`, kind, "must not be empty"));
    if (!ref.name) errs.push(invalid(`${field}.name`, ref.name ?? "", "must not be empty"));
    if (!ref.uid) errs.push(invalid(`${field}.uid`, ref.uid ?? "", "must not be empty"));
    const gvk = gvkString(group, version, kind);
    if (BANNED_OWNERS.has(gvk))
      errs.push(invalid(field, ref, `${gvk} is disallowed from being an owner`));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController === undefined) firstController = current;
      else {
        errs.push(
          invalid(
            field,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      }
    }
  }
  return errs;
}

/** schema.ParseGroupVersion as FromAPIVersionAndKind uses it: more than one "/" is no version. */
function groupVersionOf(apiVersion: string): { group: string; version: string } {
  if (apiVersion.split("/").length > 2) return { group: "", version: "" };
  return parseApiVersion(apiVersion);
}

/** Finalizers are qualified names; "orphan" and "foregroundDeletion" contradict each other. */
export function validateFinalizers(
  finalizers: readonly string[] | undefined,
  field: string,
): FieldError[] {
  const list = finalizers ?? [];
  const errs = list.flatMap((f) => isQualifiedName(f).map((msg) => invalid(field, f, msg)));
  if (list.includes(FINALIZER_ORPHAN_DEPENDENTS) && list.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(
      invalid(
        field,
        list,
        `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`,
      ),
    );
  }
  return errs;
}

/** The fieldManager of a write: at most 128 bytes, printable characters only. */
export function validateFieldManager(manager: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (byteLength(manager) > FIELD_MANAGER_MAX_LENGTH)
    errs.push(tooLong(field, FIELD_MANAGER_MAX_LENGTH));
  let position = 0; // byte offset, as Go's range over a string reports it
  for (const ch of manager) {
    if (!PRINTABLE.test(ch)) {
      const cp = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
      errs.push(invalid(field, manager, `invalid character U+${cp} (at position ${position})`));
    }
    position += byteLength(ch);
  }
  return errs;
}

function validateManagedFields(entries: ObjectMeta["managedFields"], field: string): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((entry, i) => {
    const at = `${field}[${i}]`;
    const operation: unknown = entry.operation;
    if (operation !== "Apply" && operation !== "Update") {
      errs.push(invalid(`${at}.operation`, operation ?? "", "must be `Apply` or `Update`"));
    }
    if (entry.fieldsType && entry.fieldsType !== "FieldsV1") {
      errs.push(invalid(`${at}.fieldsType`, entry.fieldsType, "must be `FieldsV1`"));
    }
    errs.push(...validateFieldManager(entry.manager ?? "", `${at}.manager`));
    if (byteLength(entry.subresource ?? "") > MAX_SUBRESOURCE_NAME_LENGTH) {
      errs.push(tooLong(`${at}.subresource`, MAX_SUBRESOURCE_NAME_LENGTH));
    }
  });
  return errs;
}

export interface ObjectMetaRules {
  /** Namespaced kinds need a namespace; cluster-scoped kinds may not have one. */
  namespaced: boolean;
  /** The kind's name rule: nameIsDNSSubdomain for most, nameIsDNSLabel for Namespaces, ... */
  nameValidator: NameValidator;
}

/**
 * ValidateObjectMeta on create, in Kubernetes' order: generateName, name, namespace, generation,
 * labels, annotations, ownerReferences, finalizers, managedFields. The API server runs it after
 * it has filled `name` from `generateName`, so both are checked: the prefix (allowing a trailing
 * "-") and the generated name.
 */
export function validateObjectMeta(
  meta: ObjectMeta,
  rules: ObjectMetaRules,
  field = "metadata",
): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName) {
    for (const msg of rules.nameValidator(meta.generateName, true)) {
      errs.push(invalid(`${field}.generateName`, meta.generateName, msg));
    }
  }
  if (!meta.name) {
    errs.push(required(`${field}.name`, "name or generateName is required"));
  } else {
    for (const msg of rules.nameValidator(meta.name, false))
      errs.push(invalid(`${field}.name`, meta.name, msg));
  }
  if (rules.namespaced) {
    if (!meta.namespace) errs.push(required(`${field}.namespace`));
    else {
      for (const msg of validateNamespaceName(meta.namespace, false)) {
        errs.push(invalid(`${field}.namespace`, meta.namespace, msg));
      }
    }
  } else if (meta.namespace) {
    errs.push(forbidden(`${field}.namespace`, "not allowed on this type"));
  }
  if (meta.generation !== undefined && meta.generation < 0) {
    errs.push(invalid(`${field}.generation`, meta.generation, IS_NEGATIVE_ERROR_MSG));
  }
  errs.push(...validateLabels(meta.labels, `${field}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${field}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${field}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${field}.finalizers`));
  errs.push(...validateManagedFields(meta.managedFields, `${field}.managedFields`));
  return errs;
}

/**
 * ValidateObjectMetaUpdate: what an update may not do to metadata. Identity (name, namespace,
 * uid, creationTimestamp) and the deletion fields never change; generation never goes back; an
 * object being deleted takes no new finalizers. Labels, annotations, owner references and
 * managedFields are checked again as on create; names and finalizer formats are not (Kubernetes
 * does not recheck them on update).
 */
export function validateObjectMetaUpdate(
  next: ObjectMeta,
  previous: ObjectMeta,
  field = "metadata",
): FieldError[] {
  const errs: FieldError[] = [];
  if (previous.deletionTimestamp) {
    const before = new Set(previous.finalizers ?? []);
    const added = [...new Set((next.finalizers ?? []).filter((f) => !before.has(f)))].sort();
    if (added.length > 0) {
      errs.push(
        forbidden(
          `${field}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map(goQuote).join(", ")}}`,
        ),
      );
    }
  }
  if (!next.resourceVersion) {
    errs.push(
      invalid(
        `${field}.resourceVersion`,
        next.resourceVersion ?? "",
        "must be specified for an update",
      ),
    );
  }
  if ((next.generation ?? 0) < (previous.generation ?? 0)) {
    errs.push(invalid(`${field}.generation`, next.generation ?? 0, "must not be decremented"));
  }
  const immutable: (keyof ObjectMeta)[] = [
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
  ];
  for (const key of immutable) {
    const a = next[key];
    const b = previous[key];
    if ((a ?? "") !== (b ?? "")) {
      // Go prints a missing time or pointer as JSON null, a missing string as "".
      const shown = a ?? (key === "name" || key === "namespace" || key === "uid" ? "" : null);
      errs.push(invalid(`${field}.${key}`, shown, FIELD_IMMUTABLE_ERROR_MSG));
    }
  }
  errs.push(...validateLabels(next.labels, `${field}.labels`));
  errs.push(...validateAnnotations(next.annotations, `${field}.annotations`));
  errs.push(...validateOwnerReferences(next.ownerReferences, `${field}.ownerReferences`));
  errs.push(...validateManagedFields(next.managedFields, `${field}.managedFields`));
  return errs;
}

// #endregion object-meta

// #region label-selector-validation

/** The API form of a label selector (metav1.LabelSelector), as in a ReplicaSet's spec.selector. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementObject[];
}

export interface LabelSelectorRequirementObject {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** metav1validation.ValidateLabelSelector: what a stored selector must satisfy. */
export function validateLabelSelector(
  selector: LabelSelectorObject | undefined | null,
  field: string,
): FieldError[] {
  if (!selector) return [];
  const errs = validateLabels(selector.matchLabels, `${field}.matchLabels`);
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const operator: unknown = expr.operator;
    const count = expr.values?.length ?? 0;
    if (operator === "In" || operator === "NotIn") {
      if (count === 0)
        errs.push(required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (operator === "Exists" || operator === "DoesNotExist") {
      if (count > 0) {
        errs.push(
          forbidden(
            `${at}.values`,
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
    } else {
      errs.push(invalid(`${at}.operator`, operator ?? "", "not a valid selector operator"));
    }
    errs.push(...validateLabelName(expr.key ?? "", `${at}.key`));
  });
  return errs;
}

// #endregion label-selector-validation
