/**
 * Test chores for the endpoints and endpointslice controllers: what the scheduler and kubelet
 * would do for a pod that backs a Service — bind it to a node, give it an address, report it
 * Running and Ready or not — done directly through the API (the status subresource), since no
 * kubelet runs in these tests.
 */
import type { KubeObject } from "../../api/object.ts";
import type { ContainerPort, Pod, Service } from "../../api/types.ts";
import type { EventRecorder } from "../../client/events.ts";
import { builtinType, SharedInformerFactory } from "../../client/factory.ts";
import { isAlreadyExists, RestClient } from "../../client/rest.ts";
import { defaultControllerRateLimiter, RateLimitingQueue } from "../../client/workqueue/index.ts";
import type { TestApiServer } from "../../testing/cluster.ts";
import { realClock } from "../../util/clock.ts";
import type { ControllerContext, ControllerQueue } from "../context.ts";

export interface TestPod {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  node: string;
  ip: string;
  ready: boolean;
  ports?: ContainerPort[];
  hostname?: string;
  subdomain?: string;
}

/** Registers nodes as a kubelet would (the endpointslice controller reads their zone). */
export async function createNodes(client: RestClient, names: string[]): Promise<void> {
  const nodes = client.resource(builtinType("nodes"));
  for (const name of names) {
    try {
      await nodes.create({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, labels: { "topology.kubernetes.io/zone": `zone-${name}` } },
      });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
}

/** A pod bound to `node`, Running with address `ip`, Ready or not. */
export async function runPod(client: RestClient, spec: TestPod): Promise<Pod> {
  const pods = client.resource<Pod>(builtinType("pods"), spec.namespace ?? "default");
  await pods.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: spec.name, labels: spec.labels },
    spec: {
      nodeName: spec.node,
      ...(spec.hostname ? { hostname: spec.hostname } : {}),
      ...(spec.subdomain ? { subdomain: spec.subdomain } : {}),
      containers: [
        { name: "c", image: "tinykube/hello", ...(spec.ports ? { ports: spec.ports } : {}) },
      ],
    },
  });
  return setPodStatus(client, spec.namespace ?? "default", spec.name, {
    ip: spec.ip,
    ready: spec.ready,
  });
}

/** What a kubelet reports: phase Running, the pod's address, and its Ready condition. */
export async function setPodStatus(
  client: RestClient,
  namespace: string,
  name: string,
  status: { ip: string; ready: boolean },
): Promise<Pod> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return client.resource<Pod>(builtinType("pods"), namespace).patch(
    name,
    {
      status: {
        phase: "Running",
        podIP: status.ip,
        podIPs: [{ ip: status.ip }],
        conditions: [
          { type: "Ready", status: status.ready ? "True" : "False", lastTransitionTime: now },
        ],
      },
    },
    "merge",
    { subresource: "status" },
  );
}

export function service(
  name: string,
  spec: Service["spec"],
  labels?: Record<string, string>,
): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, ...(labels ? { labels } : {}) },
    spec,
  };
}

export function nameOf(object: KubeObject): string {
  return object.metadata.name as string;
}

/** A pod as a cache would hold it, for pure unit tests: running on `node` with address `ip`. */
export function podFixture(options: {
  name: string;
  ip?: string;
  ready?: boolean;
  node?: string;
  labels?: Record<string, string>;
  ports?: ContainerPort[];
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  deleting?: boolean;
  hostname?: string;
  subdomain?: string;
  readySince?: string;
  resourceVersion?: string;
}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: options.name,
      namespace: "default",
      uid: `uid-${options.name}`,
      resourceVersion: options.resourceVersion ?? "1",
      labels: options.labels ?? { app: "web" },
      ...(options.deleting ? { deletionTimestamp: "2026-01-01T00:10:00Z" } : {}),
    },
    spec: {
      nodeName: options.node ?? "node-1",
      ...(options.hostname ? { hostname: options.hostname } : {}),
      ...(options.subdomain ? { subdomain: options.subdomain } : {}),
      containers: [{ name: "c", ...(options.ports ? { ports: options.ports } : {}) }],
    },
    status: {
      phase: options.phase ?? "Running",
      ...(options.ip ? { podIP: options.ip, podIPs: [{ ip: options.ip }] } : {}),
      conditions: [
        {
          type: "Ready",
          status: options.ready === false ? "False" : "True",
          lastTransitionTime: options.readySince ?? "2026-01-01T00:00:05Z",
        },
      ],
    },
  };
}

/** A Service as a cache would hold it, for pure unit tests. */
export function serviceFixture(name: string, spec: Partial<Service["spec"]> = {}): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
    spec: { selector: { app: name }, clusterIP: "127.96.0.10", ipFamilies: ["IPv4"], ...spec },
  };
}

/** A client that notes every request that is not a read. */
class WriteCountingClient extends RestClient {
  readonly writes: string[] = [];

  override request<R = unknown>(
    method: string,
    path: string,
    options?: Parameters<RestClient["request"]>[2],
  ): Promise<R> {
    if (method !== "GET") this.writes.push(`${method} ${path}`);
    return super.request<R>(method, path, options);
  }
}

/**
 * A context for one controller outside any manager, as system:kube-controller-manager, whose
 * writes are counted: build the controller, `start()` (informers synced), then call its
 * reconcile directly and look at `writes`.
 */
export function standaloneContext(api: TestApiServer): {
  ctx: ControllerContext;
  writes: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
} {
  const client = new WriteCountingClient({
    server: api.url,
    caPem: api.caCertPem,
    token: api.tokenFor("system:kube-controller-manager"),
    qps: 0,
  });
  const informers = new SharedInformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers,
    clock: realClock,
    log: () => {},
    recorder: () => ({ event() {} }) as unknown as EventRecorder,
    newQueue: () =>
      new RateLimitingQueue<string>({
        rateLimiter: defaultControllerRateLimiter(),
      }) as ControllerQueue,
  };
  return {
    ctx,
    writes: client.writes,
    async start() {
      informers.start();
      if (!(await informers.waitForCacheSync())) throw new Error("caches did not sync");
    },
    async stop() {
      await informers.stop();
      client.close();
    },
  };
}
