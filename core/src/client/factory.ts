/**
 * The shared informer factory: one informer — one list and one watch — per resource per process,
 * however many controllers read it (client-go's SharedInformerFactory). The controller manager's
 * replicaset, deployment, endpoints and garbage-collector controllers all read pods; they share
 * one pod cache instead of opening four watches.
 *
 * Use: ask for every informer first (`informerFor`), add handlers, then `start()` and
 * `waitForCacheSync()`. An informer asked for after `start()` is started at once.
 */
import type { KubeObject } from "../api/object.ts";
import { BUILTIN_TYPES, groupResource, type ResourceType } from "../api/scheme.ts";
import type { Clock } from "../util/clock.ts";
import { SharedIndexInformer, waitForCacheSync } from "./informer.ts";
import type { RestClient } from "./rest.ts";

export interface InformerFactoryOptions {
  /** Default resync for every handler; 0 never. */
  resyncMs?: number;
  clock?: Clock;
  freeze?: boolean;
  onHandlerError?: (error: unknown) => void;
}

export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedIndexInformer<KubeObject>>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly client: RestClient,
    private readonly options: InformerFactoryOptions = {},
  ) {}

  /** The informer for a resource ("pods", "apps/deployments"), created on first use. */
  informerFor<T extends KubeObject = KubeObject>(
    resource: string | ResourceType,
  ): SharedIndexInformer<T> {
    const type = typeof resource === "string" ? builtinType(resource) : resource;
    const name = groupResource(type);
    let informer = this.informers.get(name);
    if (!informer) {
      informer = new SharedIndexInformer<KubeObject>({
        name,
        listerWatcher: this.client.resource(type),
        resyncMs: this.options.resyncMs,
        clock: this.options.clock,
        freeze: this.options.freeze,
        onHandlerError: this.options.onHandlerError,
      });
      this.informers.set(name, informer);
      if (this.started) informer.run();
    }
    return informer as unknown as SharedIndexInformer<T>;
  }

  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.run();
  }

  /** True once all have synced; false if the factory is stopped first. */
  waitForCacheSync(timeoutMs?: number): Promise<boolean> {
    return waitForCacheSync([...this.informers.values()], timeoutMs, () => this.stopped);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}

/** "pods" or "apps/deployments" → the built-in type; an unknown name is an error naming it. */
export function builtinType(resource: string): ResourceType {
  const slash = resource.indexOf("/");
  const [group, plural] =
    slash < 0 ? ["", resource] : [resource.slice(0, slash), resource.slice(slash + 1)];
  const type = BUILTIN_TYPES.find((t) => t.group === group && t.resource === plural);
  if (!type)
    throw new Error(
      `no built-in resource ${JSON.stringify(resource)} (write "pods" or "apps/deployments")`,
    );
  return type;
}
