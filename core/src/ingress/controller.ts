/**
 * The ingress controller's control loop: it watches IngressClasses, Ingresses, Services,
 * EndpointSlices and Secrets, keeps the routing snapshot the proxy serves from, and writes each
 * served Ingress's status.loadBalancer.
 *
 * Shape (STYLE rule 1 and 2): event handlers only queue work. Two queues, because the work is of
 * two kinds:
 * - "sync": rebuild the whole snapshot (snapshot.ts) from the caches and swap it in. Every
 *   relevant change queues the one key, so a burst of changes costs one rebuild. Changes to
 *   Services, EndpointSlices and Secrets that the current snapshot did not read are ignored.
 *   ingress-nginx works the same way: one sync of the whole configuration per batch of events.
 * - an Ingress key: bring its status up to date, through the status subresource.
 *
 * Guarantees:
 * - The proxy always reads a complete snapshot (`current()`); before the first sync it is empty
 *   and every request gets the 404. `startIngressController` syncs once before it listens.
 * - An Ingress of our class shows our address in status.loadBalancer.ingress; one that is not ours
 *   is left alone, whatever its status says (another controller may own it).
 * - Each generation of a served Ingress gets one Normal "Sync" event, "Scheduled for sync"
 *   (ingress-nginx records it as "nginx-ingress-controller"; it also records one again for its
 *   own status write, which changes nothing here).
 * - A failed status write is retried with the controller back-off (5 ms doubling to 1000 s).
 */
import type { SecureContext } from "node:tls";
import type { EndpointSlice, Service } from "../api/types.ts";
import type { EventRecorder } from "../client/events.ts";
import { builtinType, type SharedInformerFactory } from "../client/factory.ts";
import { keyOf } from "../client/indexer.ts";
import { type SharedIndexInformer, unwrapTombstone } from "../client/informer.ts";
import type { ResourceClient, RestClient } from "../client/rest.ts";
import { defaultControllerRateLimiter, RateLimitingQueue } from "../client/workqueue/index.ts";
import type { ControllerQueue } from "../controllers/context.ts";
import { logFailedSync, runWorkers } from "../controllers/worker.ts";
import type { Clock } from "../util/clock.ts";
import { CertificateStore } from "./certificates.ts";
import { type ClassSelection, decideClass } from "./ingress-class.ts";
import { buildSnapshot, type Snapshot } from "./snapshot.ts";
import { loadBalancerFor, showsLoadBalancer, withLoadBalancer } from "./status.ts";
import type { Ingress, IngressClass, IngressLoadBalancerIngress, Secret } from "./types.ts";

/** The label tying an EndpointSlice to its Service (discovery/v1 LabelServiceName). */
const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const BY_SERVICE = "byService";
/** The one key of the sync queue. */
const SYNC = "sync";

export interface IngressControllerOptions {
  client: RestClient;
  informers: SharedInformerFactory;
  selection: ClassSelection;
  /** What status.loadBalancer shows: the addresses clients reach the controller on. */
  addresses: readonly string[];
  /** The fake certificate's context, for hosts without a certificate of their own. */
  defaultContext: SecureContext;
  recorder: EventRecorder;
  clock: Clock;
  log(line: string): void;
}

export class IngressController {
  readonly name = "ingress-controller";
  private readonly syncQueue: ControllerQueue;
  private readonly statusQueue: ControllerQueue;
  private readonly ingresses: SharedIndexInformer<Ingress>;
  private readonly classes: SharedIndexInformer<IngressClass>;
  private readonly services: SharedIndexInformer<Service>;
  private readonly slices: SharedIndexInformer<EndpointSlice>;
  private readonly secrets: SharedIndexInformer<Secret>;
  private readonly ingressClient: ResourceClient<Ingress>;
  private readonly certificates: CertificateStore;
  private readonly desired: IngressLoadBalancerIngress[];
  /** Invariant: replaced whole, never changed in place. */
  private snapshot: Snapshot;
  /** The generation of each served Ingress its "Sync" event was recorded for. */
  private readonly recorded = new Map<string, number>();

  // #region wiring
  constructor(private readonly options: IngressControllerOptions) {
    const newQueue = () =>
      new RateLimitingQueue<string>({
        rateLimiter: defaultControllerRateLimiter({ clock: options.clock }),
        clock: options.clock,
      });
    this.syncQueue = newQueue();
    this.statusQueue = newQueue();
    this.certificates = new CertificateStore(options.log);
    this.desired = loadBalancerFor(options.addresses);
    this.ingressClient = options.client.resource<Ingress>(
      builtinType("networking.k8s.io/ingresses"),
    );
    const informers = options.informers;
    this.ingresses = informers.informerFor<Ingress>("networking.k8s.io/ingresses");
    this.classes = informers.informerFor<IngressClass>("networking.k8s.io/ingressclasses");
    this.services = informers.informerFor<Service>("services");
    this.slices = informers.informerFor<EndpointSlice>("discovery.k8s.io/endpointslices");
    this.secrets = informers.informerFor<Secret>("secrets");
    this.slices.indexer.ensureIndex(BY_SERVICE, (slice) => {
      const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
      return service ? [`${slice.metadata.namespace}/${service}`] : [];
    });
    this.snapshot = this.build();

    const sync = () => this.syncQueue.add(SYNC);
    this.classes.addEventHandler({
      // Which Ingresses are ours may have changed, and with it whose status we own.
      onAdd: () => this.syncAll(),
      onUpdate: () => this.syncAll(),
      onDelete: () => this.syncAll(),
    });
    this.ingresses.addEventHandler({
      onAdd: (ingress) => {
        sync();
        this.statusQueue.add(keyOf(ingress));
      },
      onUpdate: (old, ingress) => {
        // Our own status writes come back here too; they change nothing to route by.
        if (routingInputChanged(old, ingress)) sync();
        this.statusQueue.add(keyOf(ingress));
      },
      onDelete: (obj) => {
        sync();
        this.statusQueue.add(keyOf(unwrapTombstone(obj)));
      },
    });
    const ifRead = (read: () => ReadonlySet<string>) => (key: string) => {
      if (read().has(key)) sync();
    };
    const serviceRead = ifRead(() => this.snapshot.services);
    const secretRead = ifRead(() => this.snapshot.secrets);
    this.services.addEventHandler({
      onAdd: (s) => serviceRead(keyOf(s)),
      onUpdate: (_old, s) => serviceRead(keyOf(s)),
      onDelete: (obj) => serviceRead(keyOf(unwrapTombstone(obj))),
    });
    this.slices.addEventHandler({
      onAdd: (slice) => serviceRead(serviceOf(slice)),
      onUpdate: (old, slice) => {
        serviceRead(serviceOf(old));
        serviceRead(serviceOf(slice));
      },
      onDelete: (obj) => serviceRead(serviceOf(unwrapTombstone(obj))),
    });
    this.secrets.addEventHandler({
      onAdd: (s) => secretRead(keyOf(s)),
      onUpdate: (_old, s) => secretRead(keyOf(s)),
      onDelete: (obj) => secretRead(keyOf(unwrapTombstone(obj))),
    });
  }

  private syncAll(): void {
    this.syncQueue.add(SYNC);
    for (const key of this.ingresses.indexer.keys()) this.statusQueue.add(key);
  }
  // #endregion wiring

  /** The snapshot to serve from; the proxy calls this for every request. */
  current(): Snapshot {
    return this.snapshot;
  }

  /** Runs the workers until `stop()`. */
  async run(): Promise<void> {
    await Promise.all([
      runWorkers(1, {
        queue: this.syncQueue,
        reconcile: async () => this.sync(),
        onError: logFailedSync(this.options.log, this.name),
      }),
      runWorkers(2, {
        queue: this.statusQueue,
        reconcile: (key) => this.reconcileStatus(key),
        onError: logFailedSync(this.options.log, this.name),
      }),
    ]);
  }

  stop(): void {
    this.syncQueue.shutDown();
    this.statusQueue.shutDown();
  }

  // #region sync
  /** Rebuilds the snapshot from the caches and swaps it in, logging what changed. */
  sync(): void {
    const previous = this.snapshot;
    this.snapshot = this.build(previous);
    this.logChanges(previous, this.snapshot);
  }
  // #endregion sync

  private build(previous?: Snapshot): Snapshot {
    return buildSnapshot({
      ingresses: this.ingresses.indexer.list(),
      classes: this.classes.indexer.list(),
      selection: this.options.selection,
      service: (key) => this.services.indexer.get(key),
      slices: (key) => this.slices.indexer.byIndex(BY_SERVICE, key),
      secret: (key) => this.secrets.indexer.get(key),
      certificateStore: this.certificates,
      defaultContext: this.options.defaultContext,
      clock: this.options.clock,
      previous,
    });
  }

  // #region reconcileStatus
  /**
   * 1. Read the Ingress from the cache; gone → forget it.
   * 2. Not ours → leave it alone.
   * 3. Record the "Sync" event once per generation.
   * 4. Already showing our address → done; else write the status (a conflict throws: retried).
   */
  async reconcileStatus(key: string): Promise<void> {
    const ingress = this.ingresses.indexer.get(key);
    if (!ingress) {
      this.recorded.delete(key);
      return;
    }
    if (!decideClass(ingress, this.classes.indexer.list(), this.options.selection).handled) return;
    const generation = ingress.metadata.generation ?? 0;
    if (this.recorded.get(key) !== generation) {
      this.recorded.set(key, generation);
      this.options.recorder.event(ingress, "Normal", "Sync", "Scheduled for sync");
    }
    if (showsLoadBalancer(ingress, this.desired)) return;
    await this.ingressClient
      .in(ingress.metadata.namespace)
      .updateStatus(withLoadBalancer(ingress, this.desired));
  }
  // #endregion reconcileStatus

  private logChanges(before: Snapshot, after: Snapshot): void {
    const served = [...after.served].sort().join(", ");
    if (served !== [...before.served].sort().join(", "))
      this.options.log(`[ingress] serving Ingresses: ${served || "none"}`);
    for (const [key, upstream] of after.upstreams) {
      const old = before.upstreams.get(key);
      if (old?.sameAs(upstream.endpoints) && old.problem === upstream.problem) continue;
      const endpoints = upstream.endpoints.map((e) => `${e.address}:${e.port}`).join(", ");
      this.options.log(
        `[ingress] backend ${key}: ${endpoints || `no endpoints${upstream.problem ? ` (${upstream.problem})` : ""}`}`,
      );
    }
  }
}

/** Whether an Ingress changed in a way routing or class selection can see. */
function routingInputChanged(old: Ingress, ingress: Ingress): boolean {
  return (
    old.metadata.generation !== ingress.metadata.generation ||
    JSON.stringify(old.spec) !== JSON.stringify(ingress.spec) ||
    JSON.stringify(old.metadata.annotations) !== JSON.stringify(ingress.metadata.annotations)
  );
}

function serviceOf(slice: EndpointSlice): string {
  const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return service ? `${slice.metadata.namespace}/${service}` : "";
}
