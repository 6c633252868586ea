/** Writing responses: JSON (or YAML) bodies, Status errors, and Warning headers. */
import type { ServerResponse } from "node:http";
import { stringify as toYaml } from "yaml";
import type { KubeList, Status } from "../../api/object.ts";
import { ApiError, internalError } from "../errors.ts";

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  options: { format?: "json" | "yaml"; contentType?: string; warnings?: string[] } = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const yaml = options.format === "yaml";
  const text = yaml ? toYaml(body) : JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    "Content-Type": options.contentType ?? (yaml ? "application/yaml" : "application/json"),
    "Cache-Control": "no-cache, private",
  };
  if (options.warnings?.length) headers.Warning = options.warnings.map(warningHeader);
  res.writeHead(code, headers);
  res.end(text);
}

/** Items per chunk of a streamed list: about 0.5 MB of pods, and one write per chunk. */
const LIST_CHUNK_ITEMS = 500;

// #region sendJsonList
/**
 * A JSON list, written a chunk of items at a time instead of as one string, as kube-apiserver's
 * streaming list encoder does (KEP-5116): a 50,000-pod list is ~50 MB, and encoding it whole
 * holds that string, its bytes and their encrypted copy at once, while the client waits for the
 * last item to be encoded before it gets the first. The bytes are exactly JSON.stringify(list)'s.
 *
 * 1. a list of one chunk or less goes out as any other body (with a Content-Length);
 * 2. otherwise the head — every field but `items`, which comes last — then the items, a chunk
 *    at a time; when the socket's buffer is full, wait for it to drain (or for the client to go);
 * 3. close the array and the object.
 * The list's objects must not change meanwhile: the watch cache replaces objects, never edits them.
 */
export async function sendJsonList(
  res: ServerResponse,
  code: number,
  list: KubeList,
): Promise<void> {
  const { items, ...rest } = list;
  if (items.length <= LIST_CHUNK_ITEMS) return sendJson(res, code, list);
  res.writeHead(code, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  let next = `${JSON.stringify(rest).slice(0, -1)},"items":[`;
  for (let i = 0; i < items.length; i += LIST_CHUNK_ITEMS) {
    const chunk = items.slice(i, i + LIST_CHUNK_ITEMS).map((item) => JSON.stringify(item));
    next += `${i > 0 ? "," : ""}${chunk.join(",")}`;
    if (!res.write(next) && !(await drained(res))) return;
    next = "";
  }
  res.end("]}");
}
// #endregion sendJsonList

/** Resolves true once the response can take more, false if the connection closed first. */
function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-cache, private",
  });
  res.end(text);
}

/** Any failure as a metav1.Status; errors that are not ApiErrors become 500 InternalError. */
export function statusOf(error: unknown): Status {
  return error instanceof ApiError ? error.status : internalError(error).status;
}

export function sendError(res: ServerResponse, error: unknown): Status {
  const status = statusOf(error);
  sendJson(res, status.code, status);
  return status;
}

/** RFC 7234 warning: `299 - "message"`, the form kube-apiserver uses. */
function warningHeader(message: string): string {
  return `299 - ${JSON.stringify(message)}`;
}
