/**
 * Services and where they send traffic: Service (NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE,
 * wide SELECTOR), Endpoints (NAME ENDPOINTS AGE) and EndpointSlice (NAME ADDRESSTYPE PORTS
 * ENDPOINTS AGE). Long lists show their first three entries and "+ N more...".
 */
import type { KubeObject } from "../../../api/object.ts";
import { age } from "../age.ts";
import { formatLabels } from "../labels.ts";
import { ageColumn, column, definePrinter, nameColumn, nameOf, wideColumn } from "../printer.ts";

interface ServicePort {
  name?: string;
  port?: number;
  nodePort?: number;
  protocol?: string;
}

interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

interface ServiceFields extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export const serviceColumns = [
  nameColumn(),
  column(
    "Type",
    "string",
    'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  ),
  column(
    "Cluster-IP",
    "string",
    'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  ),
  column(
    "External-IP",
    "string",
    "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.",
  ),
  column(
    "Port(s)",
    "string",
    "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
  ),
  ageColumn(),
  wideColumn(
    "Selector",
    "string",
    "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
  ),
];

/** Without -o wide Kubernetes clips load-balancer addresses to this many bytes. */
const LOAD_BALANCER_WIDTH = 16;

/** The load balancer's addresses, an IP where it has one, else its hostname: sorted, unique. */
export function loadBalancerAddresses(
  ingress: LoadBalancerIngress[] | undefined,
  wide: boolean,
): string {
  const found = new Set<string>();
  for (const entry of ingress ?? []) {
    if (entry.ip) found.add(entry.ip);
    else if (entry.hostname) found.add(entry.hostname);
  }
  const text = [...found].sort().join(",");
  return !wide && text.length > LOAD_BALANCER_WIDTH
    ? `${text.slice(0, LOAD_BALANCER_WIDTH - 3)}...`
    : text;
}

function externalIP(svc: ServiceFields, type: string, wide: boolean): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (type) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress, wide);
      if (externalIPs.length > 0) return [...(lb ? lb.split(",") : []), ...externalIPs].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return svc.spec?.externalName ?? "";
    default:
      return "<unknown>";
  }
}

/** "80/TCP", or "80:30080/TCP" with a node port, joined with ",". */
export function portsString(ports: ServicePort[] | undefined): string {
  // The API server defaults every port's protocol to TCP before storing it.
  return (ports ?? [])
    .map((p) => {
      const protocol = p.protocol ?? "TCP";
      return p.nodePort ? `${p.port ?? 0}:${p.nodePort}/${protocol}` : `${p.port ?? 0}/${protocol}`;
    })
    .join(",");
}

export const servicePrinter = definePrinter<ServiceFields>(serviceColumns, (svc, { now, wide }) => {
  // The API server defaults type to ClusterIP, and its v1 conversion fills clusterIPs from
  // clusterIP; both are applied here too, so an object stored without them prints the same.
  const type = svc.spec?.type ?? "ClusterIP";
  const clusterIP =
    svc.spec?.clusterIPs?.[0] ?? (svc.spec?.clusterIP ? svc.spec.clusterIP : "<none>");
  const ports = portsString(svc.spec?.ports);
  const cells = [
    nameOf(svc),
    type,
    clusterIP,
    externalIP(svc, type, wide),
    ports === "" ? "<none>" : ports,
    age(svc.metadata.creationTimestamp, now),
  ];
  if (wide) cells.push(formatLabels(svc.spec?.selector));
  return cells;
});

interface EndpointsFields extends KubeObject {
  subsets?: {
    addresses?: { ip?: string }[];
    ports?: { name?: string; port?: number }[];
  }[];
}

export const endpointsColumns = [
  nameColumn(),
  column(
    "Endpoints",
    "string",
    "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.",
  ),
  ageColumn(),
];

/** How many entries a list cell shows before "+ N more...". */
const LIST_MAX = 3;

/** net.JoinHostPort: an IPv6 host goes in brackets. */
function joinHostPort(host: string, port: number | undefined): string {
  return host.includes(":") ? `[${host}]:${port ?? 0}` : `${host}:${port ?? 0}`;
}

/**
 * The ready addresses, as "ip:port" for each port of their subset (just "ip" for a headless
 * subset without ports): "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...", or "<none>".
 * Not-ready addresses are not shown.
 */
export function formatEndpoints(subsets: EndpointsFields["subsets"]): string {
  if (!subsets || subsets.length === 0) return "<none>";
  const list: string[] = [];
  let count = 0;
  let more = false;
  const add = (entry: string) => {
    if (list.length === LIST_MAX) more = true;
    else list.push(entry);
  };
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) add(a.ip ?? "");
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) add(joinHostPort(a.ip ?? "", port.port));
    }
  }
  const text = list.join(",");
  return more ? `${text} + ${count - LIST_MAX} more...` : text;
}

export const endpointsPrinter = definePrinter<EndpointsFields>(endpointsColumns, (ep, { now }) => [
  nameOf(ep),
  formatEndpoints(ep.subsets),
  age(ep.metadata.creationTimestamp, now),
]);

interface EndpointSliceFields extends KubeObject {
  addressType?: string;
  ports?: { name?: string; port?: number }[];
  endpoints?: { addresses?: string[] }[];
}

export const endpointSliceColumns = [
  nameColumn(),
  column(
    "AddressType",
    "string",
    'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name. (Deprecated) The EndpointSlice controller only generates, and kube-proxy only processes, slices of addressType "IPv4" and "IPv6". No semantics are defined for the "FQDN" type.',
  ),
  column(
    "Ports",
    "string",
    "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. Each slice may include a maximum of 100 ports. Services always have at least 1 port, so EndpointSlices generated by the EndpointSlice controller will likewise always have at least 1 port. EndpointSlices used for other purposes may have an empty ports list.",
  ),
  column(
    "Endpoints",
    "string",
    "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.",
  ),
  ageColumn(),
];

/** listWithMoreString: the first three, "+ N more...", or "<unset>" for none. */
function listWithMore(entries: string[]): string {
  const text = entries.slice(0, LIST_MAX).join(",");
  if (entries.length > LIST_MAX) return `${text} + ${entries.length - LIST_MAX} more...`;
  return text === "" ? "<unset>" : text;
}

export const endpointSlicePrinter = definePrinter<EndpointSliceFields>(
  endpointSliceColumns,
  (slice, { now }) => [
    nameOf(slice),
    slice.addressType ?? "",
    // A port without a number applies to every port ("*") unless it has a name.
    listWithMore(
      (slice.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? "*"))),
    ),
    listWithMore((slice.endpoints ?? []).flatMap((e) => e.addresses ?? [])),
    age(slice.metadata.creationTimestamp, now),
  ],
);
