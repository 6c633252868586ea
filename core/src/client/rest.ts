/**
 * The REST client every tinykube component uses to talk to the API server — client-go's
 * rest.Interface, cut to what controllers, the scheduler and kubelets need. Each component has
 * its own identity (a bearer token from the token file, or a client certificate) and its own
 * request budget.
 *
 * Guarantees:
 * - Every request is HTTPS to one server, verified against the cluster CA.
 * - A failure the server explains arrives as ApiError with its metav1.Status (reason, code,
 *   message), so callers branch on `isNotFound(e)`, `isConflict(e)`; a failure to reach the
 *   server arrives as a plain Error.
 * - Requests wait their turn in a token bucket (client-go's default: 5 qps, burst 10; the
 *   controller manager asks for more), so a busy component cannot flood the API server.
 * - A watch is an async iterable of events that ends when the server closes the stream, when
 *   its timeout passes, or when `stop()` is called.
 */

import { Agent, request as httpsRequest } from "node:https";
import type { DeleteOptions, KubeList, KubeObject, Status } from "../api/object.ts";
import { apiVersionOf } from "../api/object.ts";
import type { ResourceType } from "../api/scheme.ts";
import { ApiError } from "../apiserver/errors.ts";
import { type Clock, realClock } from "../util/clock.ts";
import type { Http2Transport, TransportResponse } from "./http2-transport.ts";
import { TokenBucket } from "./token-bucket.ts";

export { ApiError };

export interface ClientConfig {
  /** "https://127.0.0.1:6443" */
  server: string;
  caPem: string;
  /** One of the two credentials. */
  token?: string;
  clientCert?: { certPem: string; keyPem: string };
  /** Identifies the caller in logs and as the default field manager ("kube-controller-manager"). */
  userAgent?: string;
  /** Requests per second and burst (client-go defaults: 5 and 10). 0 qps means no limit. */
  qps?: number;
  burst?: number;
  clock?: Clock;
  /**
   * HTTP/2 connections shared with other clients (thousands of hollow kubelets in one process),
   * which `close()` leaves open; token authentication only. By default each client has HTTP/1.1
   * connections of its own.
   */
  http2?: Http2Transport;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEventOf<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** For ERROR, a metav1.Status. */
  object: T;
}

export interface ClientWatch<T extends KubeObject = KubeObject>
  extends AsyncIterable<WatchEventOf<T>> {
  stop(): void;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: "Exact" | "NotOlderThan";
  limit?: number;
  continue?: string;
}

export interface WatchOptions extends Omit<ListOptions, "limit" | "continue"> {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type PatchType = "merge" | "json" | "strategic" | "apply";

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

// #region RestClient
export class RestClient {
  private readonly agent: Agent;
  private readonly bucket: TokenBucket | undefined;
  readonly userAgent: string;

  constructor(readonly config: ClientConfig) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 64,
      ca: config.caPem,
      ...(config.clientCert
        ? { cert: config.clientCert.certPem, key: config.clientCert.keyPem }
        : {}),
    });
    const qps = config.qps ?? 5;
    this.bucket =
      qps > 0 ? new TokenBucket(qps, config.burst ?? 10, config.clock ?? realClock) : undefined;
    this.userAgent = config.userAgent ?? "tinykube";
  }

  /** The client for one resource, cluster-wide or in one namespace. */
  resource<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace?: string,
  ): ResourceClient<T> {
    return new ResourceClient<T>(this, type, type.namespaced ? namespace : undefined);
  }

  close(): void {
    this.agent.destroy();
  }

  /** One request; resolves with the parsed JSON body, or rejects with ApiError / Error. */
  async request<R = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; query?: URLSearchParams } = {},
  ): Promise<R> {
    await this.bucket?.take();
    const res = await this.send(method, path, options);
    const text = await readAll(res.body);
    const status = res.statusCode;
    if (status >= 200 && status < 300) return (text ? JSON.parse(text) : undefined) as R;
    throw toApiError(status, text);
  }

  /** Opens a streaming GET (a watch); rejects like `request` when the answer is not 200. */
  async stream(path: string, query: URLSearchParams): Promise<TransportResponse> {
    await this.bucket?.take();
    const res = await this.send("GET", path, { query });
    if (res.statusCode !== 200) throw toApiError(res.statusCode, await readAll(res.body));
    return res;
  }

  private send(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; query?: URLSearchParams },
  ): Promise<TransportResponse> {
    const url = new URL(path, this.config.server);
    if (options.query) url.search = options.query.toString();
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    const headers = {
      accept: "application/json",
      "user-agent": this.userAgent,
      ...(this.config.token ? { authorization: `Bearer ${this.config.token}` } : {}),
      ...(body !== undefined
        ? {
            "content-type": options.contentType ?? "application/json",
            "content-length": Buffer.byteLength(body),
          }
        : {}),
    };
    if (this.config.http2)
      return this.config.http2.request(method, `${url.pathname}${url.search}`, headers, body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method, agent: this.agent, headers }, (res) =>
        resolve({ statusCode: res.statusCode ?? 0, body: res, destroy: () => res.destroy() }),
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}
// #endregion RestClient

/** One resource's REST verbs: /api/v1/namespaces/<ns>/<resource>[/<name>[/<subresource>]]. */
export class ResourceClient<T extends KubeObject = KubeObject> {
  constructor(
    private readonly client: RestClient,
    readonly type: ResourceType,
    readonly namespace: string | undefined,
  ) {}

  /** Another namespace, same resource. */
  in(namespace: string | undefined): ResourceClient<T> {
    return new ResourceClient<T>(this.client, this.type, namespace);
  }

  path(name?: string, subresource?: string): string {
    const t = this.type;
    const base = t.group === "" ? `/api/${t.version}` : `/apis/${t.group}/${t.version}`;
    const ns =
      t.namespaced && this.namespace ? `/namespaces/${encodeURIComponent(this.namespace)}` : "";
    return `${base}${ns}/${t.resource}${name ? `/${encodeURIComponent(name)}` : ""}${subresource ? `/${subresource}` : ""}`;
  }

  list(options: ListOptions = {}): Promise<KubeList<T>> {
    return this.client.request("GET", this.path(), { query: query(options) });
  }

  get(name: string): Promise<T> {
    return this.client.request("GET", this.path(name));
  }

  create(object: T, options: { dryRun?: boolean; fieldManager?: string } = {}): Promise<T> {
    return this.client.request("POST", this.path(), {
      body: withTypeMeta(this.type, object),
      query: writeQuery(options),
    });
  }

  update(object: T, options: { fieldManager?: string } = {}): Promise<T> {
    return this.client.request("PUT", this.path(object.metadata.name), {
      body: withTypeMeta(this.type, object),
      query: writeQuery(options),
    });
  }

  updateStatus(object: T): Promise<T> {
    return this.client.request("PUT", this.path(object.metadata.name, "status"), {
      body: withTypeMeta(this.type, object),
    });
  }

  patch(
    name: string,
    patch: unknown,
    type: PatchType = "merge",
    options: { subresource?: string; fieldManager?: string; force?: boolean } = {},
  ): Promise<T> {
    const q = writeQuery(options);
    if (options.force) q.set("force", "true");
    if (type === "apply" && !q.has("fieldManager")) q.set("fieldManager", this.client.userAgent);
    return this.client.request("PATCH", this.path(name, options.subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPE[type],
      query: q,
    });
  }

  /** Deletes; resolves with the Status or the object the server answers with. */
  delete(name: string, options: Omit<DeleteOptions, "dryRun"> = {}): Promise<KubeObject | Status> {
    return this.client.request("DELETE", this.path(name), {
      body: { kind: "DeleteOptions", apiVersion: "v1", ...options },
    });
  }

  /** POSTs to a subresource (pods/binding, pods/eviction). */
  createSubresource<B extends KubeObject, R = unknown>(
    name: string,
    subresource: string,
    body: B,
  ): Promise<R> {
    return this.client.request("POST", this.path(name, subresource), { body });
  }

  // #region watch
  /**
   * A watch: newline-delimited JSON events, parsed as they arrive. Blank lines are the server's
   * keep-alives and are skipped. The stream ends when the server closes it (its timeout), and
   * throws if the connection breaks.
   */
  async watch(options: WatchOptions = {}): Promise<ClientWatch<T>> {
    const q = query(options);
    q.set("watch", "true");
    if (options.allowWatchBookmarks) q.set("allowWatchBookmarks", "true");
    if (options.timeoutSeconds !== undefined)
      q.set("timeoutSeconds", String(options.timeoutSeconds));
    const res = await this.client.stream(this.path(), q);
    let stopped = false;
    const stop = () => {
      stopped = true;
      res.destroy();
    };
    async function* events(): AsyncGenerator<WatchEventOf<T>> {
      let partial = "";
      try {
        for await (const chunk of res.body) {
          partial += chunk.toString("utf8");
          let newline = partial.indexOf("\n");
          while (newline >= 0) {
            const line = partial.slice(0, newline).trim();
            partial = partial.slice(newline + 1);
            if (line !== "") yield JSON.parse(line) as WatchEventOf<T>;
            newline = partial.indexOf("\n");
          }
        }
      } catch (error) {
        if (!stopped) throw error;
      }
    }
    const iterable = events();
    return { stop, [Symbol.asyncIterator]: () => iterable };
  }
  // #endregion watch
}

function query(options: ListOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (options.labelSelector) q.set("labelSelector", options.labelSelector);
  if (options.fieldSelector) q.set("fieldSelector", options.fieldSelector);
  if (options.resourceVersion !== undefined) q.set("resourceVersion", options.resourceVersion);
  if (options.resourceVersionMatch) q.set("resourceVersionMatch", options.resourceVersionMatch);
  if (options.limit) q.set("limit", String(options.limit));
  if (options.continue) q.set("continue", options.continue);
  return q;
}

function writeQuery(options: { dryRun?: boolean; fieldManager?: string }): URLSearchParams {
  const q = new URLSearchParams();
  if (options.dryRun) q.set("dryRun", "All");
  if (options.fieldManager) q.set("fieldManager", options.fieldManager);
  return q;
}

function withTypeMeta<T extends KubeObject>(type: ResourceType, object: T): T {
  return { ...object, apiVersion: apiVersionOf(type.group, type.version), kind: type.kind };
}

async function readAll(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** The server's Status, or one made up for an answer that carries none. */
function toApiError(code: number, text: string): ApiError {
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed?.kind === "Status") return new ApiError(parsed);
  } catch {
    // not JSON: fall through
  }
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: text || `the server answered ${code}`,
    code,
  });
}

export const reasonOf = (error: unknown): string | undefined =>
  error instanceof ApiError ? error.reason : undefined;
export const isNotFound = (error: unknown) => reasonOf(error) === "NotFound";
export const isAlreadyExists = (error: unknown) => reasonOf(error) === "AlreadyExists";
export const isConflict = (error: unknown) => reasonOf(error) === "Conflict";
/** A watch or list from a forgotten resourceVersion: re-list. */
export const isGone = (error: unknown) => error instanceof ApiError && error.code === 410;

/**
 * Runs `attempt` again while it fails with 409 Conflict, up to `tries` times — client-go's
 * retry.RetryOnConflict. `attempt` must read the object afresh each time: retrying a write of a
 * stale copy would conflict forever.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, tries = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConflict(error) || i >= tries) throw error;
    }
  }
}
