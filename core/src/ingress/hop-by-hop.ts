/**
 * Header fields that belong to one connection, not to the message: a proxy reads them on one hop
 * and never passes them to the next (RFC 9110 §7.6.1). The proxy drops them from requests before
 * they go to a backend, and from responses before they go to the client.
 *
 * - The fixed set: RFC 9110's connection options, the obsolete Proxy-Connection, and `Proxy`, which
 *   ingress-nginx blanks against httpoxy (a CGI backend would read it as HTTP_PROXY).
 * - Whatever the message's own Connection header lists ("Connection: close, x-trace" makes
 *   X-Trace hop-by-hop for that message).
 */

/** Lower-case names. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy",
]);

// #region connectionTokens
/**
 * The header names a Connection header lists, lower-cased, without the options "close" and
 * "keep-alive" (which name no header); undefined when it lists none.
 * "Keep-Alive, X-Trace , close" → {"x-trace"}.
 */
export function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  let out: Set<string> | undefined;
  for (const token of value.toLowerCase().split(",")) {
    const name = token.trim();
    if (name === "" || name === "close" || name === "keep-alive") continue;
    out ??= new Set();
    out.add(name);
  }
  return out;
}
// #endregion connectionTokens

/** Whether a Connection header asks to close the connection after this message. */
export function asksToClose(value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === "keep-alive") return false;
  return lower.split(",").some((token) => token.trim() === "close");
}
