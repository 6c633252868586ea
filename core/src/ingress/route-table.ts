/**
 * The routing table: from the Ingresses this controller serves to "where does this request go".
 * It is built once per change, never per request; a request costs two or three Map lookups for
 * the host and one per path element.
 *
 * How it is built follows ingress-nginx (internal/ingress/controller/controller.go:
 * createServers and getBackendServers) and the Ingress API's documentation of IngressRule.host
 * and HTTPIngressPath.pathType:
 *
 * 1. Ingresses are taken oldest first (creationTimestamp; equal timestamps by "namespace/name",
 *    the later name first — ingress-nginx's sortIngressSlice). "First" below means in this order.
 * 2. Every host named by a rule gets a server; rules without a host go to the catch-all server,
 *    which always exists. Rules for one host from several Ingresses are merged into its server.
 *    A host's server stands alone: a request for it that matches none of its paths does not fall
 *    through to the catch-all's paths.
 * 3. A server's fallback, for requests that match none of its paths, is the defaultBackend of the
 *    first Ingress naming the host, else the controller's own 404. The catch-all's fallback is the
 *    defaultBackend of the first Ingress that has one and no rules at all.
 * 4. The first Ingress to claim a path on a host keeps it. Exact and Prefix on the same path
 *    coexist. ImplementationSpecific is matched as Prefix and shares Prefix's paths (ingress-nginx
 *    matches it as a plain nginx prefix, where "/foo" also takes "/foobar"). An empty path is "/".
 *    Backends that are not Services (`resource`) are skipped, as ingress-nginx skips them.
 * 5. Hosts: a precise host equals the request's; "*.example.com" matches exactly one more label —
 *    "a.example.com", not "example.com", not "a.b.example.com" (ingress-nginx writes it as the
 *    server_name regex ^[\w-]+\.example\.com$). Precise hosts first, then the one wildcard that can
 *    match, then the catch-all.
 * 6. Paths: Exact matches the whole path, trailing slash included. Prefix matches by
 *    "/"-separated elements and ignores a trailing slash on either side. The longest match wins
 *    and Exact beats Prefix at equal length; a matching Exact path is the whole request path, so
 *    it is never shorter than a matching Prefix and is tried first.
 *
 * Prefix paths are stored without their trailing slash ("/aaa/bbb/" → "/aaa/bbb", "/" → ""), and a
 * request tries its own prefixes, longest first: "/aaa/bbb/ccc" looks up "/aaa/bbb/ccc",
 * "/aaa/bbb", "/aaa", "". So Prefix "/aaa/bbb" takes "/aaa/bbb", "/aaa/bbb/" and "/aaa/bbb/ccc",
 * and not "/aaa/bbbxyz" — the Kubernetes documentation's table, row by row, in route-table.test.ts.
 */
import type { Ingress, IngressBackend } from "./types.ts";

/** A Service port in a namespace: what a path routes to. */
export interface BackendRef {
  namespace: string;
  service: string;
  port: { number?: number; name?: string };
}

export interface Target {
  /** "namespace/service:port" — one upstream per key, shared by every path that names it. */
  key: string;
  backend: BackendRef;
  /** "namespace/name" of the Ingress that claimed this path, for logs. */
  ingress: string;
}

export interface Server {
  /** The rule's host; "_" for the catch-all (nginx's name for it). */
  host: string;
  /** Exact paths, as written. */
  exact: Map<string, Target>;
  /** Prefix and ImplementationSpecific paths, without a trailing slash; "/" is "". */
  prefix: Map<string, Target>;
  /** Where unmatched paths go; undefined: the controller's 404. */
  fallback: Target | undefined;
  /** Ingresses with a rule for this host, in order: the first with `tls` picks the certificate. */
  ingresses: Ingress[];
}

export const CATCH_ALL = "_";

// #region RouteTable
export class RouteTable {
  /** Invariant: every server is in exactly one of these, or is the catch-all. */
  private readonly precise = new Map<string, Server>();
  /** Keyed by the wildcard without its "*": ".example.com". */
  private readonly wildcard = new Map<string, Server>();
  readonly catchAll: Server = newServer(CATCH_ALL, undefined);

  /** The target of a request, or undefined for the controller's 404. */
  route(host: string, path: string): Target | undefined {
    const server = this.serverFor(host) ?? this.catchAll;
    return matchPath(server, path) ?? server.fallback;
  }

  /** The server a host name selects, not counting the catch-all. */
  serverFor(host: string): Server | undefined {
    const found = this.precise.get(host);
    if (found) return found;
    const dot = host.indexOf(".");
    return dot > 0 ? this.wildcard.get(host.slice(dot)) : undefined;
  }

  servers(): Server[] {
    return [this.catchAll, ...this.precise.values(), ...this.wildcard.values()];
  }

  /** Every backend some path or fallback routes to, by key. */
  backends(): Map<string, BackendRef> {
    const out = new Map<string, BackendRef>();
    for (const server of this.servers()) {
      const targets = [...server.exact.values(), ...server.prefix.values()];
      if (server.fallback) targets.push(server.fallback);
      for (const t of targets) out.set(t.key, t.backend);
    }
    return out;
  }

  /** The server for a rule's host, created (with its fallback) on first sight. */
  serverOf(host: string | undefined, fallback: Target | undefined): Server {
    if (!host) return this.catchAll;
    const map = host.startsWith("*.") ? this.wildcard : this.precise;
    const key = host.startsWith("*.") ? host.slice(1) : host;
    let server = map.get(key);
    if (!server) {
      server = newServer(host, fallback);
      map.set(key, server);
    }
    return server;
  }
}
// #endregion RouteTable

// #region matchPath
/** The longest matching path of a server: Exact first, then the request's prefixes. */
export function matchPath(server: Server, path: string): Target | undefined {
  const exact = server.exact.get(path);
  if (exact) return exact;
  if (server.prefix.size === 0) return undefined;
  let candidate = stripTrailingSlash(path);
  for (;;) {
    const hit = server.prefix.get(candidate);
    if (hit) return hit;
    if (candidate === "") return undefined;
    candidate = candidate.slice(0, candidate.lastIndexOf("/"));
  }
}
// #endregion matchPath

// #region buildRouteTable
export function buildRouteTable(ingresses: readonly Ingress[]): RouteTable {
  const table = new RouteTable();
  for (const ingress of sortIngresses(ingresses)) {
    const namespace = ingress.metadata.namespace ?? "";
    const name = `${namespace}/${ingress.metadata.name}`;
    const rules = ingress.spec?.rules ?? [];
    const fallback = targetOf(ingress.spec?.defaultBackend, namespace, name);
    if (fallback && rules.length === 0 && !table.catchAll.fallback)
      table.catchAll.fallback = fallback;
    for (const rule of rules) {
      const server = table.serverOf(rule.host, fallback);
      if (!server.ingresses.includes(ingress)) server.ingresses.push(ingress);
      for (const path of rule.http?.paths ?? []) {
        const target = targetOf(path.backend, namespace, name);
        if (!target) continue;
        const written = path.path || "/";
        if (path.pathType === "Exact") {
          if (!server.exact.has(written)) server.exact.set(written, target);
        } else {
          const key = stripTrailingSlash(written);
          if (!server.prefix.has(key)) server.prefix.set(key, target);
        }
      }
    }
  }
  return table;
}
// #endregion buildRouteTable

/** ingress-nginx's sortIngressSlice: oldest first; a tie goes to the later "namespace/name". */
export function sortIngresses(ingresses: readonly Ingress[]): Ingress[] {
  const keyed = ingresses.map((ingress) => ({
    ingress,
    created: Date.parse(ingress.metadata.creationTimestamp ?? "") || 0,
    name: `${ingress.metadata.namespace}/${ingress.metadata.name}`,
  }));
  keyed.sort((a, b) =>
    a.created !== b.created
      ? a.created - b.created
      : a.name < b.name
        ? 1
        : a.name > b.name
          ? -1
          : 0,
  );
  return keyed.map((k) => k.ingress);
}

function targetOf(
  backend: IngressBackend | undefined,
  namespace: string,
  ingress: string,
): Target | undefined {
  const service = backend?.service;
  if (!service) return undefined;
  const port = service.port.number !== undefined ? service.port.number : service.port.name;
  return {
    key: `${namespace}/${service.name}:${port}`,
    backend: { namespace, service: service.name, port: service.port },
    ingress,
  };
}

function newServer(host: string, fallback: Target | undefined): Server {
  return { host, exact: new Map(), prefix: new Map(), fallback, ingresses: [] };
}

/** "/foo/" → "/foo", "/" → "": a Prefix path's elements, whatever its trailing slash. */
function stripTrailingSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : path;
}
