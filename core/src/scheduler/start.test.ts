/**
 * Running schedulers as kube-scheduler runs: leader-elected, and a second scheduler beside the
 * default one. Kubernetes' "Configure Multiple Schedulers" recipe, through the API server: the
 * second scheduler has its own profile name and its own Lease, which the system:kube-scheduler
 * role does not cover, so an administrator grants it — as the Kubernetes docs have you do.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import type { CoreEvent } from "../client/events.ts";
import { builtinType } from "../client/factory.ts";
import type { Lease } from "../client/leader-election.ts";
import { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { e2eNode, e2ePod, grantSchedulerLease } from "./e2e-testing.ts";
import { parseSchedulerConfig } from "./framework/config.ts";
import { type RunningScheduler, startScheduler } from "./start.ts";

const FAST = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

describe("startScheduler", () => {
  let api: TestApiServer | undefined;
  const running: RunningScheduler[] = [];
  const clients: RestClient[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
    for (const c of clients.splice(0)) c.close();
    await api?.stop();
    api = undefined;
  });

  const setUp = async () => {
    api = await startTestApiServer();
    const admin = new RestClient({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("admin"),
      qps: 0,
    });
    clients.push(admin);
    await admin.resource<Node>(builtinType("nodes")).create(e2eNode("n1"));
    const start = (identity: string, extra: Partial<Parameters<typeof startScheduler>[0]> = {}) => {
      const s = startScheduler({
        server: (api as TestApiServer).url,
        caPem: (api as TestApiServer).caCertPem,
        token: (api as TestApiServer).tokenFor("system:kube-scheduler") as string,
        identity,
        leaderElection: FAST,
        ...extra,
      });
      running.push(s);
      return s;
    };
    return { api, admin, start };
  };

  it("of two copies of the default scheduler, one leads and the other waits", async () => {
    const { admin, start } = await setUp();
    const a = start("scheduler-a");
    await eventually(async () => a.isLeading(), Boolean, "scheduler-a leading");
    const b = start("scheduler-b");
    const pods = admin.resource<Pod>(builtinType("pods"), "default");
    await pods.create(e2ePod("p"));
    await eventually(
      () => pods.get("p"),
      (p) => Boolean(p.spec.nodeName),
      "p bound",
    );
    expect(b.isLeading(), "the second copy never took over").toBe(false);
    const lease = await admin
      .resource<Lease>(builtinType("coordination.k8s.io/leases"), "kube-system")
      .get("kube-scheduler");
    expect(lease.spec?.holderIdentity).toBe("scheduler-a");
  });

  it("a second scheduler with its own name binds only the pods that name it", async () => {
    const { admin, start } = await setUp();
    // Its Lease is not kube-scheduler: grant the role for it, as the Kubernetes docs do.
    await grantSchedulerLease(admin, "my-scheduler");
    const seen: string[] = [];
    start("default-1", { onScheduled: (p) => seen.push(`default:${p.metadata.name}`) });
    const mine = start("mine-1", {
      config: parseSchedulerConfig(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: my-scheduler
`),
      leaderElection: { ...FAST, leaseName: "my-scheduler" },
      onScheduled: (p) => seen.push(`mine:${p.metadata.name}`),
    });
    await eventually(async () => mine.isLeading(), Boolean, "my-scheduler leading");

    const pods = admin.resource<Pod>(builtinType("pods"), "default");
    await pods.create(e2ePod("plain"));
    await pods.create({
      ...e2ePod("custom"),
      spec: { ...e2ePod("custom").spec, schedulerName: "my-scheduler" },
    });
    await pods.create({
      ...e2ePod("orphan"),
      spec: { ...e2ePod("orphan").spec, schedulerName: "nobody" },
    });
    for (const name of ["plain", "custom"]) {
      await eventually(
        () => pods.get(name),
        (p) => p.spec.nodeName === "n1",
        `${name} bound`,
      );
    }
    expect(seen.sort()).toEqual(["default:plain", "mine:custom"]);
    // The Scheduled events name the scheduler that wrote them.
    const events = admin.resource<CoreEvent>(builtinType("events"), "default");
    const scheduled = await eventually(
      async () => (await events.list()).items.filter((e) => e.reason === "Scheduled"),
      (list) => list.length === 2,
      "two Scheduled events",
    );
    const by = Object.fromEntries(
      scheduled.map((e) => [e.involvedObject.name, e.source.component]),
    );
    expect(by).toEqual({ plain: "default-scheduler", custom: "my-scheduler" });
    // A pod naming a scheduler nobody runs is left alone: no node, no PodScheduled condition.
    const orphan = await pods.get("orphan");
    expect(orphan.spec.nodeName).toBeUndefined();
    expect(orphan.status?.conditions ?? []).toEqual([]);
  });
});
