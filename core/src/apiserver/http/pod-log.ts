/**
 * pods/log: `kubectl logs`. The API server holds no logs; it finds the pod's node and proxies the
 * request to that node's kubelet (GET /containerLogs/<namespace>/<pod>/<container>), streaming
 * the answer back — as Kubernetes' LogREST does. The kubelet reads the container's log file.
 *
 * Checked here first, with Kubernetes' messages: which container (a pod with several needs one
 * named), whether it exists, whether the pod has a node yet.
 */
import { request as httpsRequest } from "node:https";
import type { KubeObject, Status } from "../../api/object.ts";
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import { ApiError, badRequest, internalError, methodNotAllowed } from "../errors.ts";
import type { ApiServer } from "../server.ts";
import type { ResourceContext } from "./resources.ts";

/** How the API server reaches kubelets: the cluster CA to verify them, its own client certificate. */
export interface KubeletClientConfig {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** The kubelet's default port (--port). */
const KUBELET_PORT = 10250;
/** The query parameters a log request passes on to the kubelet (PodLogOptions). */
const PASSED = [
  "follow",
  "previous",
  "timestamps",
  "tailLines",
  "sinceSeconds",
  "sinceTime",
  "limitBytes",
];

const nodes = BUILTIN_TYPES.find((t) => t.resource === "nodes") as ResourceType;

interface PodLike {
  spec?: {
    nodeName?: string;
    containers?: { name: string }[];
    initContainers?: { name: string }[];
  };
}

// #region podLog
export async function servePodLog(
  ctx: ResourceContext,
  server: ApiServer,
  kubelet: KubeletClientConfig | undefined,
): Promise<void> {
  if (ctx.attrs.verb !== "get") throw methodNotAllowed();
  const name = ctx.attrs.name;
  const pod = (await ctx.registry.get(ctx.attrs.namespace, name)) as KubeObject & PodLike;
  const container = chooseContainer(pod, name, ctx.query.get("container"));
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const node = await server.registry(nodes).get(undefined, nodeName);
  const { host, port } = kubeletAddress(node);
  const query = new URLSearchParams();
  for (const key of PASSED) {
    const value = ctx.query.get(key);
    if (value !== null) query.set(key, value);
  }
  const path = `/containerLogs/${encodeURIComponent(ctx.attrs.namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}${query.size ? `?${query}` : ""}`;
  const url = `https://${host}:${port}${path}`;
  if (!kubelet) throw proxyError(url, "this API server has no kubelet client credentials");
  await new Promise<void>((resolve, reject) => {
    const upstream = httpsRequest(
      {
        host,
        port,
        path,
        method: "GET",
        agent: false,
        ca: kubelet.caPem,
        cert: kubelet.certPem,
        key: kubelet.keyPem,
      },
      (answer) => {
        const code = answer.statusCode ?? 502;
        if (code < 200 || code > 206) {
          // The kubelet refused: its words become the API's error (GenericHttpResponseChecker).
          const chunks: Buffer[] = [];
          let size = 0;
          answer.on("data", (chunk: Buffer) => {
            if (size < MAX_ERROR_BODY) chunks.push(chunk.subarray(0, MAX_ERROR_BODY - size));
            size += chunk.length;
          });
          answer.on("end", () => reject(kubeletError(code, Buffer.concat(chunks).toString())));
          answer.on("error", (error) => reject(internalError(error)));
          return;
        }
        ctx.res.writeHead(code, {
          "Content-Type": answer.headers["content-type"] ?? "text/plain",
          "Cache-Control": "no-cache, private",
        });
        ctx.res.flushHeaders();
        answer.pipe(ctx.res);
        answer.on("end", resolve);
        answer.on("error", resolve);
      },
    );
    // The client went away (kubectl logs -f interrupted): stop asking the kubelet.
    ctx.res.on("close", () => upstream.destroy());
    upstream.on("error", (error) => {
      if (ctx.res.headersSent) resolve();
      else reject(proxyError(url, error.message));
    });
    upstream.end();
  });
}
// #endregion podLog

/** The container to read: the one named, or the only one; Kubernetes' errors otherwise. */
function chooseContainer(pod: PodLike, name: string, wanted: string | null): string {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const init = (pod.spec?.initContainers ?? []).map((c) => c.name);
  if (!wanted) {
    if (containers.length === 1) return containers[0] as string;
    const choices = `choose one of: [${containers.join(" ")}]`;
    throw badRequest(
      `a container name must be specified for pod ${name}, ${choices}${init.length ? ` or one of the init containers: [${init.join(" ")}]` : ""}`,
    );
  }
  if (!containers.includes(wanted) && !init.includes(wanted)) {
    throw badRequest(`container ${wanted} is not valid for pod ${name}`);
  }
  return wanted;
}

/** The node's InternalIP and its kubelet port, from the node's status. */
function kubeletAddress(node: KubeObject): { host: string; port: number } {
  const status = (node.status ?? {}) as {
    addresses?: { type: string; address: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
  const address =
    status.addresses?.find((a) => a.type === "InternalIP") ??
    status.addresses?.find((a) => a.type === "Hostname");
  if (!address) throw badRequest(`node ${node.metadata.name} has no address`);
  return {
    host: address.address,
    port: status.daemonEndpoints?.kubeletEndpoint?.Port ?? KUBELET_PORT,
  };
}

/** GenericHttpResponseChecker reads at most this much of an error answer (maxReadLength). */
const MAX_ERROR_BODY = 50_000;

/**
 * A kubelet's error answer as the API's error: 400 is BadRequest with the kubelet's text (so
 * `kubectl logs --previous` prints `previous terminated container "x" in pod "y" not found`),
 * 500 an InternalError; any other code keeps its code and the kubelet's text.
 */
function kubeletError(code: number, body: string): ApiError {
  if (code === 400) return badRequest(body);
  if (code === 500) return internalError(new Error(body));
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: body,
    code,
  });
}

/** What kubectl shows when the kubelet cannot be reached: `Error from server: Get "...": ...`. */
function proxyError(url: string, why: string): ApiError {
  const status: Status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `Get "${url}": ${why}`,
    code: 500,
  };
  return new ApiError(status);
}
