/**
 * The HTTP probe — pkg/probe/http (request.go, http.go) as the kubelet's prober uses it: a GET to
 * scheme://host:port/path, host defaulting to the pod's IP, port by number or by the container's
 * port name.
 *
 * Guarantees (Kubernetes' own):
 * - 200-399 is success, anything else a failure "HTTP probe failed with statuscode: 503"; the body
 *   is never in a failure's message (kubernetes#99425), and at most 10 KiB of it is read.
 * - Headers: the spec's httpHeaders, then `User-Agent: kube-probe/<major>.<minor>` and
 *   `Accept: *\/*` unless the spec sets them (an empty Accept removes it, an empty User-Agent sends
 *   none); a Host header becomes the request's Host. No keep-alive, no compression, no proxy.
 * - HTTPS certificates are not verified.
 * - Redirects to the same host name are followed, at most 10 requests in all ("stopped after 10
 *   redirects" is a failure); a redirect to another host is not followed: the 3xx itself is the
 *   answer, a success with a warning ("Probe terminated redirects, Response body: ..."), as the
 *   kubelet creates its prober with followNonLocalRedirects false.
 * - The timeout covers everything, redirects and the body included, as Go's Client.Timeout does;
 *   a failure to connect or a timeout is a failure whose message is Go's
 *   (`Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: connection refused`).
 */
import * as http from "node:http";
import * as https from "node:https";
import type { Container } from "../../api/types.ts";
import type { Clock } from "../../util/clock.ts";
import { dialError, joinHostPort, readError } from "./net-errors.ts";
import { resolveContainerPort } from "./port.ts";
import type { HTTPGetAction, ProbeOutcome } from "./spec.ts";

/**
 * userAgent("probe") in request.go: kube-probe/<major>.<minor> of the kubelet, which reports
 * itself as v1.35.0-tinykube (node-status.ts).
 */
export const USER_AGENT = "kube-probe/1.35";
/** maxRespBodyLength in http.go: 10 KiB. */
export const MAX_BODY_BYTES = 10 * 1024;
/** Go's http.Client default CheckRedirect, which the prober's keeps: 10 requests in all. */
const MAX_REQUESTS = 10;
/** The statuses Go's client follows (redirectBehavior). */
const FOLLOWED = new Set([301, 302, 303, 307, 308]);
/** context.DeadlineExceeded's message. */
const DEADLINE = "context deadline exceeded";

export interface HttpProbeRequest {
  url: URL;
  /** The URL as Go prints it, the port always named (WHATWG's href drops a default one). */
  href: string;
  /** Canonical name (Go's CanonicalHeaderKey) → values, in the order given. No Host. */
  headers: Map<string, string[]>;
  /** The Host header: the spec's, or host:port of the URL (Go always names the port here). */
  host: string;
}

// #region http-request
/** NewRequestForHTTPGetAction. Throws, with Kubernetes' message, for a port it cannot resolve. */
export function newRequestForHTTPGetAction(
  action: HTTPGetAction,
  container: Container,
  podIP: string,
  userAgent = USER_AGENT,
): HttpProbeRequest {
  const scheme = (action.scheme ?? "").toLowerCase() || "http";
  const host = action.host || podIP;
  const port = resolveContainerPort(action.port, container);
  const hostPort = joinHostPort(host, port);
  // formatURL: the path (with any query) resolved onto scheme://host:port.
  const url = new URL(`${scheme}://${hostPort}`);
  const path = new URL(action.path ?? "", url);
  url.pathname = path.pathname;
  url.search = path.search;

  const headers = new Map<string, string[]>();
  for (const { name, value } of action.httpHeaders ?? []) {
    const key = canonicalHeaderKey(name);
    headers.set(key, [...(headers.get(key) ?? []), value]);
  }
  if (!headers.has("User-Agent")) headers.set("User-Agent", [userAgent]);
  if (!headers.has("Accept")) headers.set("Accept", ["*/*"]);
  else if ((headers.get("Accept")?.[0] ?? "") === "") headers.delete("Accept");
  const hostHeader = headers.get("Host")?.[0] ?? "";
  headers.delete("Host");
  const href = `${scheme}://${hostPort}${url.pathname}${url.search}`;
  return { url, href, headers, host: hostHeader || hostPort };
}
// #endregion http-request

// #region http-probe
/** DoHTTPProbe with the prober's client: one GET (and its same-host redirects) within `timeoutMs`. */
export function httpProbe(
  request: HttpProbeRequest,
  timeoutMs: number,
  clock: Clock,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let current: http.ClientRequest | undefined;
    let currentUrl = request.href;
    let readingBody = false;
    let settled = false;
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      timer?.cancel();
      current?.destroy();
      resolve(outcome);
    };
    // Go's words for a Client.Timeout, before the answer's headers and while reading its body.
    const timeUp = (): ProbeOutcome =>
      readingBody
        ? failure("", `${DEADLINE} (Client.Timeout or context cancellation while reading body)`)
        : failure(
            `Get ${JSON.stringify(currentUrl)}: ${DEADLINE} (Client.Timeout exceeded while awaiting headers)`,
          );
    const timer = timeoutMs > 0 ? clock.setTimeout(() => finish(timeUp()), timeoutMs) : undefined;

    const send = (url: URL, href: string, host: string, sent: number) => {
      currentUrl = href;
      const hostPort = joinHostPort(url.hostname.replace(/^\[|\]$/g, ""), portOf(url));
      const options: https.RequestOptions = {
        method: "GET",
        headers: { ...Object.fromEntries(outgoing(request.headers)), Host: host },
        agent: false,
        rejectUnauthorized: false,
      };
      const lib = url.protocol === "https:" ? https : http;
      current = lib.request(url, options, (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (FOLLOWED.has(status) && location) {
          const next = new URL(location, url);
          if (next.hostname === request.url.hostname) {
            response.resume();
            if (sent >= MAX_REQUESTS) {
              finish(failure(`Get ${JSON.stringify(location)}: stopped after 10 redirects`));
              return;
            }
            // Go keeps a custom Host only through a relative redirect.
            const relative = !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith("//");
            const nextHost = relative ? host : joinHostPort(next.hostname, portOf(next));
            send(next, next.href, nextHost, sent + 1);
            return;
          }
          // Another host: the prober's CheckRedirect answers ErrUseLastResponse.
        }
        readingBody = true;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const body = Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8");
          finish(classify(status, body));
        };
        response.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          // A body past the limit is cut, not an error (ErrLimitReached is non-fatal).
          if (size >= MAX_BODY_BYTES) done();
        });
        response.on("end", done);
        response.on("error", (error) => finish(failure("", readError(error, hostPort))));
        response.on("aborted", () => finish(failure("", "unexpected EOF")));
      });
      current.on("error", (error: NodeJS.ErrnoException) => {
        const why =
          error.syscall === "connect" || error.code === "ENOTFOUND"
            ? dialError(error, hostPort)
            : readError(error, hostPort);
        finish(failure(`Get ${JSON.stringify(href)}: ${why}`));
      });
      current.end();
    };
    send(request.url, request.href, request.host, 1);
  });
}
// #endregion http-probe

/** The verdict on a response: 2xx success, 3xx (a redirect not followed) a warning, else failure. */
function classify(status: number, body: string): ProbeOutcome {
  if (status >= 200 && status < 400) {
    if (status >= 300) {
      return { result: "warning", output: `Probe terminated redirects, Response body: ${body}` };
    }
    return { result: "success", output: body };
  }
  return { result: "failure", output: `HTTP probe failed with statuscode: ${status}` };
}

/**
 * A failed request. Without `error` it is a probe failure whose output is the message (Go:
 * "Convert errors into failures to catch timeouts"); with one, the body could not be read, which
 * DoHTTPProbe returns as an error — the prober then reports the probe as errored.
 */
function failure(output: string, error?: string): ProbeOutcome {
  return error === undefined
    ? { result: "failure", output }
    : { result: "failure", output, error: new Error(error) };
}

const portOf = (url: URL): number =>
  url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;

/** Header lines as Node sends them; a User-Agent set to "" is not sent, as Go leaves it out. */
function* outgoing(headers: Map<string, string[]>): Iterable<[string, string | string[]]> {
  for (const [name, values] of headers) {
    if (name === "User-Agent" && (values[0] ?? "") === "") continue;
    yield [name, values.length === 1 ? (values[0] as string) : values];
  }
}

/**
 * Go's textproto.CanonicalMIMEHeaderKey: "x-custom-header" → "X-Custom-Header". A name with a
 * space or another character a header name cannot have is left as it is.
 */
export function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join("-");
}
