/**
 * A pod's DNS settings, as the kubelet's dns.Configurer works them out for the sandbox
 * (pkg/kubelet/network/dns/dns.go GetPodDNS), and the environment variables that publish the
 * cluster DNS server to a pod's processes.
 *
 * By dnsPolicy (the API server defaults it to ClusterFirst):
 * - ClusterFirst: the cluster DNS servers only; search `<ns>.svc.<domain> svc.<domain> <domain>`
 *   then the host's search list; options exactly `ndots:5`. A hostNetwork pod falls back to
 *   Default. Without cluster DNS configured, the kubelet also falls back to Default and says so
 *   in a MissingClusterDNS event (on the node and the pod).
 * - ClusterFirstWithHostNet: ClusterFirst, even for hostNetwork pods.
 * - Default: the host's resolv.conf (the kubelet's --resolv-conf). With --resolv-conf="", the
 *   local resolver: nameserver 127.0.0.1 and search ".".
 * - None: nothing; everything comes from dnsConfig.
 * Then the pod's dnsConfig is merged in: nameservers and searches appended without duplicates,
 * options merged by name with the pod's value winning. Last, the limits: at most 3 nameservers,
 * 32 search domains, none longer than 253 characters, 2048 characters in all, with a
 * DNSConfigForming event when something had to go.
 *
 * The one departure: Kubernetes rebuilds the options from a Go map, so their order changes from
 * pod to pod; here they keep their first-seen order, with pod values replacing in place.
 */
import type { Pod } from "../api/types.ts";

/** The CRI's DNSConfig: what the runtime writes into the sandbox's resolv.conf. */
export interface SandboxDnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface KubeletDnsSettings {
  /** --cluster-dns: the DNS Service's address(es); empty means none configured. */
  clusterDNS: string[];
  /** --cluster-domain, "cluster.local" in kubeadm clusters; "" adds no cluster search domains. */
  clusterDomain: string;
  /**
   * The host's resolv.conf as parseResolvConf read it (--resolv-conf, default /etc/resolv.conf);
   * undefined for --resolv-conf="".
   */
  hostResolvConf: SandboxDnsConfig | undefined;
  /** The node's IPs, for Default's localhost nameserver when there is no resolv.conf. */
  nodeIPs?: string[];
}

/** An event the kubelet records about the pod's DNS (the caller posts it). */
export interface DnsConfigEvent {
  on: "pod" | "node";
  type: "Warning";
  reason: "MissingClusterDNS" | "DNSConfigForming";
  message: string;
}

/** dns.go defaultDNSOptions. */
export const DEFAULT_DNS_OPTIONS = ["ndots:5"];
/** validation.MaxDNSNameservers: glibc reads at most 3 (resolv.h MAXNS). */
export const MAX_DNS_NAMESERVERS = 3;
/** validation.MaxDNSSearchPaths and MaxDNSSearchListChars (ExpandedDNSConfig, GA in 1.28). */
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** utilvalidation.DNS1123SubdomainMaxLength: longer search paths abort some glibc resolvers. */
const MAX_SEARCH_PATH_LENGTH = 253;

interface PodDnsConfigSpec {
  nameservers?: string[];
  searches?: string[];
  options?: { name: string; value?: string }[];
}

// #region podDnsConfig
export function podDnsConfig(
  pod: Pod,
  settings: KubeletDnsSettings,
): { config: SandboxDnsConfig; events: DnsConfigEvent[] } {
  const events: DnsConfigEvent[] = [];
  const host = settings.hostResolvConf;
  let config: SandboxDnsConfig = {
    servers: [...(host?.servers ?? [])],
    searches: [...(host?.searches ?? [])],
    options: [...(host?.options ?? [])],
  };
  let type = dnsType(pod);
  if (type === "cluster") {
    if (settings.clusterDNS.length > 0) {
      // The cluster DNS is the only nameserver: it forwards what it does not know itself.
      config.servers = [...settings.clusterDNS];
      config.searches = clusterSearches(pod, settings.clusterDomain, config.searches);
      config.options = [...DEFAULT_DNS_OPTIONS];
    } else {
      const message = `kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`;
      events.push({ on: "node", type: "Warning", reason: "MissingClusterDNS", message });
      events.push({
        on: "pod",
        type: "Warning",
        reason: "MissingClusterDNS",
        message: `pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid ?? ""})". ${message}`,
      });
      type = "host";
    }
  }
  if (type === "host" && host === undefined) {
    const v6 = (ip: string) => ip.includes(":");
    config.servers = (settings.nodeIPs ?? []).map((ip) => (v6(ip) ? "::1" : "127.0.0.1"));
    if (config.servers.length === 0) config.servers = ["127.0.0.1"];
    config.searches = ["."];
  }
  if (type === "none") config = { servers: [], searches: [], options: [] };
  const spec = pod.spec.dnsConfig as PodDnsConfigSpec | undefined;
  if (spec) {
    config = {
      servers: unique([...config.servers, ...(spec.nameservers ?? [])]),
      searches: unique([...config.searches, ...(spec.searches ?? [])]),
      options: mergeOptions(config.options, spec.options ?? []),
    };
  }
  return { config: fitLimits(config, events), events };
}
// #endregion podDnsConfig

/** dns.go getPodDNSType. An unknown policy is treated as ClusterFirst, as the kubelet does. */
function dnsType(pod: Pod): "cluster" | "host" | "none" {
  const hostNetwork = pod.spec.hostNetwork === true;
  switch (pod.spec.dnsPolicy ?? "ClusterFirst") {
    case "None":
      return "none";
    case "ClusterFirstWithHostNet":
      return "cluster";
    case "Default":
      return "host";
    case "ClusterFirst":
      return hostNetwork ? "host" : "cluster";
    default:
      return "cluster";
  }
}

/** generateSearchesForDNSClusterFirst: "default" in cluster.local → default.svc.cluster.local, ... */
function clusterSearches(pod: Pod, domain: string, hostSearches: string[]): string[] {
  if (domain === "") return hostSearches;
  const namespace = pod.metadata.namespace ?? "default";
  return unique([`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...hostSearches]);
}

/** mergeDNSOptions: "name" or "name:value"; a later value for a name replaces the earlier. */
function mergeOptions(existing: string[], fromPod: { name: string; value?: string }[]): string[] {
  const merged = new Map<string, string>();
  for (const option of existing) {
    const colon = option.indexOf(":");
    if (colon < 0) merged.set(option, "");
    else merged.set(option.slice(0, colon), option.slice(colon + 1));
  }
  for (const option of fromPod) merged.set(option.name, option.value ?? "");
  return [...merged].map(([name, value]) => (value === "" ? name : `${name}:${value}`));
}

// #region fitLimits
/**
 * formDNSConfigFitsLimits: the first 3 nameservers; the first 32 searches; then drop those
 * longer than 253 characters; then, while the joined list is over 2048 characters, drop from
 * the end. Example: 40 searches of 60 characters → 32 kept (limit 32) → 32×60 + 31 spaces =
 * 1951 characters, under 2048, so all 32 stay.
 */
export function fitLimits(config: SandboxDnsConfig, events: DnsConfigEvent[]): SandboxDnsConfig {
  let servers = config.servers;
  if (servers.length > MAX_DNS_NAMESERVERS) {
    servers = servers.slice(0, MAX_DNS_NAMESERVERS);
    events.push(
      forming(
        `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${servers.join(" ")}`,
      ),
    );
  }
  let exceeded = false;
  let searches = config.searches;
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const short = searches.filter((s) => s.length <= MAX_SEARCH_PATH_LENGTH);
  if (short.length < searches.length) exceeded = true;
  searches = short;
  let length = searches.join(" ").length;
  if (length > MAX_DNS_SEARCH_LIST_CHARS) {
    exceeded = true;
    while (searches.length > 0 && length > MAX_DNS_SEARCH_LIST_CHARS) {
      length -= (searches[searches.length - 1] as string).length + 1;
      searches = searches.slice(0, -1);
    }
  }
  if (exceeded) {
    events.push(
      forming(
        `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(" ")}`,
      ),
    );
  }
  return { servers, searches, options: config.options };
}
// #endregion fitLimits

function forming(message: string): DnsConfigEvent {
  return { on: "pod", type: "Warning", reason: "DNSConfigForming", message };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/**
 * The kubelet's parseResolvConf: "nameserver" lines accumulate; the last "search" line wins
 * (trailing dots dropped); the last "options" line wins; '#' comments are skipped.
 */
export function parseResolvConf(text: string): SandboxDnsConfig {
  const config: SandboxDnsConfig = { servers: [], searches: [], options: [] };
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith("#")) continue;
    const [keyword, ...fields] = trimmed.split(/\s+/);
    if (keyword === "nameserver" && fields[0]) config.servers.push(fields[0]);
    if (keyword === "search") config.searches = fields.map((f) => f.replace(/\.$/, ""));
    if (keyword === "options") config.options = fields;
  }
  return config;
}

// ---- publishing the cluster DNS to processes ----

/**
 * resolv.conf cannot say "port 1053", and a process container reads the host's /etc/resolv.conf
 * anyway (it has no mount namespace of its own). So the kubelet also puts the pod's DNS settings
 * in its containers' environment, where tinykube's images read them; these names are tinykube's
 * own (Kubernetes has no such variables — its pods get /etc/resolv.conf mounted). glibc's
 * LOCALDOMAIN and RES_OPTIONS are deliberately not set: they would send host tools' lookups of
 * every name through the cluster search path to the host's own nameserver.
 */
export const DNS_ENV = {
  /** Space-separated "host:port" ("127.96.0.10:1053"), the form Node's resolver.setServers takes. */
  servers: "TINYKUBE_DNS_SERVERS",
  /** Space-separated search domains, as resolv.conf's search line. */
  search: "TINYKUBE_DNS_SEARCH",
  /** Space-separated options ("ndots:5"), as resolv.conf's options line. */
  options: "TINYKUBE_DNS_OPTIONS",
} as const;

// #region dnsEnvironment
/**
 * The variables for a pod whose DNS config is `config`, where the cluster DNS serves on
 * `clusterDnsPort`: servers that are cluster DNS addresses get that port, others 53.
 * Example: servers [127.96.0.10, 1.1.1.1], cluster DNS 127.96.0.10 on 1053 →
 * TINYKUBE_DNS_SERVERS="127.96.0.10:1053 1.1.1.1:53".
 */
export function dnsEnvironment(
  config: SandboxDnsConfig,
  cluster: { clusterDNS: string[]; port: number },
): { name: string; value: string }[] {
  const withPort = (server: string) => {
    const port = cluster.clusterDNS.includes(server) ? cluster.port : 53;
    return server.includes(":") ? `[${server}]:${port}` : `${server}:${port}`;
  };
  return [
    { name: DNS_ENV.servers, value: config.servers.map(withPort).join(" ") },
    { name: DNS_ENV.search, value: config.searches.join(" ") },
    { name: DNS_ENV.options, value: config.options.join(" ") },
  ];
}
// #endregion dnsEnvironment
