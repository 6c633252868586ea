/**
 * The controller manager: one process, one identity (system:kube-controller-manager), many
 * controllers sharing one set of informers — kube-controller-manager.
 *
 * Guarantees:
 * - With leader election on (the default), controllers run only while this process holds the
 *   kube-system/kube-controller-manager Lease; when it is lost they stop, and the informers with
 *   them. Two managers never reconcile at the same time (for longer than clock drift allows).
 * - Controllers start only after every informer they use has synced, so none acts on a
 *   half-filled cache.
 * - `stop()` ends the workers, the watches and the lease (released, so a standby takes over
 *   at once), and resolves when all is quiet.
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { EventRecorder, eventSink } from "../client/events.ts";
import { builtinType, SharedInformerFactory } from "../client/factory.ts";
import { LeaderElector, type Lease } from "../client/leader-election.ts";
import { RestClient } from "../client/rest.ts";
import { defaultControllerRateLimiter, RateLimitingQueue } from "../client/workqueue/index.ts";
import { type Clock, realClock } from "../util/clock.ts";
import type { Controller, ControllerContext, ControllerQueue } from "./context.ts";
import { DeploymentController } from "./deployment/controller.ts";
import { EndpointsController } from "./endpoints/controller.ts";
import { EndpointSliceController } from "./endpointslice/controller.ts";
import { GarbageCollector } from "./garbage-collector/controller.ts";
import { NamespaceController } from "./namespace/controller.ts";
import { NodeIpamController } from "./nodeipam/controller.ts";
import { NodeLifecycleController } from "./nodelifecycle/controller.ts";
import { ReplicaSetController } from "./replicaset/controller.ts";
import { ServiceAccountController } from "./serviceaccount/controller.ts";
import { TaintEvictionController } from "./tainteviction/controller.ts";

/** Each controller's constructor and kube-controller-manager's default number of workers (--concurrent-*-syncs). */
export const CONTROLLERS: Record<
  string,
  { make: (ctx: ControllerContext) => Controller; workers: number }
> = {
  deployment: { make: (ctx) => new DeploymentController(ctx), workers: 5 },
  endpoints: { make: (ctx) => new EndpointsController(ctx), workers: 5 },
  endpointslice: { make: (ctx) => new EndpointSliceController(ctx), workers: 5 },
  garbagecollector: { make: (ctx) => new GarbageCollector(ctx), workers: 20 },
  namespace: { make: (ctx) => new NamespaceController(ctx), workers: 10 },
  // No --concurrent flag: nodeUpdateWorkerSize, the NoSchedule-tainting workers.
  nodelifecycle: { make: (ctx) => new NodeLifecycleController(ctx), workers: 8 },
  nodeipam: {
    make: (ctx) =>
      new NodeIpamController(ctx, ctx.clusterCIDR ? { clusterCIDR: ctx.clusterCIDR } : {}),
    workers: 30, // cidrUpdateWorkers
  },
  replicaset: { make: (ctx) => new ReplicaSetController(ctx), workers: 5 },
  serviceaccount: { make: (ctx) => new ServiceAccountController(ctx), workers: 1 },
  // No --concurrent flag and no short alias (it is new in 1.29): UpdateWorkerSize.
  "taint-eviction-controller": { make: (ctx) => new TaintEvictionController(ctx), workers: 8 },
};

export interface ControllerManagerOptions {
  server: string;
  caPem: string;
  token: string;
  /** Which controllers (default: all). */
  controllers?: string[];
  /** kube-controller-manager's --kube-api-qps 20 and --kube-api-burst 30; 0 lifts the limit. */
  qps?: number;
  burst?: number;
  /** false: act at once without a lease (tests, benchmarks of one manager). */
  leaderElection?:
    | false
    | {
        leaseDurationMs?: number;
        renewDeadlineMs?: number;
        retryPeriodMs?: number;
        releaseOnCancel?: boolean;
      };
  identity?: string;
  clock?: Clock;
  log?: (line: string) => void;
  /** Told when controllers start and stop (leadership changes), for narration and tests. */
  onLeading?: (leading: boolean) => void;
  /** --cluster-cidr: the pod network node IPAM hands out (default 127.128.0.0/9). */
  clusterCIDR?: string;
  /** Workers per controller, overriding the defaults. */
  workers?: number;
  /** Told of every queue add and every reconcile start and end (chapter 4 narrates them). */
  onQueue?: (event: QueueEvent) => void;
}

export interface QueueEvent {
  /** The queue's name: "deployment", "replicaset", ... */
  queue: string;
  /** add: a handler queued the key; reconcile: a worker took it; done: the worker finished. */
  op: "add" | "reconcile" | "done";
  key: string;
}

export interface RunningControllerManager {
  identity: string;
  isLeading(): boolean;
  /** The running controllers while leading (tests read their expectations). */
  controllers(): Controller[];
  stop(): Promise<void>;
}

export function startControllerManager(
  options: ControllerManagerOptions,
): RunningControllerManager {
  const clock = options.clock ?? realClock;
  const log = options.log ?? (() => {});
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  /**
   * kube-controller-manager builds a client per controller from one configuration (its
   * clientbuilder), so each controller has its own request budget of --kube-api-qps and
   * --kube-api-burst, and its own user agent; the informers and the leader election have theirs.
   */
  const newClient = (name?: string) =>
    new RestClient({
      server: options.server,
      caPem: options.caPem,
      token: options.token,
      userAgent: name ? `kube-controller-manager/${name}` : "kube-controller-manager",
      qps: options.qps ?? 20,
      burst: options.burst ?? 30,
      clock,
    });
  const client = newClient();
  const names = options.controllers ?? Object.keys(CONTROLLERS);
  for (const name of names)
    if (!CONTROLLERS[name])
      throw new Error(
        `unknown controller ${JSON.stringify(name)}; known: ${Object.keys(CONTROLLERS).join(", ")}`,
      );
  let session: { stop(): Promise<void>; controllers: Controller[] } | undefined;

  // #region lead
  /** Leading: build informers and controllers, wait for the caches, run the workers. */
  const lead = (signal: AbortSignal | undefined) => {
    const informerClient = newClient("shared-informers");
    const informers = new SharedInformerFactory(informerClient, { clock });
    const recorders = new Map<string, EventRecorder>();
    const clients: RestClient[] = [informerClient];
    const base: ControllerContext = {
      client,
      informers,
      clock,
      log,
      ...(options.clusterCIDR ? { clusterCIDR: options.clusterCIDR } : {}),
      recorder: (component) => {
        let r = recorders.get(component);
        if (!r) {
          r = new EventRecorder({
            sink: eventSink(client.resource(builtinType("events"))),
            component,
            clock,
            log,
          });
          recorders.set(component, r);
        }
        return r;
      },
      newQueue: (name) => {
        const queue = new RateLimitingQueue<string>({
          rateLimiter: defaultControllerRateLimiter({ clock }),
          clock,
        });
        return options.onQueue ? traced(queue, name, options.onQueue) : queue;
      },
    };
    const controllers = names.map((name) => {
      const own = newClient(`${name}-controller`);
      clients.push(own);
      return (CONTROLLERS[name] as (typeof CONTROLLERS)[string]).make({ ...base, client: own });
    });
    informers.start();
    const running = informers
      .waitForCacheSync()
      .then((synced) => {
        if (!synced) return;
        log(`[controller-manager] caches synced; starting ${names.join(", ")}`);
        return Promise.all(
          controllers.map((c, i) =>
            c.run(
              options.workers ?? (CONTROLLERS[names[i] as string] as { workers: number }).workers,
            ),
          ),
        );
      })
      .catch((error: unknown) =>
        log(
          `[controller-manager] controllers did not start: ${error instanceof Error ? error.message : error}`,
        ),
      );
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        for (const c of controllers) c.stop();
        await informers.stop();
        await running;
        await Promise.all([...recorders.values()].map((r) => r.flush()));
        for (const c of clients) c.close();
      })();
      return stopping;
    };
    session = { stop, controllers };
    options.onLeading?.(true);
    signal?.addEventListener("abort", () => {
      const ending = session;
      session = undefined;
      void ending?.stop().then(() => options.onLeading?.(false));
    });
  };
  // #endregion lead

  if (options.leaderElection === false) {
    lead(undefined);
    return {
      identity,
      isLeading: () => session !== undefined,
      controllers: () => session?.controllers ?? [],
      async stop() {
        const ending = session;
        session = undefined;
        await ending?.stop();
        options.onLeading?.(false);
        client.close();
      },
    };
  }
  const elector = new LeaderElector({
    leases: client.resource<Lease>(builtinType("coordination.k8s.io/leases"), "kube-system"),
    name: "kube-controller-manager",
    identity,
    clock,
    ...options.leaderElection,
    onStartedLeading: (signal) => lead(signal),
    onNewLeader: (who) => log(`[controller-manager] leader is ${who}`),
    log,
  });
  void elector.run();
  return {
    identity,
    isLeading: () => elector.isLeader(),
    controllers: () => session?.controllers ?? [],
    async stop() {
      const ending = session;
      await elector.stop();
      await ending?.stop();
      client.close();
    },
  };
}

/** The same queue, reporting adds and hand-outs. */
function traced(
  queue: RateLimitingQueue<string>,
  name: string,
  report: (event: QueueEvent) => void,
): ControllerQueue {
  return {
    add(key) {
      report({ queue: name, op: "add", key });
      queue.add(key);
    },
    async get() {
      const key = await queue.get();
      if (key !== undefined) report({ queue: name, op: "reconcile", key });
      return key;
    },
    done(key) {
      report({ queue: name, op: "done", key });
      queue.done(key);
    },
    addAfter: (key, ms) => queue.addAfter(key, ms),
    addRateLimited: (key) => queue.addRateLimited(key),
    forget: (key) => queue.forget(key),
    shutDown: () => queue.shutDown(),
    len: () => queue.len(),
  };
}
