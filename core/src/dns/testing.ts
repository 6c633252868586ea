/**
 * Builders for the DNS tests: Services, EndpointSlices and namespaces as the API serves them,
 * and a cluster state filled with a small, fixed cluster.
 */
import type { KubeObject } from "../api/object.ts";
import type { EndpointSlice, Pod, Service, ServicePort } from "../api/types.ts";
import { LABEL_SERVICE_NAME } from "../controllers/endpointslice/slice-labels.ts";
import { FakeClock } from "../util/clock.ts";
import { ClusterState } from "./cluster-state.ts";

export function namespaceObject(name: string): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}

export function serviceObject(
  name: string,
  spec: {
    clusterIP?: string;
    ports?: ServicePort[];
    type?: string;
    externalName?: string;
    namespace?: string;
  },
): Service {
  const { namespace = "default", ...rest } = spec;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { type: rest.externalName ? "ExternalName" : "ClusterIP", ...rest },
  };
}

export interface TestEndpoint {
  ip: string;
  hostname?: string;
  ready?: boolean;
}

export function sliceObject(
  service: string,
  endpoints: TestEndpoint[],
  ports: { name?: string; port: number; protocol?: string }[] | null,
  options: { name?: string; namespace?: string } = {},
): EndpointSlice {
  const v6 = endpoints.some((e) => e.ip.includes(":"));
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: options.name ?? `${service}-abcde`,
      namespace: options.namespace ?? "default",
      labels: { [LABEL_SERVICE_NAME]: service },
    },
    addressType: v6 ? "IPv6" : "IPv4",
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: e.ready === undefined ? {} : { ready: e.ready },
      ...(e.hostname ? { hostname: e.hostname } : {}),
    })),
    ports,
  };
}

export function podObject(name: string, namespace: string, podIP: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: { containers: [{ name: "c" }] },
    status: { podIP },
  };
}

/**
 * A synced state holding:
 * - namespaces default, kube-system;
 * - web: ClusterIP 127.96.0.20, ports http 80/TCP and metrics 9090/TCP, two ready endpoints;
 * - db: headless, endpoints db-0 (127.128.0.7) and db-1 (127.128.0.8) with hostnames, one not
 *   ready (127.128.0.9), port pg 5432;
 * - kube-dns in kube-system: 127.96.0.10, ports dns 53/UDP and dns-tcp 53/TCP;
 * - docs: ExternalName to docs.example.org; alias: ExternalName to web.default.svc.cluster.local.
 */
export function testClusterState(clock = new FakeClock()): ClusterState {
  const state = new ClusterState(clock);
  state.setNamespace(namespaceObject("default"), true);
  state.setNamespace(namespaceObject("kube-system"), true);
  state.setService(
    serviceObject("web", {
      clusterIP: "127.96.0.20",
      ports: [
        { name: "http", port: 80, protocol: "TCP" },
        { name: "metrics", port: 9090, protocol: "TCP" },
      ],
    }),
    true,
  );
  state.setEndpointSlice(
    sliceObject(
      "web",
      [{ ip: "127.128.0.5" }, { ip: "127.128.1.5" }],
      [{ name: "http", port: 8080, protocol: "TCP" }],
    ),
    true,
  );
  state.setService(
    serviceObject("db", {
      clusterIP: "None",
      ports: [{ name: "pg", port: 5432, protocol: "TCP" }],
    }),
    true,
  );
  state.setEndpointSlice(
    sliceObject(
      "db",
      [
        { ip: "127.128.0.7", hostname: "db-0" },
        { ip: "127.128.0.8", hostname: "db-1", ready: true },
        { ip: "127.128.0.9", hostname: "db-2", ready: false },
      ],
      [{ name: "pg", port: 5432, protocol: "TCP" }],
    ),
    true,
  );
  state.setService(
    serviceObject("kube-dns", {
      namespace: "kube-system",
      clusterIP: "127.96.0.10",
      ports: [
        { name: "dns", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53, protocol: "TCP" },
      ],
    }),
    true,
  );
  state.setService(serviceObject("docs", { externalName: "docs.example.org" }), true);
  state.setService(serviceObject("alias", { externalName: "web.default.svc.cluster.local" }), true);
  state.markSynced();
  return state;
}
