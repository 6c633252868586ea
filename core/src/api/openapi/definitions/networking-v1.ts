/** networking.k8s.io/v1 Ingress and IngressClass (Kubernetes 1.32), and IPAddress (GA in 1.33). */
import {
  arr,
  type GroupVersionKind,
  int,
  kind,
  obj,
  ref,
  type SchemaMap,
  str,
  withList,
} from "../schema.ts";
import { CORE_V1 } from "./core-v1.ts";

export const NETWORKING_V1 = "io.k8s.api.networking.v1.";
const net = (name: string, description?: string) => ref(NETWORKING_V1 + name, description);
const gvk = (k: string): GroupVersionKind => ({
  group: "networking.k8s.io",
  version: "v1",
  kind: k,
});

const types: SchemaMap = {
  IngressSpec: obj(
    {
      defaultBackend: net("IngressBackend", "Where requests that match no rule go."),
      ingressClassName: str("The IngressClass, i.e. which controller implements this Ingress."),
      rules: arr(net("IngressRule"), "Host and path rules, matched in order of specificity."),
      tls: arr(net("IngressTLS"), "Hosts served over TLS and their certificates."),
    },
    { description: "Routing rules from hosts and paths to Services." },
  ),
  IngressRule: obj({
    host: str("The host to match (exact, or *.example.com); all hosts when empty."),
    http: net("HTTPIngressRuleValue", "Path rules for this host."),
  }),
  HTTPIngressRuleValue: obj(
    { paths: arr(net("HTTPIngressPath"), "Paths and their backends.") },
    { required: ["paths"] },
  ),
  HTTPIngressPath: obj(
    {
      backend: net("IngressBackend", "Where matching requests go."),
      path: str("The path to match, starting with /."),
      pathType: str("Exact, Prefix or ImplementationSpecific."),
    },
    { required: ["pathType", "backend"] },
  ),
  IngressBackend: obj({
    resource: ref(`${CORE_V1}TypedLocalObjectReference`, "A non-Service backend."),
    service: net("IngressServiceBackend", "A Service and port."),
  }),
  IngressServiceBackend: obj(
    { name: str("Name of the Service."), port: net("ServiceBackendPort") },
    { required: ["name"] },
  ),
  ServiceBackendPort: obj({
    name: str("The Service port's name."),
    number: int("The Service port's number."),
  }),
  IngressTLS: obj({
    hosts: arr(str(), "Hosts the certificate covers."),
    secretName: str("The kubernetes.io/tls Secret with the certificate and key."),
  }),
  IngressStatus: obj({ loadBalancer: net("IngressLoadBalancerStatus") }),
  IngressLoadBalancerStatus: obj({ ingress: arr(net("IngressLoadBalancerIngress")) }),
  IngressLoadBalancerIngress: obj({
    hostname: str(),
    ip: str(),
    ports: arr(net("IngressPortStatus")),
  }),
  IngressPortStatus: obj(
    { error: str(), port: int(), protocol: str() },
    { required: ["port", "protocol"] },
  ),
  IngressClassSpec: obj({
    controller: str("The controller that implements the class, e.g. k8s.io/ingress-nginx."),
    parameters: net("IngressClassParametersReference", "Controller-specific configuration."),
  }),
  IngressClassParametersReference: obj(
    { apiGroup: str(), kind: str(), name: str(), namespace: str(), scope: str() },
    { required: ["kind", "name"] },
  ),
  IPAddressSpec: obj(
    { parentRef: net("ParentReference", "The object this address is allocated to.") },
    { required: ["parentRef"] },
  ),
  ParentReference: obj(
    {
      group: str("The referent's API group; empty for the core group."),
      name: str("The referent's name."),
      namespace: str("The referent's namespace, for a namespaced referent."),
      resource: str("The referent's resource, e.g. services."),
    },
    { required: ["resource", "name"] },
  ),
};

export const networkingV1Schemas: SchemaMap = {
  ...Object.fromEntries(Object.entries(types).map(([name, s]) => [NETWORKING_V1 + name, s])),
  ...withList(
    NETWORKING_V1,
    gvk("Ingress"),
    kind({
      ...gvk("Ingress"),
      description: "HTTP(S) routing from outside the cluster to Services, by host and path.",
      properties: {
        spec: net("IngressSpec", "Rules, TLS and the default backend."),
        status: net("IngressStatus", "Addresses of the load balancer."),
      },
    }),
  ),
  ...withList(
    NETWORKING_V1,
    gvk("IngressClass"),
    kind({
      ...gvk("IngressClass"),
      description: "A kind of Ingress, implemented by one controller.",
      properties: { spec: net("IngressClassSpec", "The controller and its parameters.") },
    }),
  ),
  ...withList(
    NETWORKING_V1,
    gvk("IPAddress"),
    kind({
      ...gvk("IPAddress"),
      description:
        "An IP address in use, named by the address itself (e.g. 10.96.0.10), and what holds it.",
      properties: { spec: net("IPAddressSpec", "The object the address is allocated to.") },
    }),
  ),
};
