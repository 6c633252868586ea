/**
 * Controller tests against a real API server: a throwaway server, an admin client, a controller
 * manager as system:kube-controller-manager, and the chores the missing scheduler and kubelet
 * would do (marking pods Running and Ready through the status subresource).
 */
import type { KubeObject } from "../api/object.ts";
import type { Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { isNotFound, RestClient } from "../client/rest.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import {
  type ControllerManagerOptions,
  type RunningControllerManager,
  startControllerManager,
} from "./manager.ts";

export interface ControllerTestCluster {
  api: TestApiServer;
  /** As admin, unthrottled. */
  client: RestClient;
  manager: RunningControllerManager;
  /** Starts another manager (leader election tests); stopped with the cluster. */
  startManager(options?: Partial<ControllerManagerOptions>): RunningControllerManager;
  /** Marks pods Running and Ready (what a kubelet would report), with `ready` false for not ready. */
  setPodsReady(pods: Pod[], ready?: boolean): Promise<void>;
  listPods(namespace: string, labelSelector?: string): Promise<Pod[]>;
  stop(): Promise<void>;
}

export async function startControllerTestCluster(
  options: Partial<ControllerManagerOptions> = {},
): Promise<ControllerTestCluster> {
  const api = await startTestApiServer();
  const client = new RestClient({
    server: api.url,
    caPem: api.caCertPem,
    token: api.tokenFor("admin"),
    qps: 0,
  });
  const managers: RunningControllerManager[] = [];
  const startManager = (extra: Partial<ControllerManagerOptions> = {}) => {
    const m = startControllerManager({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:kube-controller-manager") as string,
      qps: 0,
      leaderElection: false,
      ...options,
      ...extra,
    });
    managers.push(m);
    return m;
  };
  const manager = startManager();
  const pods = client.resource<Pod>(builtinType("pods"));
  return {
    api,
    client,
    manager,
    startManager,
    async setPodsReady(list, ready = true) {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      await Promise.all(
        list.map((pod) =>
          pods
            .in(pod.metadata.namespace)
            .patch(
              pod.metadata.name as string,
              {
                status: {
                  phase: "Running",
                  conditions: [
                    { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now },
                  ],
                },
              },
              "merge",
              { subresource: "status" },
            )
            // Deleted since the caller listed it (a scale-down raced the test): nothing to mark.
            .catch((error: unknown) => {
              if (!isNotFound(error)) throw error;
            }),
        ),
      );
    },
    async listPods(namespace, labelSelector) {
      return (await pods.in(namespace).list({ labelSelector })).items;
    },
    async stop() {
      await Promise.all(managers.map((m) => m.stop()));
      client.close();
      await api.stop();
    },
  };
}

/** Polls `read` until `check` holds; fails with the last value seen. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (check(last)) return last;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last saw ${JSON.stringify(last, null, 1).slice(0, 1500)}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function names(objects: KubeObject[]): string[] {
  return objects.map((o) => o.metadata.name as string).sort();
}
