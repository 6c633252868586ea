/**
 * Test helpers for the kubelet: an API server with a node token, clients as the admin and as
 * the node, pods to create, and waiting on a fake clock while the real API server answers.
 */
import type { Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { type ResourceClient, RestClient } from "../client/rest.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import type { FakeClock } from "../util/clock.ts";

export interface KubeletTestCluster {
  api: TestApiServer;
  admin: RestClient;
  node: RestClient;
  /** Pods in "default", as the admin. */
  pods: ResourceClient<Pod>;
  /** The pod, or undefined once the API has no such pod. */
  getPod(name: string): Promise<Pod | undefined>;
  close(): Promise<void>;
}

export async function startKubeletTestCluster(nodeName = "node-1"): Promise<KubeletTestCluster> {
  const api = await startTestApiServer({ nodes: [nodeName] });
  const as = (user: string) =>
    new RestClient({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor(user) as string,
      qps: 0,
    });
  const admin = as("admin");
  const node = as(`system:node:${nodeName}`);
  const pods = admin.resource<Pod>(builtinType("pods"), "default");
  return {
    api,
    admin,
    node,
    pods,
    getPod: async (name) => {
      try {
        return await pods.get(name);
      } catch (error) {
        if ((error as { code?: number }).code === 404) return undefined;
        throw error;
      }
    },
    close: async () => {
      admin.close();
      node.close();
      await api.stop();
    },
  };
}

/** A pod bound to `nodeName` (as if scheduled), with one container per entry. */
export function podOn(
  nodeName: string,
  name: string,
  containers: Record<string, unknown>[],
  spec: Record<string, unknown> = {},
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName, containers: containers as Pod["spec"]["containers"], ...spec },
  };
}

/**
 * Moves the fake clock `stepMs` at a time, letting real I/O (the API server) happen between
 * steps, until `check` gives a value; fails naming `what` after `realTimeoutMs` of real time.
 */
export async function advanceUntil<T>(
  clock: FakeClock,
  check: () => Promise<T | undefined>,
  what: string,
  { stepMs = 100, realTimeoutMs = 20_000 } = {},
): Promise<T> {
  const deadline = Date.now() + realTimeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${realTimeoutMs} ms waiting for ${what}`);
    clock.advance(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
