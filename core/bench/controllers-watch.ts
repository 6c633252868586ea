/**
 * What the controllers benchmark sees of the cluster, from its own process: a namespace's
 * ReplicaSets and pods (`NamespaceWatch`), and every Event written (`EventWrites`). Each event is
 * stamped with the moment it was parsed here, so every latency the benchmark reports ends at a
 * client's view of the cluster, not at a controller's own word.
 */
import type { KubeObject } from "../src/api/object.ts";
import type { Pod, ReplicaSet } from "../src/api/types.ts";
import { builtinType } from "../src/client/factory.ts";
import type { ClientWatch, RestClient } from "../src/client/rest.ts";
import { PHASE_TIMEOUT_MS } from "./controllers-workload.ts";
import { withDeadline } from "./processes.ts";

// #region watch
/**
 * This process's view of one namespace: a watch on its ReplicaSets and one on its pods, each from
 * the resourceVersion of a LIST, so nothing created after `open` is missed. Every event is
 * stamped with the moment it was parsed here.
 */
export class NamespaceWatch {
  /** ReplicaSets by name: when their ADDED arrived, and the Deployment that owns them. */
  readonly replicaSets = new Map<string, { at: number; owner: string }>();
  /** When each ReplicaSet's `replicas`-th pod arrived, by ReplicaSet name. */
  readonly fullAt = new Map<string, number>();
  /** Pods ADDED so far. */
  pods = 0;
  /** When the latest event arrived. */
  private lastAt = 0;
  private readonly podsOf = new Map<string, number>();
  /** ReplicaSet names by owning Deployment. */
  private readonly byOwner = new Map<string, string>();
  private readonly status = new Map<string, number>();
  private readonly waiters = new Set<{ check: () => boolean; done: (at: number) => void }>();
  private readonly watches: ClientWatch[] = [];
  private failure: Error | undefined;
  private readonly failed = new Set<(error: Error) => void>();

  private constructor(private readonly replicas: number) {}

  static async open(admin: RestClient, namespace: string, replicas: number) {
    const w = new NamespaceWatch(replicas);
    for (const type of ["apps/replicasets", "pods"]) {
      const client = admin.resource(builtinType(type), namespace);
      const { metadata } = await client.list({ limit: 1 });
      const watch = await client.watch({
        resourceVersion: metadata.resourceVersion,
        timeoutSeconds: 3600,
      });
      w.watches.push(watch);
      void w.consume(type, watch);
    }
    return w;
  }

  /** Resolves with the arrival time of the event after which `check` first held. */
  until(check: () => boolean, describe: () => string): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (check()) return Promise.resolve(this.lastAt);
    let waiter: { check: () => boolean; done: (at: number) => void } | undefined;
    let onFailure: ((error: Error) => void) | undefined;
    const reached = new Promise<number>((resolve, reject) => {
      waiter = { check, done: resolve };
      onFailure = reject;
      this.waiters.add(waiter);
      this.failed.add(reject);
    });
    return withDeadline(
      reached,
      PHASE_TIMEOUT_MS,
      () => `not done within ${PHASE_TIMEOUT_MS / 1000} s: ${describe()}`,
    ).finally(() => {
      if (waiter) this.waiters.delete(waiter);
      if (onFailure) this.failed.delete(onFailure);
    });
  }

  /** Whether the Deployment's ReplicaSet and all its pods have been seen. */
  isFull(deployment: string): boolean {
    const rs = this.byOwner.get(deployment);
    return rs !== undefined && this.fullAt.has(rs);
  }

  statusReplicas(): number {
    return Math.max(0, ...this.status.values());
  }

  stop(): void {
    for (const watch of this.watches) watch.stop();
  }

  private async consume(type: string, watch: ClientWatch): Promise<void> {
    try {
      for await (const event of watch) {
        const at = performance.now();
        this.lastAt = at;
        if (event.type === "ERROR")
          throw new Error(`watch of ${type}: ${JSON.stringify(event.object).slice(0, 300)}`);
        if (type === "pods") this.onPod(event.type, event.object as Pod, at);
        else this.onReplicaSet(event.type, event.object as ReplicaSet, at);
        for (const waiter of this.waiters) {
          if (!waiter.check()) continue;
          this.waiters.delete(waiter);
          waiter.done(at);
        }
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      for (const fail of this.failed) fail(this.failure);
    }
  }

  private onPod(type: string, pod: Pod, at: number): void {
    if (type !== "ADDED") return;
    this.pods++;
    const rs = ownerName(pod);
    const seen = (this.podsOf.get(rs) ?? 0) + 1;
    this.podsOf.set(rs, seen);
    if (seen === this.replicas) this.fullAt.set(rs, at);
  }

  private onReplicaSet(type: string, rs: ReplicaSet, at: number): void {
    const name = rs.metadata.name as string;
    if (type === "ADDED") {
      this.replicaSets.set(name, { at, owner: ownerName(rs) });
      this.byOwner.set(ownerName(rs), name);
    }
    if (rs.status) this.status.set(name, rs.status.replicas);
  }
}

/**
 * Every Event written in the cluster, as a watch from this process sees them: the count of
 * creates and patches, and when the last one arrived.
 */
export class EventWrites {
  writes = 0;
  lastAt = performance.now();
  private failure: Error | undefined;

  private constructor(private readonly watch: ClientWatch) {}

  static async open(admin: RestClient): Promise<EventWrites> {
    const client = admin.resource(builtinType("events"));
    const { metadata } = await client.list({ limit: 1 });
    const watch = await client.watch({
      resourceVersion: metadata.resourceVersion,
      timeoutSeconds: 3600,
    });
    const e = new EventWrites(watch);
    void e.consume();
    return e;
  }

  /** Throws if the watch broke: its silence would look like idleness. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  stop(): void {
    this.watch.stop();
  }

  private async consume(): Promise<void> {
    try {
      for await (const event of this.watch) {
        if (event.type === "ERROR")
          throw new Error(`watch of events: ${JSON.stringify(event.object).slice(0, 300)}`);
        this.writes++;
        this.lastAt = performance.now();
      }
      this.failure = new Error("the watch of events ended");
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    }
  }
}

const ownerName = (object: KubeObject) =>
  object.metadata.ownerReferences?.find((ref) => ref.controller)?.name ?? "";
// #endregion watch
