// busybox: the stub resolver its applets share (nslookup, wget) — glibc's, with the pod's settings.
//
// Where the settings come from, the first that exists:
// 1. TINYKUBE_DNS_SERVERS, TINYKUBE_DNS_SEARCH, TINYKUBE_DNS_OPTIONS: the kubelet's copy of the
//    pod's resolv.conf for processes (core/src/kubelet/dns-config.ts). Its servers carry a port
//    ("127.96.0.10:1053"), which resolv.conf cannot say: without root, cluster DNS is on 1053.
// 2. $TINYKUBE_ROOT/etc/resolv.conf: the pod's resolv.conf, which the process runtime links into
//    the container's root (port 53).
// 3. /etc/resolv.conf: the host's, for a program run outside any pod.
// Then LOCALDOMAIN replaces the search list and RES_OPTIONS adds options, as glibc reads them.
// At most 3 servers (glibc's MAXNS); none at all means 127.0.0.1, as in glibc.
//
// Which names are asked, in order (glibc resolv/res_query.c, __res_context_search), for a name
// with D dots:
// 1. It ends in ".": it is absolute, asked as it is and nothing else.
// 2. D >= ndots: asked as it is first, then with each search domain appended.
// 3. D < ndots: with each search domain appended first, then as it is.
// The first answer with addresses ends the walk. NXDOMAIN, NODATA and SERVFAIL move on to the
// next search domain; any other failure (a timeout, REFUSED) skips the rest of the search list
// but not the final try as it is; a refused connection (nothing listens on the server's port)
// ends the walk. When every name failed, the error reported is the first try's (step 2), else
// NODATA if a searched name had one, else SERVFAIL if one had, else the last name's.
//
// Each name is one A question over UDP, sent by Node's resolver (c-ares), which tries the servers
// in order, `attempts` times each, waiting about `timeout` seconds for an answer (c-ares adapts the
// wait to each server's measured latency; a process's first question can wait twice as long); it
// applies no search list of its own. AAAA is not asked: pods here have IPv4 addresses only.

import { Resolver } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { isIP, isIPv6 } from "node:net";
import { join } from "node:path";

/** glibc's defaults (resolv.h): ndots 1, RES_TIMEOUT 5 s, RES_DFLRETRY 2 attempts. */
const DEFAULTS = { ndots: 1, timeout: 5, attempts: 2 };
/** glibc's caps on the options (resolv.h RES_MAXNDOTS, RES_MAXRETRANS, RES_MAXRETRY). */
const CAPS = { ndots: 15, timeout: 30, attempts: 5 };
/** glibc reads at most this many nameservers (resolv.h MAXNS). */
const MAX_SERVERS = 3;
const DNS_PORT = 53;

/** Node's resolver error codes, as the response codes (or failures) they stand for. */
const FAILURES = {
  ENOTFOUND: "NXDOMAIN",
  ENODATA: "NODATA",
  ESERVFAIL: "SERVFAIL",
  EREFUSED: "REFUSED",
  ENOTIMP: "NOTIMP",
  EFORMERR: "FORMERR",
  ETIMEOUT: "TIMEOUT",
  ECONNREFUSED: "CONNREFUSED",
};

/** The walk failed: `failure` is an rcode name ("NXDOMAIN") or TIMEOUT, CONNREFUSED, .... */
export class LookupError extends Error {
  constructor(name, failure) {
    super(`${name}: ${failure}`);
    this.name = "LookupError";
    this.lookedUp = name;
    this.failure = failure;
  }
}

/** resolv.conf's nameserver lines, its last search (or domain) line, and all its options. */
export function parseResolvConf(text) {
  const parsed = { servers: [], search: [], options: [] };
  for (const line of text.split("\n")) {
    const [keyword, ...fields] = line.trim().split(/\s+/);
    if (keyword === "nameserver" && fields[0]) parsed.servers.push(fields[0]);
    if (keyword === "search" || keyword === "domain") parsed.search = fields;
    if (keyword === "options") parsed.options.push(...fields);
  }
  return parsed;
}

/** "127.96.0.10:1053", "[::1]:53", "10.96.0.10" or "::1" → { host, port }. */
export function parseServer(text) {
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1], port: Number(bracketed[2] ?? DNS_PORT) };
  if (isIPv6(text)) return { host: text, port: DNS_PORT };
  const colon = text.lastIndexOf(":");
  if (colon < 0) return { host: text, port: DNS_PORT };
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

/** "127.96.0.10:1053", "[::1]:53": the form Node's setServers takes and busybox prints. */
export const serverAddress = ({ host, port }) =>
  isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;

// #region resolverConfig
/**
 * { servers: [{host, port}], search, ndots, timeout (seconds), attempts, source }, from `env`
 * and the files `read` returns (undefined for a file that is not there).
 */
export function resolverConfig(env = process.env, read = readIfThere) {
  let settings;
  let source;
  if (env.TINYKUBE_DNS_SERVERS) {
    const words = (value) => (value ?? "").split(/\s+/).filter(Boolean);
    settings = {
      servers: words(env.TINYKUBE_DNS_SERVERS),
      search: words(env.TINYKUBE_DNS_SEARCH),
      options: words(env.TINYKUBE_DNS_OPTIONS),
    };
    source = "TINYKUBE_DNS_SERVERS";
  } else {
    const files = env.TINYKUBE_ROOT ? [join(env.TINYKUBE_ROOT, "etc/resolv.conf")] : [];
    files.push("/etc/resolv.conf");
    source = files.find((file) => read(file) !== undefined);
    settings = parseResolvConf(source === undefined ? "" : read(source));
  }
  if (env.LOCALDOMAIN) settings.search = env.LOCALDOMAIN.split(/\s+/).filter(Boolean);
  if (env.RES_OPTIONS) settings.options.push(...env.RES_OPTIONS.split(/\s+/).filter(Boolean));
  const config = {
    servers: settings.servers.slice(0, MAX_SERVERS).map(parseServer),
    search: settings.search,
    ...DEFAULTS,
    source: source ?? "none",
  };
  if (config.servers.length === 0) config.servers = [{ host: "127.0.0.1", port: DNS_PORT }];
  for (const option of settings.options) {
    const [name, value] = option.split(":");
    if (name in CAPS && /^\d+$/.test(value ?? ""))
      config[name] = Math.min(Number(value), CAPS[name]);
  }
  return config;
}
// #endregion resolverConfig

function readIfThere(file) {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

// #region candidates
/**
 * The names asked for `name`, in order, each marked `searched` if a search domain made it.
 * Example, search [default.svc.cluster.local, svc.cluster.local, cluster.local], ndots 5:
 * "web" (0 dots < 5) → web.default.svc.cluster.local, web.svc.cluster.local,
 * web.cluster.local, then web. A search domain "." (the kubelet's for a node without a
 * resolv.conf) is the name as it is, which then is not asked again at the end.
 */
export function candidates(name, { search, ndots }) {
  const absolute = name.endsWith(".");
  const bare = absolute ? name.slice(0, -1) : name;
  const asIs = { name: bare, searched: false };
  if (absolute) return [asIs];
  const searched = search.map((domain) => {
    const suffix = domain.replace(/^\./, "");
    return { name: suffix ? `${bare}.${suffix}` : bare, searched: true };
  });
  const dots = name.split(".").length - 1;
  if (dots >= ndots) return [asIs, ...searched];
  return searched.some((c) => c.name === bare) ? searched : [...searched, asIs];
}
// #endregion candidates

// #region lookup
/**
 * The A records of `name`: { name (the one that answered), addresses }, or a LookupError.
 * `ask(name)` asks one name: { addresses } or { failure }. An IP address is its own answer.
 */
export async function lookup(name, config, ask = askServers(config)) {
  if (isIP(name)) return { name, addresses: [name] };
  let first;
  let last;
  let nodata = false;
  let servfail = false;
  let searching = true;
  let searchedYet = false;
  for (const candidate of candidates(name, config)) {
    if (candidate.searched && !searching) continue;
    const result = await ask(candidate.name);
    if (result.addresses?.length) return { name: candidate.name, addresses: result.addresses };
    last = result.failure ?? "NODATA";
    if (!candidate.searched) {
      if (!searchedYet) first = last;
      continue;
    }
    searchedYet = true;
    if (last === "CONNREFUSED") throw new LookupError(name, last);
    if (last === "NODATA") nodata = true;
    else if (last === "SERVFAIL") servfail = true;
    else if (last !== "NXDOMAIN") searching = false;
  }
  throw new LookupError(name, first ?? (nodata ? "NODATA" : servfail ? "SERVFAIL" : last));
}
// #endregion lookup

/** Asks each name with Node's resolver, over UDP, of the configured servers in order. */
export function askServers(config) {
  const resolver = new Resolver({ timeout: config.timeout * 1000, tries: config.attempts });
  resolver.setServers(config.servers.map(serverAddress));
  return async (name) => {
    try {
      return { addresses: await resolver.resolve4(name) };
    } catch (error) {
      return { failure: FAILURES[error.code] ?? error.code };
    }
  };
}
