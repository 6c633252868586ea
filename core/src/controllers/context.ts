/**
 * What every controller is given by the controller manager: one API client (the manager's
 * identity and request budget), the shared informers, a clock, an event recorder per controller,
 * and work queues. Controllers never call each other; they share only the informers' caches.
 */

import type { EventRecorder } from "../client/events.ts";
import type { SharedInformerFactory } from "../client/factory.ts";
import type { RestClient } from "../client/rest.ts";
import type { Clock } from "../util/clock.ts";
import type { WorkQueue } from "./worker.ts";

/** A rate-limited work queue of keys, as a controller uses it. */
export interface ControllerQueue extends WorkQueue<string> {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  shutDown(): void;
  len(): number;
}

export interface ControllerContext {
  client: RestClient;
  informers: SharedInformerFactory;
  clock: Clock;
  /** The recorder whose events name `component` as their source ("replicaset-controller"). */
  recorder(component: string): EventRecorder;
  /** A new queue with the default controller rate limiter. */
  newQueue(name: string): ControllerQueue;
  log(line: string): void;
  /** --cluster-cidr: the pod network node IPAM cuts into node ranges (default 127.128.0.0/9). */
  clusterCIDR?: string;
}

/** What the controller manager runs: start once its caches are synced, stop when told. */
export interface Controller {
  readonly name: string;
  /** Adds informer handlers; called before the informers start. */
  run(workers: number): Promise<void>;
  /** Shuts the queue down; `run` resolves when the workers have finished. */
  stop(): void;
}
