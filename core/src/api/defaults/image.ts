/**
 * The one piece of image-reference parsing defaulting needs: the tag, to pick a container's
 * `imagePullPolicy`. Kubernetes parses with the container registry's reference grammar
 * (github.com/distribution/reference) and, when no tag and no digest is given, treats the
 * image as `:latest`:
 *
 *   nginx                       → tag "latest"  (implicit)       → Always
 *   nginx:1.27                  → tag "1.27"                     → IfNotPresent
 *   localhost:5000/nginx        → tag "latest"  (":5000" is a port, not a tag)
 *   nginx@sha256:…              → no tag, a digest               → IfNotPresent
 *   nginx:latest@sha256:…       → tag "latest"                   → Always
 *   Nginx                       → not a reference (upper case); Kubernetes ignores the parse
 *                                 error, sees no tag, and picks IfNotPresent
 */

// domain-component and path-component from the reference grammar.
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** The image's tag, "latest" when it has neither tag nor digest, undefined when unparsable. */
export function imageTag(image: string): string | undefined {
  const at = image.indexOf("@");
  const named = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? undefined : image.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;

  const lastSlash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  const hasTag = colon > lastSlash;
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  if (!isName(name)) return undefined;

  if (tag !== undefined) return tag;
  return digest === undefined ? "latest" : "";
}

/** `[domain[:port]/]path-component[/path-component...]` */
function isName(name: string): boolean {
  const parts = name.split("/");
  const first = parts[0] ?? "";
  // The first part is a domain when there are more parts and it looks like a host.
  const hasDomain =
    parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const path = hasDomain ? parts.slice(1) : parts;
  if (hasDomain && !isDomain(first)) return false;
  return path.length > 0 && path.every((p) => PATH_COMPONENT.test(p));
}

function isDomain(domain: string): boolean {
  const [host = "", port, extra] = domain.split(":");
  if (extra !== undefined) return false;
  if (port !== undefined && !/^[0-9]+$/.test(port)) return false;
  return host.split(".").every((c) => DOMAIN_COMPONENT.test(c));
}

/** Always for `:latest` (or no tag), IfNotPresent otherwise: SetDefaults_Container. */
export function defaultPullPolicy(image: string): "Always" | "IfNotPresent" {
  return imageTag(image) === "latest" ? "Always" : "IfNotPresent";
}
