/** discovery.k8s.io/v1 EndpointSlice (Kubernetes 1.32). */
import {
  arr,
  bool,
  type GroupVersionKind,
  int,
  kind,
  map,
  obj,
  ref,
  type SchemaMap,
  setList,
  str,
  withList,
} from "../schema.ts";
import { CORE_V1 } from "./core-v1.ts";

export const DISCOVERY_V1 = "io.k8s.api.discovery.v1.";
const discovery = (name: string, description?: string) => ref(DISCOVERY_V1 + name, description);
const gvk: GroupVersionKind = { group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" };

const types: SchemaMap = {
  Endpoint: obj(
    {
      addresses: setList(str(), { description: "The endpoint's addresses (usually one)." }),
      conditions: discovery("EndpointConditions", "Ready, serving, terminating."),
      deprecatedTopology: map(str(), "Deprecated: use nodeName and zone."),
      hints: discovery("EndpointHints", "Zones this endpoint should serve."),
      hostname: str(),
      nodeName: str("The node the endpoint runs on."),
      targetRef: ref(`${CORE_V1}ObjectReference`, "The pod behind the endpoint."),
      zone: str(),
    },
    { required: ["addresses"], description: "One backend of a Service." },
  ),
  EndpointConditions: obj({
    ready: bool("Ready to receive traffic."),
    serving: bool("Ready, also while terminating."),
    terminating: bool("Being shut down."),
  }),
  EndpointHints: obj({ forZones: arr(discovery("ForZone")) }),
  ForZone: obj({ name: str() }, { required: ["name"] }),
  EndpointPort: obj(
    {
      appProtocol: str(),
      name: str("Matches the Service port's name."),
      port: int(),
      protocol: str("TCP, UDP or SCTP."),
    },
    { mapType: "atomic" },
  ),
};

export const discoveryV1Schemas: SchemaMap = {
  ...Object.fromEntries(Object.entries(types).map(([name, s]) => [DISCOVERY_V1 + name, s])),
  ...withList(
    DISCOVERY_V1,
    gvk,
    kind({
      ...gvk,
      description: "A slice of a Service's endpoints: addresses, their state and ports.",
      properties: {
        addressType: str("IPv4, IPv6 or FQDN."),
        endpoints: arr(discovery("Endpoint"), "The endpoints (at most 1000)."),
        ports: arr(discovery("EndpointPort"), "The ports every endpoint exposes."),
      },
      required: ["addressType", "endpoints"],
    }),
  ),
};
