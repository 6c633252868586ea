/**
 * What authorization decides about: the attributes of one request (authorizer.Attributes in
 * k8s.io/apiserver), and how the API server derives them from the HTTP request, as
 * RequestInfoFactory does (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go).
 *
 * A request is either a resource request (/api/v1/..., /apis/<group>/<version>/...) with a
 * Kubernetes verb, or a non-resource request (/healthz, /version, /api, /openapi/v3, ...) whose
 * verb is the lower-cased HTTP method. Worked examples:
 *
 *   GET    /api/v1/namespaces/dev/pods/web/log   get pods/log "web" in dev
 *   GET    /api/v1/namespaces/dev/pods           list pods in dev
 *   GET    /api/v1/pods?watch=true               watch pods, all namespaces (namespace "")
 *   GET    /api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3Dweb&watch=1
 *                                                watch pods "web" in dev (kubectl get pod web -w)
 *   POST   /apis/apps/v1/namespaces/dev/deployments    create deployments.apps in dev (no name)
 *   DELETE /api/v1/namespaces/dev/pods           deletecollection pods in dev
 *   GET    /api/v1/namespaces/dev                get namespaces "dev", in namespace dev
 *   GET    /apis/apps/v1                         non-resource: get "/apis/apps/v1"
 */
import type { UserInfo } from "../authn.ts";

export interface RequestAttributes {
  user: UserInfo;
  /** A Kubernetes verb for resource requests; the lower-cased HTTP method otherwise. */
  verb: string;
  resourceRequest: boolean;
  /** "" for the core group and for non-resource requests. */
  apiGroup: string;
  apiVersion: string;
  /** Plural resource name ("pods"); "" for non-resource requests. */
  resource: string;
  /** "status", "log", "scale", "binding", ... or "". */
  subresource: string;
  /** "" for cluster-scoped resources, requests across all namespaces and non-resource requests. */
  namespace: string;
  /** "" when the URL names no object: list, watch of a collection, create, deletecollection. */
  name: string;
  /** The URL path, without the query. */
  path: string;
}

/** The URL could not be read as a request at all (kube-apiserver answers 500). */
export class RequestInfoError extends Error {
  override name = "RequestInfoError";
  constructor(readonly path: string) {
    super(`unable to determine kind and namespace from url, ${path}`);
  }
}

/** Path prefixes of the API; only /api has no group segment. */
const API_PREFIXES = new Set(["api", "apis"]);
const GROUPLESS_PREFIX = "api";
/** Deprecated verbs-in-the-path: /api/v1/watch/namespaces/dev/pods. */
const PATH_VERBS = new Set(["proxy", "watch"]);
/** /api/v1/namespaces/dev/status is the namespace's status, not a resource called "status". */
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** HTTP methods are case-sensitive: "get" is not GET, and gets no verb. */
const METHOD_VERBS = new Map([
  ["POST", "create"],
  ["GET", "get"],
  ["HEAD", "get"],
  ["PUT", "update"],
  ["PATCH", "patch"],
  ["DELETE", "delete"],
]);

/**
 * The attributes of an HTTP request. The steps follow NewRequestInfo:
 *   1. Anything but /api/<version>/<...> or /apis/<group>/<version>/<...> is non-resource.
 *   2. The verb comes from the path (/watch/, /proxy/) or from the method.
 *   3. /namespaces/<ns>/<resource>/... sets the namespace; /namespaces/<ns> alone is the
 *      namespace object itself, in its own namespace.
 *   4. What is left reads <resource>/<name>/<subresource>.
 *   5. A get with no name is a list, or a watch when ?watch is set (anything but "false"/"0");
 *      a fieldSelector of metadata.name=<x> names the object.
 *   6. A delete with no name is a deletecollection.
 */
export function requestAttributes(
  method: string,
  path: string,
  query: URLSearchParams,
  user: UserInfo,
): RequestAttributes {
  const urlPath = decodePath(path);
  const attrs: RequestAttributes = {
    user,
    verb: method.toLowerCase(),
    resourceRequest: false,
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
    path: urlPath,
  };

  // 1. Resource or not.
  let parts = splitPath(urlPath);
  const prefix = parts[0];
  if (parts.length < 3 || prefix === undefined || !API_PREFIXES.has(prefix)) return attrs;
  parts = parts.slice(1);
  if (prefix !== GROUPLESS_PREFIX) {
    if (parts.length < 3) return attrs;
    attrs.apiGroup = parts[0] ?? "";
    parts = parts.slice(1);
  }
  attrs.resourceRequest = true;
  attrs.apiVersion = parts[0] ?? "";
  parts = parts.slice(1);

  // 2. Verb.
  const first = parts[0] ?? "";
  if (PATH_VERBS.has(first)) {
    if (parts.length < 2) throw new RequestInfoError(urlPath);
    attrs.verb = first;
    parts = parts.slice(1);
  } else {
    attrs.verb = METHOD_VERBS.get(method) ?? "";
  }

  // 3. Namespace.
  if (parts[0] === "namespaces" && parts.length > 1) {
    attrs.namespace = parts[1] ?? "";
    const next = parts[2];
    if (next !== undefined && !NAMESPACE_SUBRESOURCES.has(next)) parts = parts.slice(2);
  }

  // 4. resource/name/subresource; /proxy/ takes the rest of the path as its own.
  attrs.resource = parts[0] ?? "";
  attrs.name = parts[1] ?? "";
  if (parts.length >= 3 && attrs.verb !== "proxy") attrs.subresource = parts[2] ?? "";

  // 5. Collection reads.
  if (attrs.name === "" && attrs.verb === "get") {
    attrs.verb = queryBool(query.get("watch")) ? "watch" : "list";
    const fieldSelector = query.get("fieldSelector");
    const name = fieldSelector === null ? undefined : exactMetadataName(fieldSelector);
    if (name !== undefined && isValidPathSegmentName(name)) attrs.name = name;
  }

  // 6. Collection deletes.
  if (attrs.name === "" && attrs.verb === "delete") attrs.verb = "deletecollection";

  return attrs;
}

/** Segments of a path with its leading and trailing slashes trimmed: "/api/v1/" → [api, v1]. */
function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? [] : trimmed.split("/");
}

/** The server sees the percent-decoded path (Go's URL.Path). */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Query booleans as Kubernetes decodes them: only "false" (any case) and "0" are false. */
function queryBool(value: string | null): boolean {
  return value !== null && value !== "0" && value.toLowerCase() !== "false";
}

/**
 * The value of a `metadata.name=<x>` (or `==`) term of a field selector, or undefined when there
 * is none or the selector does not parse. Terms are separated by unescaped commas; values escape
 * `\`, `,` and `=` with a backslash (k8s.io/apimachinery/pkg/fields/selector.go).
 */
function exactMetadataName(selector: string): string | undefined {
  const terms = splitUnescaped(selector, ",").sort();
  let found: string | undefined;
  for (const term of terms) {
    if (term === "") continue;
    const op = ["!=", "==", "="]
      .map((o) => ({ o, at: term.indexOf(o) }))
      .filter((x) => x.at >= 0)
      .sort((a, b) => a.at - b.at)[0];
    if (op === undefined) return undefined;
    const value = unescapeFieldValue(term.slice(op.at + op.o.length));
    if (value === undefined) return undefined;
    if (found === undefined && op.o !== "!=" && term.slice(0, op.at) === "metadata.name") {
      found = value;
    }
  }
  return found;
}

function splitUnescaped(s: string, separator: string): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "\\" && i + 1 < s.length) {
      current += c + s[i + 1];
      i++;
    } else if (c === separator) {
      out.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

function unescapeFieldValue(s: string): string | undefined {
  let out = "";
  let escaped = false;
  for (const c of s) {
    if (escaped) {
      if (c !== "\\" && c !== "," && c !== "=") return undefined;
      out += c;
      escaped = false;
    } else if (c === "\\") {
      escaped = true;
    } else if (c === "," || c === "=") {
      return undefined;
    } else {
      out += c;
    }
  }
  return escaped ? undefined : out;
}

/** A name usable as one URL path segment (path.IsValidPathSegmentName). */
function isValidPathSegmentName(name: string): boolean {
  return name !== "." && name !== ".." && !name.includes("/") && !name.includes("%");
}
