/**
 * The scheduling queue: the pods waiting for a node — kube-scheduler's PriorityQueue
 * (pkg/scheduler/internal/queue/scheduling_queue.go), without QueueingHints. A pod is in at most
 * one of three places, or in flight (popped, its scheduling cycle running):
 *
 * - activeQ: a heap the scheduler pops from, highest priority first, then earliest added
 *   (PrioritySort).
 * - backoffQ: pods that failed and wait out their backoff (1 s doubling to 10 s), earliest expiry
 *   first. A flush every second moves the expired ones to activeQ.
 * - unschedulablePods: pods that no node fitted. They leave on a cluster event that might help
 *   (moveAllToActiveOrBackoffQueue, matched against the plugins that rejected them), on an update
 *   of their own spec, or after staying longer than 5 minutes (a flush every 30 s) — to backoffQ
 *   if their backoff is still running, else straight to activeQ.
 *
 * Guarantees:
 * - No pod is lost or queued twice: every operation moves a pod between places, and
 *   addUnschedulableIfNotPresent refuses a pod that is already queued.
 * - pop hands out an activeQ pod no other activeQ pod precedes; it waits while activeQ is empty,
 *   and a waiting pop rejects with QueueClosedError when the queue is closed.
 * - The move-request rule: a pod that failed in scheduling cycle c goes to backoffQ, not
 *   unschedulablePods, when a move request came at or after cycle c (moveRequestCycle ≥ c) — the
 *   event arrived while the pod was being tried, against a snapshot that predates it, so waiting
 *   for another event could wait forever. A pod with no rejecting plugin (an error, not a misfit)
 *   also goes to backoffQ.
 *
 * Trace (t in seconds; NodeResourcesFit rejects both pods at first):
 *
 *   t=0  add(a, priority 0), add(b, priority 10)      activeQ [b, a]
 *        pop → b (attempts 1, cycle 1)                activeQ [a]
 *        pop → a (attempts 1, cycle 2)                activeQ []
 *        addUnschedulableIfNotPresent(b, 1)           moveRequestCycle -1 < 1 → unschedulable {b}
 *        moveAllToActiveOrBackoffQueue(NodeAdd)       b backs off until t=1 → backoffQ [b];
 *                                                     moveRequestCycle = 2
 *        addUnschedulableIfNotPresent(a, 2)           2 ≥ 2 → backoffQ [b, a]: the new node came
 *                                                     during a's attempt and may fit it
 *   t=1  flushBackoffQCompleted                       activeQ [b, a]
 *
 * Nominated pods (preemption's promises) are kept beside the queue, in nominator.ts.
 *
 * PreEnqueue plugins (SchedulingGates) run whenever a pod would enter activeQ; one they hold
 * waits in unschedulablePods, gated and never tried, until an update lets it through.
 *
 * Left out: Activate, the affinity pre-check of AssignedPodAdded, and QueueingHints with their
 * in-flight event log.
 */
import { isDeepStrictEqual } from "node:util";
import type { Pod } from "../../api/types.ts";
import { type Clock, realClock, type Timer } from "../../util/clock.ts";
import type { Status } from "../framework/types.ts";
import {
  backoffDuration,
  DEFAULT_POD_INITIAL_BACKOFF_MS,
  DEFAULT_POD_MAX_BACKOFF_MS,
} from "./backoff.ts";
import {
  type ClusterEvent,
  type EventRegistration,
  PLUGIN_EVENTS,
  podMatchesEvent,
  UnschedulableTimeout,
} from "./events.ts";
import { Heap } from "./heap.ts";
import { Nominator } from "./nominator.ts";
import { podKey, prioritySortLess, type QueuedPodInfo } from "./queued-pod-info.ts";

/** DefaultPodMaxInUnschedulablePodsDuration: 5 minutes. */
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS = 5 * 60_000;
/** PriorityQueue.Run: flushBackoffQCompleted every second. */
export const BACKOFF_FLUSH_PERIOD_MS = 1_000;
/** PriorityQueue.Run: flushUnschedulablePodsLeftover every 30 seconds. */
export const UNSCHEDULABLE_FLUSH_PERIOD_MS = 30_000;

export interface PriorityQueueOptions {
  clock?: Clock;
  /** podInitialBackoffSeconds, in ms. */
  podInitialBackoffMs?: number;
  /** podMaxBackoffSeconds, in ms. */
  podMaxBackoffMs?: number;
  podMaxInUnschedulablePodsMs?: number;
  /** Plugin → events that may help pods it rejected; PLUGIN_EVENTS by default. */
  pluginEvents?: Readonly<Record<string, readonly EventRegistration[]>>;
  /**
   * The pod's profile's PreEnqueue plugins: anything but Success keeps the pod out of activeQ
   * (gated). None by default.
   */
  preEnqueue?: (pod: Pod) => Status;
  /** Told of every move, for narration and tests (Kubernetes logs them at -v=5). */
  onMove?: (move: QueueMove) => void;
}

/**
 * A pod entering a sub-queue, or popped for a cycle; `event` names what moved it: a cluster event's
 * label ("NodeAdd"), "PodAdd", "PodUpdate", "ScheduleAttemptFailure", "BackoffComplete", "Gated".
 */
export interface QueueMove {
  pod: string;
  to: SubQueue | "popped";
  event: string;
}

export type SubQueue = "activeQ" | "backoffQ" | "unschedulablePods";

/** What pop rejects with once the queue is closed ("scheduling queue is closed"). */
export class QueueClosedError extends Error {
  constructor() {
    super("scheduling queue is closed");
    this.name = "QueueClosedError";
  }
}

export class AlreadyQueuedError extends Error {
  constructor(
    readonly pod: string,
    readonly queue: SubQueue,
  ) {
    super(
      `pod ${pod} is already present in ${queue}; addUnschedulableIfNotPresent expects a pod ` +
        "that pop returned and nothing has queued since",
    );
    this.name = "AlreadyQueuedError";
  }
}

/** Returns false for a pod that the event cannot concern (Kubernetes' PreEnqueueCheck). */
export type PreEnqueueCheck = (pod: Pod) => boolean;

interface Waiter {
  resolve: (info: QueuedPodInfo) => void;
  reject: (error: Error) => void;
}

export class PriorityQueue {
  /** Pending pods promised a node by preemption; kept in step with add, update and delete. */
  readonly nominator = new Nominator();
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly pluginEvents: Readonly<Record<string, readonly EventRegistration[]>>;
  private readonly preEnqueue: ((pod: Pod) => Status) | undefined;
  private readonly onMove: ((move: QueueMove) => void) | undefined;

  private readonly activeQ = new Heap<QueuedPodInfo>((i) => podKey(i.pod), prioritySortLess);
  /** Ordered by backoff expiry; equal expiries by seq. */
  private readonly backoffQ = new Heap<QueuedPodInfo>(
    (i) => podKey(i.pod),
    (a, b) => {
      const ea = this.backoffExpiry(a);
      const eb = this.backoffExpiry(b);
      return ea !== eb ? ea < eb : a.seq < b.seq;
    },
  );
  /** Pod key → info; a key here is in neither heap. */
  private readonly unschedulablePods = new Map<string, QueuedPodInfo>();
  /** Popped and not yet given back (addUnschedulableIfNotPresent) or finished (done). */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  /** Pops so far; the cycle number of the pod popped last. */
  private cycle = 0;
  /** The cycle current at the last move request; -1 before any, so cycle 0 is "after" it. */
  private moveRequestCycle = -1;
  private seq = 0;
  private closed = false;
  /** Pops waiting for activeQ, oldest first; non-empty only while activeQ is empty. */
  private waiters: Waiter[] = [];
  private timers: Timer[] = [];

  constructor(options: PriorityQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.initialBackoffMs = options.podInitialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = options.podMaxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulableMs =
      options.podMaxInUnschedulablePodsMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_MS;
    this.pluginEvents = options.pluginEvents ?? PLUGIN_EVENTS;
    this.preEnqueue = options.preEnqueue;
    this.onMove = options.onMove;
    // The checks kube-scheduler's configuration validation makes on the two backoff settings.
    if (!(this.initialBackoffMs > 0)) {
      throw new RangeError(
        `podInitialBackoffMs must be greater than 0, received ${this.initialBackoffMs}`,
      );
    }
    if (!(this.maxBackoffMs >= this.initialBackoffMs)) {
      throw new RangeError(
        `podMaxBackoffMs must be at least podInitialBackoffMs (${this.initialBackoffMs}), received ${this.maxBackoffMs}`,
      );
    }
  }

  /** Starts the two periodic flushes; each runs once now, then after every period. */
  run(): void {
    if (this.timers.length > 0) return; // running already (or closed: every() stops at once)
    this.every(BACKOFF_FLUSH_PERIOD_MS, () => this.flushBackoffQCompleted());
    this.every(UNSCHEDULABLE_FLUSH_PERIOD_MS, () => this.flushUnschedulablePodsLeftover());
  }

  /** Stops the flushes and rejects every waiting pop. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new QueueClosedError());
  }

  /** The cycle number of the last pop; the scheduler reads it right after pop resolves. */
  get schedulingCycle(): number {
    return this.cycle;
  }

  // #region add
  /** A new pending pod: straight to activeQ, replacing any stale entry elsewhere. */
  add(pod: Pod): void {
    const key = podKey(pod);
    this.unschedulablePods.delete(key);
    this.backoffQ.delete(key);
    this.moveToActiveQ(this.newQueuedPodInfo(pod), "PodAdd");
    this.nominator.addNominatedPod(pod);
    this.dispatch();
  }
  // #endregion add

  /**
   * A pending pod changed. In activeQ or backoffQ it is updated in place (its priority may move
   * it). In unschedulablePods, a change beyond status and bookkeeping may have fixed what was
   * wrong, so it moves on (backoffQ while backing off, else activeQ); any other change keeps it
   * there. A pod in no sub-queue is added to activeQ — also one in flight, as Kubernetes does
   * without QueueingHints (the scheduler skips the copy once the pod is assumed).
   */
  update(oldPod: Pod, newPod: Pod): void {
    this.nominator.updateNominatedPod(oldPod, newPod);
    const oldKey = podKey(oldPod);
    for (const heap of [this.activeQ, this.backoffQ]) {
      const info = heap.get(oldKey);
      if (info) {
        info.pod = newPod;
        heap.addOrUpdate(info);
        return;
      }
    }
    const key = podKey(newPod);
    const info = this.unschedulablePods.get(key);
    if (!info) {
      this.moveToActiveQ(this.newQueuedPodInfo(newPod), "PodUpdate");
      this.dispatch();
      return;
    }
    info.pod = newPod;
    if (!isPodUpdated(oldPod, newPod)) return;
    this.unschedulablePods.delete(key);
    this.requeue(info, "PodUpdate");
    this.dispatch();
  }

  /** The pod is gone (deleted, or bound by someone else): drop it from whichever sub-queue. */
  delete(pod: Pod): void {
    this.nominator.deleteNominatedPodIfExists(pod);
    const key = podKey(pod);
    if (this.activeQ.delete(key)) return;
    if (this.backoffQ.delete(key)) return;
    this.unschedulablePods.delete(key);
  }

  // #region pop
  /**
   * The next pod to schedule. Resolves at once when activeQ holds a pod, else when one arrives;
   * rejects with QueueClosedError if the queue is closed first. As in Kubernetes, closing only
   * ends the waiting: a pop on a closed queue still returns a pod activeQ holds. Each pop counts
   * an attempt and starts a new scheduling cycle.
   */
  pop(): Promise<QueuedPodInfo> {
    if (this.activeQ.size > 0) return Promise.resolve(this.take());
    if (this.closed) return Promise.reject(new QueueClosedError());
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
  }
  // #endregion pop

  /** The pod's scheduling cycle ended (bound, or given up on): it is no longer in flight. */
  done(pod: Pod): void {
    this.inFlight.delete(podKey(pod));
  }

  /** Pods popped and neither done nor put back (Kubernetes' InFlightPods, for debugging). */
  inFlightPods(): Pod[] {
    return [...this.inFlight.values()].map((i) => i.pod);
  }

  // #region addUnschedulableIfNotPresent
  /**
   * Puts back a pod whose attempt in cycle `podSchedulingCycle` failed; the caller has set
   * `info.unschedulablePlugins` to the plugins that rejected it.
   *
   * 1. The attempt is over: the pod leaves the in-flight set.
   * 2. Refuse a pod that is already queued (an update re-added it meanwhile).
   * 3. Restart its clock: backoff and the 5-minute stay count from now.
   * 4. A move request during or after its cycle, or no rejecting plugin → backoffQ;
   *    else unschedulablePods, to wait for an event that might help.
   */
  addUnschedulableIfNotPresent(info: QueuedPodInfo, podSchedulingCycle: number): void {
    const key = podKey(info.pod);
    this.inFlight.delete(key);
    const queued = this.whereIs(key);
    if (queued) throw new AlreadyQueuedError(key, queued);
    info.timestamp = this.clock.now();
    info.seq = this.seq++;
    if (this.moveRequestCycle >= podSchedulingCycle || info.unschedulablePlugins.size === 0) {
      this.backoffQ.addOrUpdate(info);
      this.onMove?.({ pod: key, to: "backoffQ", event: "ScheduleAttemptFailure" });
    } else {
      this.unschedulablePods.set(key, info);
      this.onMove?.({ pod: key, to: "unschedulablePods", event: "ScheduleAttemptFailure" });
    }
  }
  // #endregion addUnschedulableIfNotPresent

  // #region moveAllToActiveOrBackoffQueue
  /**
   * A cluster event happened. Every unschedulable pod that passes `preCheck` and that the event
   * could help (podMatchesEvent) moves to backoffQ if still backing off, else to activeQ. Then
   * the current cycle is recorded as the last move request, so pods being tried right now are
   * not parked in unschedulablePods on their return.
   */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, preCheck?: PreEnqueueCheck): void {
    const candidates = [...this.unschedulablePods.values()].filter(
      (info) => !preCheck || preCheck(info.pod),
    );
    this.movePods(candidates, event);
  }

  /**
   * movePodsToActiveOrBackoffQueue, shared by cluster events and the timed flush (whose
   * UnschedulableTimeout is a wildcard: it moves every pod it is given).
   */
  private movePods(infos: QueuedPodInfo[], event: ClusterEvent): void {
    for (const info of infos) {
      if (!podMatchesEvent(info.unschedulablePlugins, event, this.pluginEvents)) continue;
      this.unschedulablePods.delete(podKey(info.pod));
      this.requeue(info, event.label);
    }
    this.moveRequestCycle = this.cycle;
    this.dispatch();
  }
  // #endregion moveAllToActiveOrBackoffQueue

  /**
   * Every queued pod, for debugging, with Kubernetes' summary line. In-flight pods are not
   * pending and are not listed.
   */
  pendingPods(): { pods: Pod[]; summary: string } {
    const active = this.activeQ.list().sort((a, b) => (prioritySortLess(a, b) ? -1 : 1));
    const backoff = this.backoffQ
      .list()
      .sort((a, b) => this.backoffExpiry(a) - this.backoffExpiry(b) || a.seq - b.seq);
    const unschedulable = [...this.unschedulablePods.values()];
    return {
      pods: [...active, ...backoff, ...unschedulable].map((i) => i.pod),
      summary: `activeQ:${active.length}; backoffQ:${backoff.length}; unschedulablePods:${unschedulable.length}`,
    };
  }

  /** Which sub-queue holds the pod with this key, if any. */
  whereIs(key: string): SubQueue | undefined {
    if (this.activeQ.has(key)) return "activeQ";
    if (this.backoffQ.has(key)) return "backoffQ";
    if (this.unschedulablePods.has(key)) return "unschedulablePods";
    return undefined;
  }

  /** Moves backoffQ pods whose backoff has expired to activeQ, earliest expiry first. */
  private flushBackoffQCompleted(): void {
    const now = this.clock.now();
    for (let head = this.backoffQ.peek(); head; head = this.backoffQ.peek()) {
      if (this.backoffExpiry(head) > now) break;
      this.backoffQ.pop();
      this.activeQ.addOrUpdate(head);
      this.onMove?.({ pod: podKey(head.pod), to: "activeQ", event: "BackoffComplete" });
    }
    this.dispatch();
  }

  /**
   * Moves pods that stayed in unschedulablePods longer than the maximum. The stay must exceed
   * it strictly and is only checked every 30 s, so with the default 5 minutes a pod put there at
   * t=10 s (flushes at 0, 30, 60, ... s) is still there at t=300 s (290 s) and leaves at
   * t=330 s (320 s): a stay of 5 to 5.5 minutes.
   */
  private flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    const expired = [...this.unschedulablePods.values()].filter(
      (info) => now - info.timestamp > this.maxInUnschedulableMs,
    );
    if (expired.length > 0) this.movePods(expired, UnschedulableTimeout);
  }

  /**
   * To backoffQ while the pod's backoff runs, else to activeQ. The caller dispatches afterwards,
   * so a waiting pop sees the best pod of the whole batch (Kubernetes broadcasts once, at the end).
   */
  private requeue(info: QueuedPodInfo, event: string): void {
    // A gated pod was never tried: it has no backoff to wait out.
    if (!info.gated && this.backoffExpiry(info) > this.clock.now()) {
      this.backoffQ.addOrUpdate(info);
      this.onMove?.({ pod: podKey(info.pod), to: "backoffQ", event });
    } else this.moveToActiveQ(info, event);
  }

  // #region moveToActiveQ
  /**
   * Into activeQ, unless a PreEnqueue plugin holds the pod back: then into unschedulablePods,
   * gated, with the plugin as its rejector (runPreEnqueuePlugins in moveToActiveQ).
   */
  private moveToActiveQ(info: QueuedPodInfo, event: string): void {
    const key = podKey(info.pod);
    const s = this.preEnqueue?.(info.pod);
    if (s && s.code !== "Success") {
      info.gated = true;
      info.unschedulablePlugins = new Set(s.plugin ? [s.plugin] : []);
      this.unschedulablePods.set(key, info);
      this.onMove?.({ pod: key, to: "unschedulablePods", event: "Gated" });
      return;
    }
    info.gated = false;
    this.activeQ.addOrUpdate(info);
    this.onMove?.({ pod: key, to: "activeQ", event });
  }
  // #endregion moveToActiveQ

  private backoffExpiry(info: QueuedPodInfo): number {
    return (
      info.timestamp + backoffDuration(info.attempts, this.initialBackoffMs, this.maxBackoffMs)
    );
  }

  private newQueuedPodInfo(pod: Pod): QueuedPodInfo {
    const now = this.clock.now();
    return {
      pod,
      timestamp: now,
      seq: this.seq++,
      initialAttemptTimestamp: now,
      attempts: 0,
      unschedulablePlugins: new Set(),
    };
  }

  /** Pops activeQ's head for a scheduling attempt. */
  private take(): QueuedPodInfo {
    const info = this.activeQ.pop() as QueuedPodInfo;
    info.attempts++;
    this.cycle++;
    this.inFlight.set(podKey(info.pod), info);
    this.onMove?.({ pod: podKey(info.pod), to: "popped", event: "Pop" });
    return info;
  }

  /** Hands activeQ pods to waiting pops, oldest waiter first. */
  private dispatch(): void {
    while (this.waiters.length > 0 && this.activeQ.size > 0) {
      const waiter = this.waiters.shift() as Waiter;
      waiter.resolve(this.take());
    }
  }

  /** wait.Until: runs `fn` now, then `periodMs` after each run finishes, until close. */
  private every(periodMs: number, fn: () => void): void {
    const slot = this.timers.length;
    const tick = () => {
      if (this.closed) return;
      fn();
      this.timers[slot] = this.clock.setTimeout(tick, periodMs);
    };
    tick();
  }
}

/**
 * Whether an update might change the scheduling outcome: anything but status, resourceVersion,
 * generation, managedFields and finalizers (Kubernetes' isPodUpdated).
 */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (pod: Pod) => {
    const metadata = { ...pod.metadata };
    delete metadata.resourceVersion;
    delete metadata.generation;
    delete metadata.managedFields;
    delete metadata.finalizers;
    const stripped: Record<string, unknown> = { ...pod, metadata };
    delete stripped.status;
    return stripped;
  };
  return !isDeepStrictEqual(strip(oldPod), strip(newPod));
}
