/**
 * The API server: the only way into the cluster's state. Every request goes through the same
 * chain, in kube-apiserver's order:
 *
 *   authentication → authorization → (resource requests) decode → admission → registry → store
 *
 * Authentication names the user (token or client certificate), authorization (RBAC) decides
 * whether that user may do this verb on this resource, admission may change or refuse the object,
 * the registry applies the resource's rules and writes through a store transaction. Lists and
 * watches are served by one watch cache per resource.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { createSecureServer } from "node:http2";
import {
  createServer as createHttpsServer,
  type ServerOptions as TlsServerOptions,
} from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Server as TlsServer } from "node:tls";
import type { KubeObject } from "../api/object.ts";
import { type ResourceType, Scheme } from "../api/scheme.ts";
import type { Store } from "../store/index.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { type AuthnResult, isAnonymousAllowed, type UserInfo } from "./authn.ts";
import {
  ApiError,
  badRequest,
  methodNotAllowed,
  notAcceptable,
  resourceNotFound,
  unauthorized,
} from "./errors.ts";
import type { Codecs } from "./http/codecs.ts";
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  discoveryContentType,
} from "./http/discovery.ts";
import { chooseOutput } from "./http/negotiate.ts";
import { type ResourceContext, serveResource } from "./http/resources.ts";
import { sendError, sendJson, sendText } from "./http/respond.ts";
import { type RequestAttributes, requestAttributes } from "./rbac/attributes.ts";
import { forbiddenStatus } from "./rbac/forbidden.ts";
import type { Admit } from "./registry/registry.ts";
import { Registry } from "./registry/registry.ts";
import type { Strategy } from "./registry/strategy.ts";
import { WatchCache, type WatchCacheOptions } from "./storage/watch-cache.ts";

/** How long an idle keep-alive connection stays open: kube-apiserver's IdleTimeout. */
const IDLE_TIMEOUT_MS = 90_000;
/**
 * Concurrent streams an HTTP/2 client may open on one connection: 1,000, as k8s.io/apiserver's
 * RecommendedOptions sets HTTP2MaxStreamsPerConnection (Go's own default is 250).
 */
const HTTP2_MAX_STREAMS = 1000;

/** What /version reports: a real Kubernetes version, so version-aware clients behave. */
export const VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4+tinykube",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-11-26T00:00:00Z",
  goVersion: "go1.23.6",
  compiler: "gc",
  platform: "linux/amd64",
};

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface ApiServerOptions {
  store: Store;
  clock?: Clock;
  /** Who is asking (authn.ts). */
  authenticate: (req: IncomingMessage) => AuthnResult;
  /** May they (RBAC)? */
  authorize: (attrs: RequestAttributes) => Decision | Promise<Decision>;
  /** Admission, for writes: the mutating phase, then (after validation) the validating phase. */
  admission?: (request: AdmissionRequest, phase: "mutate" | "validate") => Promise<void>;
  strategies: (type: ResourceType) => Strategy;
  codecs: (server: ApiServer) => Codecs;
  /** Extra handlers for subresources and virtual resources; true when handled. */
  special?: (ctx: ResourceContext, server: ApiServer) => Promise<boolean>;
  /** Serves /openapi/v3 documents; undefined path → 404. */
  openapi?: (path: string, query: URLSearchParams, scheme: Scheme) => unknown | undefined;
  watchCache?: WatchCacheOptions;
  watch?: { keepAliveMs?: number; defaultTimeoutSeconds?: number };
  log?: (line: string) => void;
  /** Told each stage of each request (chapter 2 prints them); off by default. */
  trace?: (event: TraceEvent) => void;
}

export interface TraceEvent {
  /** "GET /api/v1/namespaces/default/pods" */
  request: string;
  stage: "authentication" | "authorization" | "admission" | "registry" | "store" | "response";
  message: string;
}

export interface AdmissionRequest {
  type: ResourceType;
  operation: "CREATE" | "UPDATE" | "DELETE";
  object: KubeObject;
  oldObject: KubeObject | undefined;
  user: UserInfo;
  subresource: string;
  dryRun: boolean;
  server: ApiServer;
  trace?: (message: string) => void;
}

export class ApiServer {
  readonly scheme = new Scheme();
  readonly store: Store;
  readonly clock: Clock;
  private readonly registries = new Map<string, Registry>();
  private readonly caches = new Map<string, WatchCache>();
  private codecsMade: Codecs | undefined;
  private server: TlsServer | undefined;
  /** Every open connection, to end them on close (HTTP/2 has no closeAllConnections). */
  private readonly sockets = new Set<Socket>();
  /** Where clients reach us (for discovery's serverAddressByClientCIDRs). */
  address = "127.0.0.1:6443";

  constructor(private readonly options: ApiServerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? realClock;
  }

  /** Made on first use: the codecs may need parts built after the server (OpenAPI, CRDs). */
  private get codecs(): Codecs {
    this.codecsMade ??= this.options.codecs(this);
    return this.codecsMade;
  }

  /** The registry of a resource, created with its watch cache on first use. */
  registry(type: ResourceType): Registry {
    const id = `${type.group}/${type.resource}`;
    let registry = this.registries.get(id);
    if (!registry) {
      const cache = new WatchCache(this.store, type, {
        ...this.options.watchCache,
        clock: this.clock,
        onRestart: (why) => this.options.log?.(`[apiserver] watch cache restarted: ${why}`),
      });
      this.caches.set(id, cache);
      registry = new Registry({
        type,
        store: this.store,
        cache,
        strategy: this.options.strategies(type),
        clock: this.clock,
      });
      this.registries.set(id, registry);
    }
    return registry;
  }

  /** Asks the authorizer (admission uses it: escalation checks, quota scopes). */
  authorize(attrs: RequestAttributes): Promise<Decision> {
    return Promise.resolve(this.options.authorize(attrs));
  }

  /** The watch cache behind a resource's registry (authorization reads RBAC objects from it). */
  cache(type: ResourceType): WatchCache {
    this.registry(type);
    return this.caches.get(`${type.group}/${type.resource}`) as WatchCache;
  }

  /** Forgets a resource's registry (a CRD was deleted). */
  dropRegistry(type: ResourceType): void {
    const id = `${type.group}/${type.resource}`;
    this.caches.get(id)?.stop();
    this.caches.delete(id);
    this.registries.delete(id);
  }

  // #region handle
  /**
   * One request, start to end:
   * 1. authenticate; anonymous callers may only reach health and version;
   * 2. work out the request's attributes (verb, resource, namespace, name) and authorize them;
   * 3. serve it: a non-resource path (discovery, health, OpenAPI) or a resource verb.
   * Any failure becomes a metav1.Status response.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://tinykube.invalid");
    const request = `${req.method} ${url.pathname}`;
    const trace = (stage: TraceEvent["stage"], message: string) =>
      this.options.trace?.({ request, stage, message });
    try {
      const authn = this.options.authenticate(req);
      if ("error" in authn) {
        trace("authentication", `refused: ${authn.error}`);
        throw unauthorized();
      }
      if ("anonymous" in authn && !isAnonymousAllowed(url.pathname)) {
        trace("authentication", "no credentials, and this path is not open to anonymous users");
        throw unauthorized();
      }
      const user = await this.impersonate(req, authn.user);
      trace("authentication", `user "${user.username}", groups ${JSON.stringify(user.groups)}`);
      const attrs = requestAttributes(req.method ?? "GET", url.pathname, url.searchParams, user);
      const decision = await this.options.authorize(attrs);
      const what = attrs.resourceRequest
        ? `${attrs.verb} ${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ""}${attrs.namespace ? ` in namespace ${attrs.namespace}` : ""}`
        : `${attrs.verb} ${attrs.path}`;
      trace(
        "authorization",
        decision.allowed
          ? `${what}: allowed${decision.reason ? ` (${decision.reason})` : " (group system:masters)"}`
          : `${what}: no RBAC rule allows it`,
      );
      if (!decision.allowed) throw new ApiError(forbiddenStatus(attrs, decision.reason));
      if (attrs.resourceRequest) await this.serveResourceRequest(req, res, url, attrs, user, trace);
      else await this.serveNonResource(req, res, url);
      trace("response", `${res.statusCode}`);
    } catch (error) {
      const status = sendError(res, error);
      trace("response", `${status.code} ${status.reason ?? ""}: ${status.message ?? ""}`);
      if (status.code >= 500)
        this.options.log?.(`[apiserver] ${req.method} ${req.url}: ${status.message}`);
    }
  }
  // #endregion handle

  // #region impersonate
  /**
   * `kubectl --as=alice --as-group=devs`: the Impersonate-* headers ask to act as someone else.
   * The caller must be allowed the `impersonate` verb on each user, group and uid named; the
   * request then runs as that user. A user impersonated without groups gets system:authenticated
   * (and a service account its service-account groups), as in Kubernetes.
   */
  private async impersonate(req: IncomingMessage, caller: UserInfo): Promise<UserInfo> {
    const header = (name: string) => {
      const value = req.headers[name];
      return value === undefined ? [] : Array.isArray(value) ? value : [value];
    };
    const [username, ...extraUsers] = header("impersonate-user");
    const groups = header("impersonate-group");
    const [uid] = header("impersonate-uid");
    if (username === undefined) {
      if (groups.length > 0 || uid !== undefined) {
        throw badRequest("requested impersonation of groups or uid without impersonating a user");
      }
      return caller;
    }
    if (extraUsers.length > 0) throw badRequest("only one Impersonate-User header may be sent");
    const check = async (resource: string, name: string, apiGroup = "") => {
      const sa = resource === "users" ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name) : null;
      const attrs: RequestAttributes = {
        user: caller,
        verb: "impersonate",
        resourceRequest: true,
        apiGroup,
        apiVersion: "",
        resource: sa ? "serviceaccounts" : resource,
        subresource: "",
        namespace: sa ? (sa[1] as string) : "",
        name: sa ? (sa[2] as string) : name,
        path: "",
      };
      const decision = await this.options.authorize(attrs);
      if (!decision.allowed) throw new ApiError(forbiddenStatus(attrs, decision.reason));
    };
    await check("users", username);
    for (const group of groups) await check("groups", group);
    if (uid !== undefined) await check("uids", uid, "authentication.k8s.io");
    const sa = /^system:serviceaccount:([^:]+):/.exec(username);
    const implied = sa ? ["system:serviceaccounts", `system:serviceaccounts:${sa[1]}`] : [];
    const all = [...new Set([...groups, ...implied])];
    if (!all.includes("system:authenticated") && username !== "system:anonymous")
      all.push("system:authenticated");
    return { username, groups: all, ...(uid !== undefined ? { uid } : {}) };
  }
  // #endregion impersonate

  private async serveResourceRequest(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    attrs: RequestAttributes,
    user: UserInfo,
    trace: (stage: TraceEvent["stage"], message: string) => void,
  ): Promise<void> {
    const type = this.scheme.byResource(attrs.apiGroup, attrs.apiVersion, attrs.resource);
    if (!type) throw resourceNotFound();
    const dryRun = url.searchParams.getAll("dryRun").length > 0;
    const admission =
      (phase: "mutate" | "validate") =>
      async (object: KubeObject, oldObject: KubeObject | undefined) => {
        await this.options.admission?.(
          {
            type,
            operation: oldObject ? "UPDATE" : "CREATE",
            object,
            oldObject,
            user,
            subresource: attrs.subresource,
            dryRun,
            server: this,
            trace: (message) => trace("admission", message),
          },
          phase,
        );
      };
    const admit: Admit = { mutate: admission("mutate"), validate: admission("validate") };
    const ctx: ResourceContext = {
      req,
      res,
      query: url.searchParams,
      attrs,
      user,
      type,
      registry: type.virtual ? (undefined as unknown as Registry) : this.registry(type),
      codecs: this.codecs,
      admit,
      trace: (stage, message) => trace(stage, message),
      watch: {
        keepAliveMs: this.options.watch?.keepAliveMs ?? 15_000,
        defaultTimeoutSeconds: this.options.watch?.defaultTimeoutSeconds ?? 1800,
      },
      ...(this.options.special
        ? {
            special: (c: ResourceContext) =>
              this.options.special?.(c, this) ?? Promise.resolve(false),
          }
        : {}),
    };
    await serveResource(ctx);
  }

  private async serveNonResource(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (req.method !== "GET" && req.method !== "HEAD") throw methodNotAllowed();
    if (path === "/version") return sendJson(res, 200, VERSION);
    const health = /^\/(healthz|livez|readyz)(\/.*)?$/.exec(path);
    if (health) return this.serveHealth(res, health[1] as string, url.searchParams.has("verbose"));
    if (path === "/api" || path === "/apis") {
      const out = chooseOutput(req.headers.accept, { discovery: true });
      if (!out) throw notAcceptable(["application/json"]);
      if (out.shape === "discovery") {
        return sendJson(res, 200, aggregatedDiscovery(this.scheme, path === "/api", out.version), {
          contentType: discoveryContentType(out.version),
        });
      }
      return sendJson(
        res,
        200,
        path === "/api" ? apiVersions(this.address) : apiGroupList(this.scheme),
      );
    }
    const legacy = /^\/(?:api\/(v1)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(path);
    if (legacy) {
      const [, coreVersion, group, version] = legacy;
      const body = coreVersion
        ? apiResourceList(this.scheme, "", coreVersion)
        : version
          ? apiResourceList(this.scheme, group as string, version)
          : apiGroup(this.scheme, group as string);
      if (!body) throw resourceNotFound();
      return sendJson(res, 200, body);
    }
    if (path.startsWith("/openapi/")) {
      const doc = this.options.openapi?.(path, url.searchParams, this.scheme);
      if (doc === undefined) throw resourceNotFound();
      return sendJson(res, 200, doc);
    }
    throw resourceNotFound();
  }

  private serveHealth(res: ServerResponse, which: string, verbose: boolean): void {
    const checks = [
      "ping",
      "log",
      "etcd",
      "informer-sync",
      "poststarthook/start-apiextensions-informers",
    ];
    if (!verbose) {
      sendText(res, 200, "ok");
      return;
    }
    const lines = checks.map((c) => `[+]${c} ok`);
    sendText(res, 200, `${lines.join("\n")}\n${which} check passed\n`);
  }

  /** Listens with TLS (client certificates requested, verified against `ca`, not required). */
  async listen(options: {
    port: number;
    host?: string;
    tls: TlsServerOptions;
    /**
     * Also serve HTTP/2 to clients that offer it (ALPN "h2"), as kube-apiserver does: every
     * request and watch of a client becomes a stream of one connection. HTTP/1.1 clients are
     * served as before, on the same port.
     */
    http2?: boolean;
  }): Promise<AddressInfo> {
    const tls = { ...options.tls, requestCert: true, rejectUnauthorized: false };
    // The HTTP/2 compatibility API's request and response stand in for HTTP/1.1's.
    const handler = (req: unknown, res: unknown) => {
      void this.handle(req as IncomingMessage, res as ServerResponse);
    };
    const server = options.http2
      ? createSecureServer(
          { ...tls, allowHTTP1: true, settings: { maxConcurrentStreams: HTTP2_MAX_STREAMS } },
          handler,
        )
      : createHttpsServer(tls, handler);
    // kube-apiserver keeps an idle connection 90 s (secure_serving.go IdleTimeout, "matches
    // http.DefaultTransport keep-alive timeout"); Node's default, 5 s, is shorter than many
    // clients' pauses (a kubelet's 10 s between lease renewals), so a client reusing its
    // connection races the server closing it and, on a busy machine, loses with ECONNRESET.
    // (For HTTP/1.1 connections; the HTTP/2 server reads it for those too.)
    (server as { keepAliveTimeout?: number }).keepAliveTimeout = IDLE_TIMEOUT_MS;
    // Every TCP connection, from its first byte: one still in its TLS handshake when close() is
    // called would otherwise hold close() until it finished or idled out.
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.address = `${address.address}:${address.port}`;
    return address;
  }

  async close(): Promise<void> {
    for (const cache of this.caches.values()) cache.stop();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
