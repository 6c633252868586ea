/**
 * What the network benchmark's parts share: starting a network-child.ts role, and writing the
 * objects a component watches through the API server as admin.
 */
import type { KubeObject } from "../src/api/object.ts";
import { builtinType } from "../src/client/factory.ts";
import { RestClient } from "../src/client/rest.ts";
import type { ApiServerReady } from "./network-child.ts";
import { NAMESPACE } from "./network-workload.ts";
import { type ChildHandle, startChild } from "./processes.ts";

/**
 * A Service without a selector and the EndpointSlice that sends its port to one pod's port, as
 * the EndpointSlice controller would write it for one ready pod. Without `clusterIP` the API
 * server allocates one.
 */
export function serviceWithOnePod(
  service: { name: string; clusterIP?: string; port: number; portName: string },
  podIP: string,
  podPort: number,
): KubeObject[] {
  const name = service.portName;
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: service.name, namespace: NAMESPACE },
      spec: {
        ...(service.clusterIP ? { clusterIP: service.clusterIP } : {}),
        ports: [{ name, port: service.port, protocol: "TCP", targetPort: podPort }],
      },
    } as KubeObject,
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: `${service.name}-1`,
        namespace: NAMESPACE,
        labels: { "kubernetes.io/service-name": service.name },
      },
      addressType: "IPv4",
      endpoints: [{ addresses: [podIP], conditions: { ready: true } }],
      ports: [{ name, port: podPort, protocol: "TCP" }],
    } as KubeObject,
  ];
}

/** Writes objects as admin: Services first, then their slices. */
export async function createAll(api: ApiServerReady, objects: KubeObject[]): Promise<void> {
  const admin = new RestClient({
    server: api.url,
    caPem: api.caCertPem,
    token: api.tokens.admin,
    qps: 0,
    userAgent: "network-bench",
  });
  try {
    for (const object of objects) {
      const resource =
        object.kind === "EndpointSlice"
          ? "discovery.k8s.io/endpointslices"
          : object.kind === "Ingress"
            ? "networking.k8s.io/ingresses"
            : object.kind === "IngressClass"
              ? "networking.k8s.io/ingressclasses"
              : "services";
      await admin.resource(builtinType(resource), object.metadata.namespace).create(object);
    }
  } finally {
    admin.close();
  }
}

/** Starts a network-child.ts role and sends it `start`; resolves when it is ready. */
export async function startRole<S, R>(
  role: string,
  start: S,
  children: ChildHandle[],
): Promise<{ child: ChildHandle; ready: R }> {
  const child = startChild({ script: "network-child.ts", args: [role], name: role });
  children.push(child);
  await child.next("listening");
  const answer = Promise.race([
    child.next<R>("ready"),
    child.next<string>("failed").then((message) => {
      throw new Error(`the ${role} child failed to start: ${message}`);
    }),
  ]);
  child.send({ start });
  return { child, ready: await answer };
}
