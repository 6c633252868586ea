/**
 * GET /containerLogs/{namespace}/{pod}/{container}: the kubelet's half of `kubectl logs` — the
 * API server proxies pods/log here (pkg/kubelet/server/server.go getContainerLogs, then
 * kubelet_pods.go GetKubeletContainerLogs and kuberuntime's GetContainerLogs).
 *
 * The request, step by step, each answer as the kubelet gives it:
 * 1. Decode the query as v1.PodLogOptions (400 `{"message": "Unable to decode query."}`) and
 *    validate it (422 `{"message": "Invalid request."}`). `tail` is the old name of tailLines.
 * 2. Find the pod among the kubelet's pods (404 `pod "web" does not exist`) and the container in
 *    its spec (404 `container "x" not found in pod "web"`).
 * 3. Choose the run from the pod's status (validateContainerLogStatus): the running one, else the
 *    last terminated one; `previous` wants the one before (400 with Kubernetes' reasons).
 * 4. Send 200 and its headers at once (the kubelet's zero-byte write), then read the run's log
 *    file (logs.ts), whose path the runtime's ContainerStatus gives. From here an error can only
 *    end the body, with its text, as the kubelet's late WriteError does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Pod } from "../api/types.ts";
import type { RuntimeService } from "../runtime/cri.ts";
import type { Clock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { newLogOptions, type PodLogOptions, parseTimestamp, readLogs } from "./logs.ts";
import { CONTAINER_ID_SCHEME } from "./pod-status.ts";

/** What serving a log request needs from the kubelet. */
export interface ContainerLogsHost {
  pods(): Pod[];
  runtime: Pick<RuntimeService, "containerStatus">;
  clock: Clock;
  log?: (line: string) => void;
}

/** An answer before any log is sent: a status and the kubelet's text for it. */
export class LogRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 422,
    message: string,
  ) {
    super(message);
    this.name = "LogRequestError";
  }
}

const DECODE_ERROR = '{"message": "Unable to decode query."}';
const INVALID = '{"message": "Invalid request."}';

// #region decodePodLogOptions
/**
 * The query as v1.PodLogOptions, as apimachinery converts query parameters: a boolean is false
 * only when absent, "0" or "false" (any case), so `?follow` alone means true; numbers are whole
 * (int64); sinceTime is RFC 3339. Then ValidatePodLogOptions: tailLines >= 0, limitBytes >= 1,
 * sinceSeconds >= 1, and at most one of sinceSeconds and sinceTime.
 */
export function decodePodLogOptions(query: URLSearchParams): PodLogOptions & { previous: boolean } {
  const params = new URLSearchParams(query);
  const tail = params.get("tail");
  if (tail !== null && tail !== "") {
    if (tail === "all") params.delete("tailLines");
    else params.set("tailLines", tail);
  }
  const bool = (name: string) => {
    const value = params.get(name);
    return value !== null && value !== "0" && value.toLowerCase() !== "false";
  };
  const int = (name: string) => {
    const value = params.get(name);
    if (value === null) return undefined;
    if (!/^[+-]?\d+$/.test(value)) throw new LogRequestError(400, DECODE_ERROR);
    return Number(value);
  };
  const options = {
    follow: bool("follow"),
    previous: bool("previous"),
    timestamps: bool("timestamps"),
    ...optional("tailLines", int("tailLines")),
    ...optional("limitBytes", int("limitBytes")),
    ...optional("sinceSeconds", int("sinceSeconds")),
    ...optional("sinceTime", params.get("sinceTime") || undefined),
  };
  if (options.sinceTime !== undefined && parseTimestamp(options.sinceTime) === undefined) {
    throw new LogRequestError(400, DECODE_ERROR);
  }
  const invalid =
    (options.tailLines !== undefined && options.tailLines < 0) ||
    (options.limitBytes !== undefined && options.limitBytes < 1) ||
    (options.sinceSeconds !== undefined && options.sinceSeconds < 1) ||
    (options.sinceSeconds !== undefined && options.sinceTime !== undefined);
  if (invalid) throw new LogRequestError(422, INVALID);
  return options;
}
// #endregion decodePodLogOptions

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

interface StatusLike {
  containerID?: string;
  state?: {
    running?: unknown;
    terminated?: { containerID?: string };
    waiting?: { reason?: string };
  };
  lastState?: { terminated?: { containerID?: string } };
}

// #region validateContainerLogStatus
/**
 * validateContainerLogStatus: the ID of the run whose log to read, from the pod's status:
 * - previous: the last terminated run (lastState), or `previous terminated container "app" in
 *   pod "web" not found`;
 * - else the running run; else the terminated one (or, if it has no ID, the one before);
 * - a container still waiting says why: "image can't be pulled" for ErrImagePull,
 *   "trying and failing to pull image" for ImagePullBackOff, else its reason.
 */
export function containerIdForLogs(pod: Pod, containerName: string, previous: boolean): string {
  const podName = pod.metadata.name as string;
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...((pod.status?.initContainerStatuses as unknown[] | undefined) ?? []),
  ] as (StatusLike & { name: string })[];
  const status = statuses.find((s) => s.name === containerName);
  const fail = (what: string) =>
    new LogRequestError(400, `container "${containerName}" in pod "${podName}" ${what}`);
  if (!status) throw fail("is not available");
  const last = status.lastState?.terminated;
  const { running, terminated, waiting } = status.state ?? {};
  let id: string | undefined;
  if (previous) {
    if (!last?.containerID) {
      throw new LogRequestError(
        400,
        `previous terminated container "${containerName}" in pod "${podName}" not found`,
      );
    }
    id = last.containerID;
  } else if (running) {
    id = status.containerID;
  } else if (terminated) {
    id = terminated.containerID || last?.containerID;
    if (!id) throw fail("is terminated");
  } else if (last) {
    id = last.containerID;
    if (!id) throw fail("is terminated");
  } else if (waiting) {
    const reason = waiting.reason ?? "";
    if (reason === "ErrImagePull") throw fail("is waiting to start: image can't be pulled");
    if (reason === "ImagePullBackOff") {
      throw fail("is waiting to start: trying and failing to pull image");
    }
    throw fail(`is waiting to start: ${reason}`);
  } else {
    throw fail("is waiting to start - no logs yet");
  }
  return String(id).replace(`${CONTAINER_ID_SCHEME}://`, "");
}
// #endregion validateContainerLogStatus

// #region serveContainerLogs
/** Steps 1-4 of the module comment. */
export async function serveContainerLogs(
  req: IncomingMessage,
  res: ServerResponse,
  target: { namespace: string; pod: string; container: string },
  host: ContainerLogsHost,
  signal: AbortSignal,
): Promise<void> {
  let id: string;
  let options: ReturnType<typeof decodePodLogOptions>;
  try {
    options = decodePodLogOptions(new URL(req.url ?? "/", "https://kubelet").searchParams);
    const pod = host
      .pods()
      .find((p) => p.metadata.namespace === target.namespace && p.metadata.name === target.pod);
    if (!pod) throw new LogRequestError(404, `pod "${target.pod}" does not exist`);
    const inSpec = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some(
      (c) => c.name === target.container,
    );
    if (!inSpec) {
      throw new LogRequestError(
        404,
        `container "${target.container}" not found in pod "${target.pod}"`,
      );
    }
    id = containerIdForLogs(pod, target.container, options.previous);
  } catch (error) {
    if (!(error instanceof LogRequestError)) throw error;
    res.writeHead(error.status, { "Content-Type": "text/plain; charset=utf-8" });
    res.end(error.message);
    return;
  }

  res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
  res.flushHeaders();
  try {
    const status = await host.runtime.containerStatus(id).catch((error: unknown) => {
      host.log?.(`container status of ${id}: ${messageOf(error)}`);
      throw new Error(`unable to retrieve container logs for ${CONTAINER_ID_SCHEME}://${id}`);
    });
    await readLogs({
      path: status.logPath,
      options: newLogOptions(options, host.clock.now()),
      write: (chunk) => send(res, chunk),
      isRunning: async () => (await host.runtime.containerStatus(id)).state === "CONTAINER_RUNNING",
      signal,
      clock: host.clock,
      ...(host.log ? { log: host.log } : {}),
    });
  } catch (error) {
    if (!signal.aborted) res.write(messageOf(error));
  }
  res.end();
}
// #endregion serveContainerLogs

/** Writes a chunk, waiting while the client's buffer is full; a closed response takes nothing. */
function send(res: ServerResponse, chunk: Buffer): Promise<void> | undefined {
  if (res.destroyed || res.write(chunk)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
