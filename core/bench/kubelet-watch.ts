/**
 * What the kubelet benchmark sees of the cluster, on watches in its own process: when each pod
 * was first seen bound, Running and Ready, and when each node was first seen with its pod CIDR.
 * Every time is this process's own clock at the moment the event was read — "observed via
 * watch", as the pod startup SLI is defined.
 *
 * Each watch opens from the resourceVersion of a LIST, so nothing after `open` is missed; one
 * watch per resource, whatever the number of conditions read off it.
 */
import type { KubeObject } from "../src/api/object.ts";
import type { Node, Pod } from "../src/api/types.ts";
import { builtinType } from "../src/client/factory.ts";
import type { ClientWatch, ResourceClient, RestClient } from "../src/client/rest.ts";
import { withDeadline } from "./processes.ts";
import { count } from "./stats.ts";

/** When objects of one watch first met a condition, by name, and waiting for the `n`th. */
class FirstSeen {
  readonly seen = new Map<string, number>();
  private waiters: { n: number; done: (at: number) => void; fail: (e: Error) => void }[] = [];
  failure: Error | undefined;

  constructor(private readonly what: string) {}

  /** Resolves with when the `n`th object first met it; rejects after `timeoutMs`. */
  until(n: number, timeoutMs: number): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return withDeadline(
      new Promise<number>((done, fail) => {
        this.waiters.push({ n, done, fail });
        this.settle(performance.now());
      }),
      timeoutMs,
      () => `${count(this.seen.size)} of ${count(n)} ${this.what} in ${timeoutMs / 1000} s`,
    );
  }

  /** Records `name` at `at` if this is its first time. */
  see(name: string, at: number): void {
    if (this.seen.has(name)) return;
    this.seen.set(name, at);
    this.settle(at);
  }

  fail(error: Error): void {
    this.failure = error;
    for (const w of this.waiters) w.fail(error);
    this.waiters = [];
  }

  private settle(at: number): void {
    const due = this.waiters.filter((w) => this.seen.size >= w.n);
    this.waiters = this.waiters.filter((w) => this.seen.size < w.n);
    for (const w of due) w.done(at);
  }
}

/**
 * One watch and the conditions read off each of its objects: one watch, so the benchmark adds
 * a single watcher to the API server's load, whatever it measures.
 */
class Sightings<T extends KubeObject, K extends string> {
  readonly of: Record<K, FirstSeen>;

  constructor(
    private readonly watch: ClientWatch<T>,
    conditions: Record<K, { what: string; holds: (object: T) => boolean }>,
  ) {
    const entries = Object.entries(conditions) as [K, { what: string; holds: (o: T) => boolean }][];
    this.of = Object.fromEntries(entries.map(([k, c]) => [k, new FirstSeen(c.what)])) as Record<
      K,
      FirstSeen
    >;
    void this.consume(entries);
  }

  stop(): void {
    this.watch.stop();
  }

  private async consume(entries: [K, { holds: (o: T) => boolean }][]): Promise<void> {
    try {
      for await (const event of this.watch) {
        const at = performance.now();
        if (event.type === "ERROR")
          throw new Error(`watch: ${JSON.stringify(event.object).slice(0, 300)}`);
        if (event.type === "DELETED") continue;
        const name = event.object.metadata.name as string;
        for (const [k, c] of entries) if (c.holds(event.object)) this.of[k].see(name, at);
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const seen of Object.values<FirstSeen>(this.of)) seen.fail(failure);
    }
  }
}

async function openWatch<T extends KubeObject>(client: ResourceClient<T>): Promise<ClientWatch<T>> {
  const { metadata } = await client.list({ limit: 1 });
  return (await client.watch({
    resourceVersion: metadata.resourceVersion,
    timeoutSeconds: 3600,
  })) as unknown as ClientWatch<T>;
}

const isReady = (pod: Pod) =>
  (pod.status?.conditions as { type: string; status: string }[] | undefined)?.some(
    (c) => c.type === "Ready" && c.status === "True",
  ) ?? false;

export type StartupWatch = Sightings<Pod, "scheduled" | "running" | "ready">;

/** A namespace's pods: when each was first seen bound to a node, Running, and Ready. */
export async function startupWatch(admin: RestClient, namespace: string): Promise<StartupWatch> {
  const pods = admin.resource<Pod>(builtinType("pods"), namespace);
  return new Sightings(await openWatch(pods), {
    scheduled: { what: "pods scheduled", holds: (p) => Boolean(p.spec.nodeName) },
    running: { what: "pods Running", holds: (p) => p.status?.phase === "Running" },
    ready: { what: "pods Ready", holds: isReady },
  });
}

export type CidrWatch = Sightings<Node, "cidr">;

/** The nodes that have a pod CIDR: the node IPAM controller's part, and the kubelet's network. */
export async function podCidrWatch(admin: RestClient): Promise<CidrWatch> {
  const nodes = admin.resource<Node>(builtinType("nodes"));
  return new Sightings(await openWatch(nodes), {
    cidr: { what: "nodes with a pod CIDR", holds: (n) => Boolean(n.spec?.podCIDR) },
  });
}
