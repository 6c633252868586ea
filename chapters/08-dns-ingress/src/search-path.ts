/**
 * How a pod's stub resolver turns the name a program asks for into the names it sends to the
 * cluster DNS: glibc's res_search (resolv/res_query.c), driven by the pod's resolv.conf.
 *
 * 1. A name ending in a dot is absolute: it is sent as it is, once, and nothing else.
 * 2. A name with at least `ndots` dots is tried as it is first, then with each search domain.
 * 3. A name with fewer dots is tried with each search domain first, then as it is.
 * The walk stops at the first answer that holds records; NXDOMAIN and NOERROR-without-records
 * (and SERVFAIL) move on to the next candidate.
 *
 * Worked example, search "default.svc.cluster.local svc.cluster.local cluster.local", ndots 5:
 *   web                  0 dots < 5 → web.default.svc.cluster.local (answered: 1 query)
 *   web.prod             1 dot  < 5 → web.prod.default.svc.cluster.local (NXDOMAIN),
 *                                     web.prod.svc.cluster.local (answered: 2 queries)
 *   example.com          1 dot  < 5 → three NXDOMAINs in the cluster zone, then example.com: 4
 *   web.default.svc.cluster.local   4 dots < 5 → 3 NXDOMAINs first, then the name: 4
 *   web.default.svc.cluster.local.  absolute → 1
 * glibc's getaddrinfo asks A and AAAA for each candidate (in parallel, on one socket), so a
 * program that does not pin the family sends twice as many.
 */

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  ndots: number;
}

/** glibc's ndots without an `options ndots:n` line (res_init sets 1). */
const DEFAULT_NDOTS = 1;
/** glibc caps ndots at RES_MAXNDOTS (resolv.h). */
const MAX_NDOTS = 15;

/** Reads the lines a kubelet (through the runtime) writes: search, nameserver, options. */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], ndots: DEFAULT_NDOTS };
  for (const line of text.split("\n")) {
    const [keyword, ...fields] = line.trim().split(/\s+/);
    if (keyword === "nameserver" && fields[0]) conf.nameservers.push(fields[0]);
    if (keyword === "search") conf.search = fields;
    if (keyword === "options") {
      for (const option of fields) {
        const ndots = /^ndots:(\d+)$/.exec(option);
        if (ndots) conf.ndots = Math.min(Number(ndots[1]), MAX_NDOTS);
      }
    }
  }
  return conf;
}

// #region candidates
/** The names res_search sends for `name`, in order. */
export function candidates(name: string, conf: Pick<ResolvConf, "search" | "ndots">): string[] {
  if (name.endsWith(".")) return [name.slice(0, -1)];
  const dots = name.split(".").length - 1;
  const searched = conf.search.map((domain) => `${name}.${domain}`);
  return dots >= conf.ndots ? [name, ...searched] : [...searched, name];
}
// #endregion candidates
