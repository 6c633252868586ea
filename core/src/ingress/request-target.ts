/**
 * The host and path a request is routed by, normalised the way nginx normalises them before it
 * picks a server block and a location (ingress-nginx is nginx; nginx's ngx_http_parse.c):
 *
 * - host: the Host header without its port, lower-cased (server names are case-insensitive),
 *   one trailing dot dropped ("web.example.com." is the same name). No header: "" (only the
 *   catch-all server can match it).
 * - path: the request target up to "?", percent-decoded, runs of "/" merged, "." and ".."
 *   segments resolved. So "/api/../admin" is routed as "/admin", and "/a%2Fb" as "/a/b", exactly
 *   as the backend will read it: no route can be sidestepped by spelling a path differently.
 *   A path that climbs above "/", a broken %-escape, an escaped NUL, or a target that is not a
 *   path (absolute-form "http://…", "*") is refused: nginx answers 400 Bad Request.
 *
 * Only routing uses these; the request goes to the backend with its target exactly as the client
 * sent it (ingress-nginx's `proxy_pass http://upstream_balancer;` has no URI part).
 */

/** Anything in a path that needs the slow path: "%", a non-ASCII byte, "//", "/." */
const NEEDS_NORMALISING = /[%\u0080-\uffff]|\/\/|\/\./;

// #region routingPath
/**
 * Worked example: "/a//b/./c/../d%2Fe/?x=1" → strip the query: "/a//b/./c/../d%2Fe/" → decode:
 * "/a//b/./c/../d/e/" → segments a, "", b, ".", c, "..", d, e, "" → drop "" and ".", ".." pops
 * c → a, b, d, e with the trailing slash kept → "/a/b/d/e/".
 */
export function routingPath(target: string): string | undefined {
  const query = target.indexOf("?");
  const raw = query < 0 ? target : target.slice(0, query);
  if (raw.charCodeAt(0) !== 0x2f /* "/" */) return undefined;
  if (!NEEDS_NORMALISING.test(raw)) return raw;
  const decoded = percentDecode(raw);
  if (decoded === undefined || decoded.includes("\0")) return undefined;

  const segments: string[] = [];
  const parts = decoded.split("/");
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (segments.length === 0) return undefined;
      segments.pop();
    } else segments.push(part);
  }
  const last = parts[parts.length - 1];
  const trailingSlash = last === "" || last === "." || last === "..";
  if (segments.length === 0) return "/";
  return `/${segments.join("/")}${trailingSlash ? "/" : ""}`;
}
// #endregion routingPath

/**
 * Node hands the request target over as Latin-1 (one character per byte); decode the %-escapes
 * to bytes and read the bytes as UTF-8, as the Ingress's paths are.
 */
function percentDecode(raw: string): string | undefined {
  const bytes = Buffer.from(raw, "latin1");
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte !== 0x25 /* "%" */) {
      out[n++] = byte;
      continue;
    }
    const high = hexValue(bytes[i + 1]);
    const low = hexValue(bytes[i + 2]);
    if (high < 0 || low < 0) return undefined;
    out[n++] = high * 16 + low;
    i += 2;
  }
  return out.toString("utf8", 0, n);
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** "Web.Example.com:8080" → "web.example.com"; "[::1]:80" → "[::1]"; no header → "". */
export function routingHost(header: string | undefined): string {
  if (!header) return "";
  let end: number;
  if (header.charCodeAt(0) === 0x5b /* "[" */) {
    const close = header.indexOf("]");
    end = close < 0 ? header.length : close + 1;
  } else {
    const colon = header.indexOf(":");
    end = colon < 0 ? header.length : colon;
    if (end > 0 && header.charCodeAt(end - 1) === 0x2e /* "." */) end--;
  }
  return header.slice(0, end).toLowerCase();
}
