/**
 * Field selectors (k8s.io/apimachinery/pkg/fields): `kubectl get pods --field-selector
 * spec.nodeName=node-1,status.phase!=Running` and `?fieldSelector=`.
 *
 * Much smaller than label selectors, and deliberately so:
 * - only `field=value`, `field==value` (the same) and `field!=value`, joined by "," (AND);
 * - a value may hold "," "=" or "\" only escaped as `\,` `\=` `\\`;
 * - a field missing from an object reads as "", so `spec.nodeName=` finds unscheduled pods;
 * - each kind serves a short, fixed list of fields. An object offers them through its field set
 *   (the registry strategy's GetAttrs in Kubernetes) and the API server refuses any other field
 *   with 400 BadRequest, worded by the kind's field label conversion.
 *
 * The kubelet lists its pods with `spec.nodeName=<node>`, `kubectl describe` finds events with
 * `involvedObject.uid=...`: field selectors are how components ask for just their share.
 */
import type { KubeObject } from "./object.ts";
import { goQuote } from "./validation.ts";

// #region types

export interface FieldRequirement {
  readonly field: string;
  /** "==" parses as "=": Kubernetes keeps no difference between them. */
  readonly operator: "=" | "!=";
  /** The value unescaped: "a,b" for the text `a\,b`. */
  readonly value: string;
}

/** All requirements must hold. No requirements: everything matches. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

export const EVERYTHING_FIELDS: FieldSelector = Object.freeze({ requirements: [] });

/**
 * A field selector that does not parse, or names a field its kind does not serve. The message is
 * Kubernetes' own; the API server answers 400 BadRequest with it.
 */
export class FieldSelectorError extends Error {
  override name = "FieldSelectorError";
  constructor(
    message: string,
    readonly selector?: string,
  ) {
    super(message);
  }
}

// #endregion types

// #region escaping

/** fields.EscapeValue: any string as a selector value. `a=b,c\` -> `a\=b\,c\\`. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * fields.UnescapeValue. Only `\\`, `\,` and `\=` are escapes; any other backslash, a trailing one,
 * or a bare "," or "=" is an error. Kubernetes prints the bare character as its code point
 * ("unescaped character in value: 61" for "="), a Go %v-of-a-rune quirk kept here.
 */
export function unescapeFieldValue(text: string): string {
  let out = "";
  let inSlash = false;
  for (const ch of text) {
    if (inSlash) {
      if (ch !== "\\" && ch !== "," && ch !== "=") {
        throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${ch}`);
      }
      out += ch;
      inSlash = false;
    } else if (ch === "\\") {
      inSlash = true;
    } else if (ch === "," || ch === "=") {
      throw new FieldSelectorError(
        `invalid field selector: unescaped character in value: ${ch.codePointAt(0)}`,
      );
    } else {
      out += ch;
    }
  }
  if (inSlash) throw new FieldSelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

// #endregion escaping

// #region parse

/** Splits on commas that are not escaped; the backslash stays, for unescaping later. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const ch = selector.charAt(i);
    if (inSlash) inSlash = false;
    else if (ch === "\\") inSlash = true;
    else if (ch === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const TERM_OPERATORS = ["!=", "==", "="] as const;

/**
 * The first operator from the left splits a term; "==" is tried before "=" so it leaves no "="
 * on the value. Field names cannot be escaped: `a\=b` is field `a\` and value `b`.
 */
function splitTerm(
  term: string,
): { lhs: string; op: (typeof TERM_OPERATORS)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i))
        return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * fields.ParseSelector. Terms are sorted as text before parsing, so a selector prints the same
 * however it was written; empty terms (",a=b,") are skipped; the empty string selects everything.
 */
export function parseFieldSelector(text: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const part of splitTerms(text).sort()) {
    if (part === "") continue;
    const term = splitTerm(part);
    if (term === undefined) {
      throw new FieldSelectorError(`invalid selector: '${text}'; can't understand '${part}'`, text);
    }
    let value: string;
    try {
      value = unescapeFieldValue(term.rhs);
    } catch (err) {
      throw new FieldSelectorError((err as Error).message, text);
    }
    requirements.push({ field: term.lhs, operator: term.op === "!=" ? "!=" : "=", value });
  }
  return { requirements };
}

// #endregion parse

// #region match

/** Whether an object's field set satisfies the selector; a missing field reads as "". */
export function matchesFields(
  selector: FieldSelector,
  fieldSet: Readonly<Record<string, string>>,
): boolean {
  return selector.requirements.every((r) => {
    const actual = Object.hasOwn(fieldSet, r.field) ? fieldSet[r.field] : "";
    return r.operator === "=" ? actual === r.value : actual !== r.value;
  });
}

export function isFieldSelectorEmpty(selector: FieldSelector): boolean {
  return selector.requirements.length === 0;
}

/** The value `field` must equal, if the selector pins it: the watch cache indexes spec.nodeName. */
export function fieldSelectorRequiresExactMatch(
  selector: FieldSelector,
  field: string,
): string | undefined {
  return selector.requirements.find((r) => r.field === field && r.operator === "=")?.value;
}

/** `spec.nodeName=a,status.phase!=Running`, values escaped; "" for an empty selector. */
export function fieldSelectorToString(selector: FieldSelector): string {
  return selector.requirements
    .map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`)
    .join(",");
}

// #endregion match

// #region field-sets

type Fields = Record<string, string>;

/** Reads a nested string, number or boolean from a JSON object; anything else is "". */
function read(obj: unknown, ...path: string[]): string {
  let at: unknown = obj;
  for (const key of path) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, key)) return "";
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === "string" || typeof at === "number" || typeof at === "boolean"
    ? String(at)
    : "";
}

/** generic.ObjectMetaFieldsSet: every object offers its name, and its namespace if it has one. */
export function objectMetaFieldSet(obj: KubeObject, namespaced: boolean): Fields {
  const set: Fields = { "metadata.name": obj.metadata.name ?? "" };
  if (namespaced) set["metadata.namespace"] = obj.metadata.namespace ?? "";
  return set;
}

/** pod.ToSelectableFields. status.podIP is the first of status.podIPs, as Kubernetes stores it. */
export function podFieldSet(pod: KubeObject): Fields {
  const podIPs = (pod.status as { podIPs?: { ip?: string }[] } | undefined)?.podIPs;
  return {
    ...objectMetaFieldSet(pod, true),
    "spec.nodeName": read(pod, "spec", "nodeName"),
    "spec.restartPolicy": read(pod, "spec", "restartPolicy"),
    "spec.schedulerName": read(pod, "spec", "schedulerName"),
    "spec.serviceAccountName": read(pod, "spec", "serviceAccountName"),
    "spec.hostNetwork": read(pod, "spec", "hostNetwork") === "true" ? "true" : "false",
    "status.phase": read(pod, "status", "phase"),
    "status.podIP": podIPs?.[0]?.ip ?? read(pod, "status", "podIP"),
    "status.nominatedNodeName": read(pod, "status", "nominatedNodeName"),
  };
}

/** node.NodeToSelectableFields: cluster-scoped, so no metadata.namespace. */
export function nodeFieldSet(node: KubeObject): Fields {
  return {
    ...objectMetaFieldSet(node, false),
    "spec.unschedulable": read(node, "spec", "unschedulable") === "true" ? "true" : "false",
  };
}

/**
 * event.ToSelectableFields. `source` is the reporting component of the old API
 * (source.component), falling back to the new one (reportingComponent).
 */
export function eventFieldSet(event: KubeObject): Fields {
  const involved = (field: string) => read(event, "involvedObject", field);
  return {
    ...objectMetaFieldSet(event, true),
    "involvedObject.kind": involved("kind"),
    "involvedObject.namespace": involved("namespace"),
    "involvedObject.name": involved("name"),
    "involvedObject.uid": involved("uid"),
    "involvedObject.apiVersion": involved("apiVersion"),
    "involvedObject.resourceVersion": involved("resourceVersion"),
    "involvedObject.fieldPath": involved("fieldPath"),
    reason: read(event, "reason"),
    reportingComponent: read(event, "reportingComponent"),
    source: read(event, "source", "component") || read(event, "reportingComponent"),
    type: read(event, "type"),
  };
}

export function secretFieldSet(secret: KubeObject): Fields {
  return { ...objectMetaFieldSet(secret, true), type: read(secret, "type") };
}

/**
 * namespace.NamespaceToSelectableFields. It also offers "name", kept in Kubernetes for
 * compatibility; the API server's field list does not accept it, so only code can select on it.
 */
export function namespaceFieldSet(namespace: KubeObject): Fields {
  return {
    ...objectMetaFieldSet(namespace, false),
    "status.phase": read(namespace, "status", "phase"),
    name: namespace.metadata.name ?? "",
  };
}

/** service.ToSelectableFields (spec.clusterIP since Kubernetes 1.30, spec.type since 1.31). */
export function serviceFieldSet(service: KubeObject): Fields {
  return {
    ...objectMetaFieldSet(service, true),
    "spec.clusterIP": read(service, "spec", "clusterIP"),
    "spec.type": read(service, "spec", "type"),
  };
}

/**
 * replicaset.ToSelectableFields offers status.replicas, but apps/v1 registers no field label
 * conversion for ReplicaSet, so the API server refuses `status.replicas` in a query (Kubernetes
 * issue 135136). Only code, such as a controller's own cache, can select on it.
 */
export function replicaSetFieldSet(rs: KubeObject): Fields {
  return {
    ...objectMetaFieldSet(rs, true),
    "status.replicas": read(rs, "status", "replicas") || "0",
  };
}

// #endregion field-sets

// #region per-kind

/** What the API server does with field selectors for one kind. */
export interface KindFieldSelectors {
  /** The field labels a `fieldSelector` may use for this kind. */
  readonly supported: readonly string[];
  /** The object's selectable fields. */
  readonly fieldSet: (obj: KubeObject) => Fields;
  /** Old names the server rewrites: Pod's spec.host is spec.nodeName. */
  readonly renames: Readonly<Record<string, string>>;
  /** The error for a field outside `supported`, worded as this kind's conversion words it. */
  readonly unsupported: (field: string) => string;
}

const notSupported = (field: string) => `field label not supported: ${field}`;

/** runtime.DefaultMetaV1FieldSelectorConversion: the answer for kinds with no list of their own. */
const notKnown = (field: string) =>
  `${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`;

const META = ["metadata.name", "metadata.namespace"];

const CORE_KINDS: Record<string, Omit<KindFieldSelectors, "unsupported">> = {
  Pod: {
    supported: [
      ...META,
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
    fieldSet: podFieldSet,
    renames: { "spec.host": "spec.nodeName" },
  },
  Node: { supported: ["metadata.name", "spec.unschedulable"], fieldSet: nodeFieldSet, renames: {} },
  Event: {
    supported: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
      ...META,
    ],
    fieldSet: eventFieldSet,
    renames: {},
  },
  Namespace: {
    supported: ["status.phase", "metadata.name"],
    fieldSet: namespaceFieldSet,
    renames: {},
  },
  Secret: { supported: ["type", ...META], fieldSet: secretFieldSet, renames: {} },
  Service: {
    supported: [...META, "spec.clusterIP", "spec.type"],
    fieldSet: serviceFieldSet,
    renames: {},
  },
};

/**
 * The field selector rules for a kind. Core Pods, Nodes, Events, Namespaces, Secrets and Services
 * have their own lists; every other kind, built-in or custom, serves metadata.name and
 * metadata.namespace (the latter matches "" on cluster-scoped kinds).
 */
export function fieldSelectorsFor(kind: {
  group: string;
  kind: string;
  namespaced: boolean;
}): KindFieldSelectors {
  const own =
    kind.group === "" && Object.hasOwn(CORE_KINDS, kind.kind) ? CORE_KINDS[kind.kind] : undefined;
  if (own !== undefined) return { ...own, unsupported: notSupported };
  const fieldSet =
    kind.group === "apps" && kind.kind === "ReplicaSet"
      ? replicaSetFieldSet
      : (obj: KubeObject) => objectMetaFieldSet(obj, kind.namespaced);
  return { supported: META, fieldSet, renames: {}, unsupported: notKnown };
}

/**
 * What the list handler does before matching (Transform with the kind's field label conversion):
 * rename old fields and refuse unsupported ones. Throws FieldSelectorError; Kubernetes answers it
 * with 400 BadRequest and the message as is, e.g. "field label not supported: spec.foo".
 */
export function convertFieldSelector(
  selector: FieldSelector,
  rules: KindFieldSelectors,
): FieldSelector {
  const requirements = selector.requirements.map((r) => {
    const field = Object.hasOwn(rules.renames, r.field)
      ? (rules.renames[r.field] ?? r.field)
      : r.field;
    if (!rules.supported.includes(field)) throw new FieldSelectorError(rules.unsupported(r.field));
    return { ...r, field };
  });
  return { requirements };
}

// #endregion per-kind
