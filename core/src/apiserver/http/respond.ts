/** Writing responses: JSON (or YAML) bodies, Status errors, and Warning headers. */
import type { ServerResponse } from "node:http";
import { stringify as toYaml } from "yaml";
import type { Status } from "../../api/object.ts";
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
