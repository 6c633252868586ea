/**
 * Running the scheduler as kube-scheduler runs: its own identity (system:kube-scheduler), its own
 * informers, and leader election on the Lease kube-system/kube-scheduler, so that of several
 * copies only one schedules. A second scheduler with another name (and its own lease) can run
 * beside it; each takes only the pods whose spec.schedulerName names one of its profiles.
 */

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Pod } from "../api/types.ts";
import { EventRecorder, eventSink } from "../client/events.ts";
import { builtinType, SharedInformerFactory } from "../client/factory.ts";
import { LeaderElector, type Lease } from "../client/leader-election.ts";
import { RestClient } from "../client/rest.ts";
import { type Clock, realClock } from "../util/clock.ts";
import type { SchedulerConfig } from "./framework/config.ts";
import { Scheduler, type SchedulerOptions } from "./scheduler.ts";

export interface StartSchedulerOptions {
  server: string;
  caPem: string;
  token: string;
  config?: SchedulerConfig;
  /** kube-scheduler's --kube-api-qps 50 and --kube-api-burst 100; 0 lifts the limit. */
  qps?: number;
  burst?: number;
  /**
   * Unset: the configuration's leaderElection block (by default the Lease
   * kube-system/kube-scheduler, 15 s / 10 s / 2 s); false: no election, schedule at once.
   */
  leaderElection?:
    | false
    | {
        leaseName?: string;
        leaseNamespace?: string;
        leaseDurationMs?: number;
        renewDeadlineMs?: number;
        retryPeriodMs?: number;
      };
  identity?: string;
  clock?: Clock;
  log?: (line: string) => void;
  onLeading?: (leading: boolean) => void;
  /** Passed to the Scheduler: extra plugins, and what each cycle saw (for narration). */
  outOfTreeRegistry?: SchedulerOptions["outOfTreeRegistry"];
  onCycle?: SchedulerOptions["onCycle"];
  onScheduled?: SchedulerOptions["onScheduled"];
  onFailed?: SchedulerOptions["onFailed"];
  onQueue?: SchedulerOptions["onQueue"];
}

export interface RunningScheduler {
  isLeading(): boolean;
  scheduler(): Scheduler | undefined;
  stop(): Promise<void>;
}

// #region startScheduler
export function startScheduler(options: StartSchedulerOptions): RunningScheduler {
  const clock = options.clock ?? realClock;
  const log = options.log ?? (() => {});
  const client = new RestClient({
    server: options.server,
    caPem: options.caPem,
    token: options.token,
    userAgent: "kube-scheduler",
    qps: options.qps ?? 50,
    burst: options.burst ?? 100,
    clock,
  });
  let session: { scheduler: Scheduler; stop(): Promise<void> } | undefined;

  const lead = () => {
    const informers = new SharedInformerFactory(client, { clock });
    const recorder = new EventRecorder({
      sink: eventSink(client.resource(builtinType("events"))),
      // Events name the scheduler that wrote them (reportingController), as each profile does.
      component: options.config?.profiles[0]?.schedulerName ?? "default-scheduler",
      clock,
      log,
    });
    const scheduler = new Scheduler({
      informers,
      pods: client.resource<Pod>(builtinType("pods")),
      recorder,
      config: options.config,
      clock,
      log,
      outOfTreeRegistry: options.outOfTreeRegistry,
      onCycle: options.onCycle,
      onScheduled: options.onScheduled,
      onFailed: options.onFailed,
      onQueue: options.onQueue,
    });
    informers.start();
    const running = informers
      .waitForCacheSync()
      .then((synced) => (synced ? scheduler.run() : undefined));
    let stopping: Promise<void> | undefined;
    session = {
      scheduler,
      stop: () => {
        stopping ??= (async () => {
          scheduler.stop();
          await informers.stop();
          await running.catch((error: unknown) =>
            log(`[scheduler] stopped with: ${error instanceof Error ? error.message : error}`),
          );
          await recorder.flush();
        })();
        return stopping;
      },
    };
    options.onLeading?.(true);
    return session;
  };

  const fromConfig = options.config?.leaderElection;
  const election =
    options.leaderElection ??
    (fromConfig === undefined
      ? {}
      : fromConfig.leaderElect && {
          leaseName: fromConfig.resourceName,
          leaseNamespace: fromConfig.resourceNamespace,
          leaseDurationMs: fromConfig.leaseDurationMs,
          renewDeadlineMs: fromConfig.renewDeadlineMs,
          retryPeriodMs: fromConfig.retryPeriodMs,
        });
  if (election === false) {
    lead();
    return {
      isLeading: () => session !== undefined,
      scheduler: () => session?.scheduler,
      async stop() {
        await session?.stop();
        session = undefined;
        client.close();
      },
    };
  }
  const elector = new LeaderElector({
    leases: client.resource<Lease>(
      builtinType("coordination.k8s.io/leases"),
      election.leaseNamespace ?? "kube-system",
    ),
    name: election.leaseName ?? "kube-scheduler",
    identity: options.identity ?? `${hostname()}_${randomUUID()}`,
    clock,
    ...election,
    onStartedLeading: (signal) => {
      const own = lead();
      signal.addEventListener("abort", () => {
        void own.stop().then(() => options.onLeading?.(false));
        if (session === own) session = undefined;
      });
    },
    log,
  });
  void elector.run();
  return {
    isLeading: () => elector.isLeader(),
    scheduler: () => session?.scheduler,
    async stop() {
      const ending = session;
      await elector.stop();
      await ending?.stop();
      client.close();
    },
  };
}
// #endregion startScheduler
