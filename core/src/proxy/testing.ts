/**
 * Builders for the proxy's tests: Services and EndpointSlices as the API server stores them
 * (defaults applied), and a ProxyState fed with them.
 */
import type { EndpointSlice, Service } from "../api/types.ts";
import { LABEL_SERVICE_NAME } from "./endpoint-slice-cache.ts";
import { type ServicePortInfo, servicePortsOf } from "./service-port.ts";
import { ProxyState } from "./state.ts";

export interface PortSpec {
  name?: string;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  nodePort?: number;
  targetPort?: number | string;
}

/** A Service "ns/name" with the fields kube-proxy reads; `extra` is merged into its spec. */
export function makeService(
  key: string,
  clusterIP: string,
  ports: PortSpec[],
  extra: Record<string, unknown> = {},
  status?: Record<string, unknown>,
): Service {
  const [namespace, name] = key.split("/") as [string, string];
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { namespace, name, uid: `uid-${namespace}-${name}` },
    spec: {
      type: "ClusterIP",
      clusterIP,
      clusterIPs: clusterIP === "None" ? ["None"] : [clusterIP],
      sessionAffinity: "None",
      ports: ports.map((p) => ({
        ...(p.name !== undefined ? { name: p.name } : {}),
        port: p.port,
        protocol: p.protocol ?? "TCP",
        targetPort: p.targetPort ?? p.port,
        ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
      })),
      ...extra,
    },
    ...(status ? { status } : {}),
  };
}

export interface EndpointSpec {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  nodeName?: string;
}

/** An EndpointSlice "ns/name" of Service `service`, with one set of ports. */
export function makeSlice(
  key: string,
  service: string,
  ports: { name?: string; port: number; protocol?: string }[],
  endpoints: (string | EndpointSpec)[],
): EndpointSlice {
  const [namespace, name] = key.split("/") as [string, string];
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { namespace, name, labels: { [LABEL_SERVICE_NAME]: service } },
    addressType: "IPv4",
    ports: ports.map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP" })),
    endpoints: endpoints.map((e) => {
      const spec = typeof e === "string" ? { ip: e } : e;
      return {
        addresses: [spec.ip],
        conditions: {
          ...(spec.ready !== undefined ? { ready: spec.ready } : {}),
          ...(spec.serving !== undefined ? { serving: spec.serving } : {}),
          ...(spec.terminating !== undefined ? { terminating: spec.terminating } : {}),
        },
        ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
      };
    }),
  };
}

/** A state with these objects added and applied. */
export function stateOf(
  nodeName: string,
  services: Service[],
  slices: EndpointSlice[],
): ProxyState {
  const state = new ProxyState(nodeName);
  for (const service of services) state.onService(undefined, service);
  for (const slice of slices) state.onEndpointSlice(slice, false);
  state.applyChanges();
  return state;
}

/** The one port of a one-port Service; throws if it has none (a skipped Service). */
export function onlyPort(service: Service): ServicePortInfo {
  const [port] = servicePortsOf(service);
  if (!port) throw new Error(`expected ${service.metadata.name} to have a proxied port, got none`);
  return port;
}
