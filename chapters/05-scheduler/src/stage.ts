/**
 * The stage both of the chapter's stories play on: a real API server, the real kube-scheduler
 * (its own identity, leader-elected, over HTTPS), and an observer — an admin client with its own
 * informers on pods and events, which sees only what any `kubectl get -w` would see.
 *
 * Guarantees:
 * - Every cycle the scheduler runs is narrated as it happens (its onCycle hook) and kept in
 *   `cycles`; nothing the stories say about a placement comes from anywhere but the scheduler's
 *   own reports (its hooks, and its queue inspected in process) and the API server.
 * - `close` stops everything `openStage` started and deletes the server's data directory; the
 *   caller runs it in a `finally`, so an error anywhere still cleans up.
 */
import type { Node, Pod } from "@tinykube/core/api/types";
import type { CoreEvent } from "@tinykube/core/client/events";
import { builtinType, SharedInformerFactory } from "@tinykube/core/client/factory";
import { unwrapTombstone } from "@tinykube/core/client/informer";
import type { Lease } from "@tinykube/core/client/leader-election";
import type { ResourceClient, RestClient } from "@tinykube/core/client/rest";
import type { QueueMove } from "@tinykube/core/scheduler/scheduler";
import {
  type RunningScheduler,
  type StartSchedulerOptions,
  startScheduler,
} from "@tinykube/core/scheduler/start";
import { openClusterStage, type Say } from "@tinykube/core/testing/stage";
import { type CycleSummary, cycleTable, summarize } from "./cycle-table.ts";

export type { Say };

/** The scheduler's name in the Lease, and in the narration. */
export const SCHEDULER_IDENTITY = "scheduler-1";
const NS = "default";

export interface Stage {
  say: Say;
  admin: RestClient;
  pods: ResourceClient<Pod>;
  nodes: ResourceClient<Node>;
  scheduler: RunningScheduler;
  /** Every scheduling cycle so far, in the order the scheduler ran them. */
  cycles: CycleSummary[];
  /** Every move in the scheduler's queue so far ("default/big → unschedulablePods (NodeAdd)"). */
  moves: QueueMove[];
  /** Pods ("default/big") whose queue moves are narrated as they happen. */
  narrateQueueFor: Set<string>;
  /** The Lease's holderIdentity once the scheduler leads. */
  leader: string;
  /** The observer's latest copy of each pod in the namespace, by name. */
  seenPods: Map<string, Pod>;
  /** Every event the observer saw, in order (a repeat that only bumps `count` is not added). */
  seenEvents: CoreEvent[];
  close(): Promise<void>;
}

export interface StageOptions {
  say: Say;
  /** The scheduler's configuration and extra plugins (the --use-lab mode). */
  scheduler?: Pick<StartSchedulerOptions, "config" | "outOfTreeRegistry">;
}

export async function openStage(options: StageOptions): Promise<Stage> {
  const { say } = options;
  const base = await openClusterStage({ chapter: "chapter 5", say });
  const { api, admin } = base;
  try {
    const observer = new SharedInformerFactory(admin);
    const seenPods = new Map<string, Pod>();
    const seenEvents: CoreEvent[] = [];
    const pods = observer.informerFor<Pod>("pods");
    pods.addEventHandler({
      onAdd: (p) => seenPods.set(p.metadata.name as string, p),
      onUpdate: (_, p) => seenPods.set(p.metadata.name as string, p),
      onDelete: (p) => seenPods.delete(unwrapTombstone(p).metadata.name as string),
    });
    observer.informerFor<CoreEvent>("events").addEventHandler({
      onAdd: (e) => seenEvents.push(e),
    });
    observer.start();
    base.defer(() => observer.stop());
    await observer.waitForCacheSync();

    const cycles: CycleSummary[] = [];
    const moves: QueueMove[] = [];
    const narrateQueueFor = new Set<string>();
    const leaseTimes = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };
    say(
      `[kube-scheduler] starting as ${SCHEDULER_IDENTITY}, user system:kube-scheduler, leader election on the ` +
        "Lease kube-system/kube-scheduler (shortened: lease 3 s, renew deadline 2 s, retry 0.5 s; Kubernetes: 15 s, 10 s, 2 s)",
    );
    const scheduler = startScheduler({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:kube-scheduler") as string,
      identity: SCHEDULER_IDENTITY,
      leaderElection: leaseTimes,
      ...options.scheduler,
      log: (line) => {
        if (line.includes("became leader") || line.startsWith("[scheduler]")) say(line);
      },
      onQueue: (move) => {
        moves.push(move);
        if (narrateQueueFor.has(move.pod)) {
          say(`[scheduler queue] ${move.pod} → ${move.to} (${move.event})`);
        }
      },
      onCycle: (trace) => {
        const summary = summarize(trace);
        cycles.push(summary);
        for (const line of cycleTable(summary)) say(line);
      },
    });
    base.defer(() => scheduler.stop());
    await until(() => scheduler.isLeading() && scheduler.scheduler() !== undefined, "a leader");
    const lease = await admin
      .resource<Lease>(builtinType("coordination.k8s.io/leases"), "kube-system")
      .get("kube-scheduler");
    const leader = lease.spec?.holderIdentity ?? "";
    say(
      `[observer] Lease kube-system/kube-scheduler: holderIdentity ${leader}, leaseDurationSeconds ` +
        `${lease.spec?.leaseDurationSeconds}: this copy schedules; a second copy would wait for the lease\n`,
    );
    return {
      say,
      admin,
      pods: admin.resource<Pod>(builtinType("pods"), NS),
      nodes: admin.resource<Node>(builtinType("nodes")),
      scheduler,
      cycles,
      moves,
      narrateQueueFor,
      leader,
      seenPods,
      seenEvents,
      close: base.close,
    };
  } catch (error) {
    await base.close().catch(() => {});
    throw error;
  }
}

/** The node the observer sees the pod bound to, if it is. */
export function boundTo(stage: Stage, name: string): string | undefined {
  return stage.seenPods.get(name)?.spec.nodeName;
}

export function eventFor(stage: Stage, name: string, reason: string): CoreEvent | undefined {
  return stage.seenEvents.findLast(
    (e) => e.reason === reason && e.involvedObject.name === name && e.involvedObject.kind === "Pod",
  );
}

/**
 * Waits until the observer sees the pod bound and the scheduler's Scheduled event for it, then
 * narrates both; returns the node.
 */
export async function waitBound(stage: Stage, name: string): Promise<string> {
  const [node, event] = await until(() => {
    const n = boundTo(stage, name);
    const e = eventFor(stage, name, "Scheduled");
    return n && e ? ([n, e] as const) : undefined;
  }, `${name} bound`);
  stage.say(
    `[observer] pod ${name}: spec.nodeName=${node}; event ${event.reason} (${event.source.component}): ${event.message}`,
  );
  return node;
}

/** Waits for the FailedScheduling event and the PodScheduled=False condition; returns the message. */
export async function waitFailed(stage: Stage, name: string): Promise<string> {
  const event = await until(() => {
    const pod = stage.seenPods.get(name);
    const condition = pod?.status?.conditions?.find(
      (c) => c.type === "PodScheduled" && c.status === "False",
    );
    return condition ? eventFor(stage, name, "FailedScheduling") : undefined;
  }, `FailedScheduling for ${name}`);
  stage.say(
    `[observer] pod ${name}: no spec.nodeName, condition PodScheduled=False reason Unschedulable; ` +
      `event ${event.reason} (${event.source.component}):\n    ${event.message}`,
  );
  return event.message;
}

/** Polls `check` every 5 ms until it gives a value other than undefined or false. */
export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`chapter 5: no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
