/**
 * Chapter 4, as a function the test can run: a real API server and a real controller manager
 * (leader-elected, its own identity, over HTTPS), a Deployment applied, and everything that
 * follows narrated from what the system reports — the controllers' queues, their Events, and the
 * ReplicaSets and pods an observer's informers see.
 *
 * No scheduler or kubelet exists yet (chapters 5 and 6): the chapter marks pods Running and
 * Ready itself, through the status subresource, and says so each time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "@tinykube/core/api/object";
import type { Deployment, Pod, ReplicaSet } from "@tinykube/core/api/types";
import { startApiServer } from "@tinykube/core/apiserver/start";
import { builtinType, SharedInformerFactory } from "@tinykube/core/client/factory";
import { RestClient } from "@tinykube/core/client/rest";
import { type QueueEvent, startControllerManager } from "@tinykube/core/controllers/manager";

export interface ChapterFacts {
  leader: string;
  /** The ReplicaSet the Deployment got, and how many pods it made. */
  firstRS: string;
  firstPods: number;
  /** What the queues did while the first Deployment came up. */
  queues: {
    deploymentAdds: number;
    deploymentReconciles: number;
    replicasetAdds: number;
    replicasetReconciles: number;
  };
  /** Each step of the rolling update: pods of the new and old ReplicaSet, and how many were available. */
  steps: { newRS: number; oldRS: number; total: number; available: number }[];
  maxSurge: number;
  maxUnavailable: number;
  /** Revisions after the rollback: the old template comes back as revision 3. */
  revisionsAfterUndo: string[];
  rolledBackTo: string;
}

const NS = "default";

export async function runChapter(say: (line: string) => void): Promise<ChapterFacts> {
  const dataDir = await mkdtemp(join(tmpdir(), "tinykube-ch04-"));
  const api = await startApiServer({ dataDir, port: 0, fsync: false });
  const admin = new RestClient({
    server: api.url,
    caPem: api.caCertPem,
    token: api.tokenFor("admin"),
    qps: 0,
  });
  const observer = new SharedInformerFactory(admin);
  const queueCounts = new Map<string, number>();
  let narrateQueues = true;
  let leader = "";
  const manager = startControllerManager({
    server: api.url,
    caPem: api.caCertPem,
    token: api.tokenFor("system:kube-controller-manager") as string,
    identity: "controller-manager-1",
    leaderElection: { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 },
    log: (line) => {
      if (line.includes("leader is")) leader = line.slice(line.indexOf("leader is ") + 10);
      if (line.startsWith("[controller-manager]") || line.includes("became leader")) say(line);
    },
    onQueue: (e: QueueEvent) => {
      const id = `${e.queue} ${e.op}`;
      queueCounts.set(id, (queueCounts.get(id) ?? 0) + 1);
      if (narrateQueues && e.op !== "done") {
        say(
          `  [${e.queue}-controller] ${e.op === "add" ? "queue ← " : "worker reconciles "}${e.key}`,
        );
      }
    },
  });
  try {
    return await story(
      say,
      admin,
      observer,
      queueCounts,
      () => {
        narrateQueues = false;
      },
      () => leader,
    );
  } finally {
    await manager.stop();
    await observer.stop();
    admin.close();
    await api.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function story(
  say: (line: string) => void,
  admin: RestClient,
  observer: SharedInformerFactory,
  queueCounts: Map<string, number>,
  quietQueues: () => void,
  leader: () => string,
): Promise<ChapterFacts> {
  const deployments = admin.resource<Deployment>(builtinType("apps/deployments"), NS);
  const rses = admin.resource<ReplicaSet>(builtinType("apps/replicasets"), NS);
  const pods = admin.resource<Pod>(builtinType("pods"), NS);

  // The observer: events as the controllers record them.
  const events = observer.informerFor<
    KubeObject & { reason: string; message: string; source?: { component?: string } }
  >("events");
  let scalings = 0;
  events.addEventHandler({
    onAdd: (e) => {
      if (e.reason === "ScalingReplicaSet") scalings += 1;
      say(`  [${e.source?.component}] event ${e.reason}: ${e.message}`);
    },
    onUpdate: (old, e) => {
      if (
        e.reason === "ScalingReplicaSet" &&
        old.metadata.resourceVersion !== e.metadata.resourceVersion
      )
        scalings += 1;
    },
  });
  observer.start();
  await observer.waitForCacheSync();
  await until(() => leader() !== "", "a leader");
  say(
    `[leader-election] the Lease kube-system/kube-controller-manager is held by ${leader()}: its controllers run\n`,
  );

  say("── Steps ③ and ④: apply a Deployment ──");
  say(
    "[you] create Deployment web: 4 replicas of tinykube/hello:1.0, RollingUpdate maxSurge 1, maxUnavailable 1",
  );
  await deployments.create(deployment("tinykube/hello:1.0"));
  const first = await until(async () => {
    const list = (await pods.list({ labelSelector: "app=web" })).items;
    return list.length === 4 ? list : undefined;
  }, "4 pods");
  await until(() => steady(rses, pods, deployments), "the ReplicaSet's status to count its pods");
  quietQueues();
  const rsList = (await rses.list({ labelSelector: "app=web" })).items;
  const firstRS = rsList[0] as ReplicaSet;
  const queues = {
    deploymentAdds: queueCounts.get("deployment add") ?? 0,
    deploymentReconciles: queueCounts.get("deployment reconcile") ?? 0,
    replicasetAdds: queueCounts.get("replicaset add") ?? 0,
    replicasetReconciles: queueCounts.get("replicaset reconcile") ?? 0,
  };
  say(
    `\n[observer] Deployment web → ReplicaSet ${firstRS.metadata.name} (pod-template-hash ${firstRS.metadata.labels?.["pod-template-hash"]}) → ` +
      `${first.length} pods: ${first.map((p) => p.metadata.name).join(", ")}`,
  );
  say(
    `[observer] the queues took ${queues.deploymentAdds} adds for ${queues.deploymentReconciles} deployment reconciles and ` +
      `${queues.replicasetAdds} adds for ${queues.replicasetReconciles} replicaset reconciles: a key waiting in a queue is queued once`,
  );
  say(
    "[stand-in kubelet] no kubelet yet (chapter 6): marking the 4 pods Running and Ready through pods/status",
  );
  await ready(admin, first);
  await until(
    async () => ((await deployments.get("web")).status?.availableReplicas === 4 ? true : undefined),
    "4 available",
  );
  say("[observer] Deployment web: 4/4 available\n");

  say("── A rolling update: tinykube/hello:1.0 → 2.0 ──");
  say(
    "4 replicas, maxSurge 1 (at most 5 pods), maxUnavailable 1 (at least 3 available). Each step, the",
  );
  say(
    "stand-in kubelet makes the new pods ready, one step at a time, so each decision is visible.",
  );
  const d = await deployments.get("web");
  await deployments.update({ ...d, spec: { ...d.spec, template: template("tinykube/hello:2.0") } });
  const complete = async () => {
    const dep = await deployments.get("web");
    const s = dep.status;
    return (
      s?.observedGeneration === dep.metadata.generation &&
      s?.updatedReplicas === 4 &&
      s?.replicas === 4 &&
      s?.availableReplicas === 4
    );
  };
  const steps: ChapterFacts["steps"] = [];
  let seen = scalings;
  for (let step = 1; step < 20; step++) {
    // A step is the deployment controller scaling a ReplicaSet, and the replicaset controller
    // creating or deleting the pods for it.
    await until(
      async () => scalings > seen || (await complete()),
      "the deployment controller's next step",
    );
    seen = scalings;
    await until(() => steady(rses, pods, deployments), "the ReplicaSets to have their pods");
    const state = await snapshot(rses, pods);
    const last = steps.at(-1);
    if (last && JSON.stringify(last) === JSON.stringify(state)) {
      if (await complete()) break;
      continue;
    }
    steps.push(state);
    say(
      `  step ${steps.length}: new ReplicaSet ${state.newRS} pods, old ${state.oldRS}; ${state.total} pods in all, ` +
        `${state.available} available (limits: ≤ 5 pods, ≥ 3 available)`,
    );
    if (await complete()) break;
    const notReady = (await pods.list({ labelSelector: "app=web" })).items.filter(
      (p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Running",
    );
    if (notReady.length > 0) {
      say(
        `  [stand-in kubelet] ${notReady.length} new pod(s) ready: ${notReady.map((p) => p.metadata.name).join(", ")}`,
      );
      await ready(admin, notReady);
    }
    // Old pods wait in Terminating for a kubelet; one that existed would finish them off.
    for (const p of (await pods.list({ labelSelector: "app=web" })).items.filter(
      (x) => x.metadata.deletionTimestamp,
    )) {
      await pods.delete(p.metadata.name as string, { gracePeriodSeconds: 0 });
    }
  }
  say("[observer] rollout complete: every pod runs tinykube/hello:2.0\n");

  say("── Rollback: kubectl rollout undo ──");
  say("[you] kubectl rollout undo copies revision 1's pod template back into the Deployment");
  const revision1 = (await rses.list({ labelSelector: "app=web" })).items.find(
    (rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"] === "1",
  ) as ReplicaSet;
  const back = await deployments.get("web");
  const restored = structuredClone(revision1.spec.template);
  delete restored.metadata?.labels?.["pod-template-hash"];
  await deployments.update({ ...back, spec: { ...back.spec, template: restored } });
  await until(async () => {
    const ps = (await pods.list({ labelSelector: "app=web" })).items;
    await ready(
      admin,
      ps.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Running"),
    );
    for (const p of ps.filter((x) => x.metadata.deletionTimestamp))
      await pods.delete(p.metadata.name as string, { gracePeriodSeconds: 0 });
    return (await complete()) ? true : undefined;
  }, "the rollback");
  const after = (await rses.list({ labelSelector: "app=web" })).items;
  const revisions = after
    .map(
      (rs) =>
        `${rs.metadata.annotations?.["deployment.kubernetes.io/revision"]}:${rs.spec.template.spec.containers[0]?.image}`,
    )
    .sort();
  const rolledBackTo =
    after.find((rs) => rs.metadata.uid === revision1.metadata.uid)?.metadata.annotations?.[
      "deployment.kubernetes.io/revision"
    ] ?? "";
  say(
    `[observer] the revision-1 ReplicaSet ${revision1.metadata.name} is the new one again, now revision ${rolledBackTo}; ` +
      `ReplicaSets by revision: ${revisions.join(", ")}`,
  );
  return {
    leader: leader(),
    firstRS: firstRS.metadata.name as string,
    firstPods: first.length,
    queues,
    steps,
    maxSurge: 1,
    maxUnavailable: 1,
    revisionsAfterUndo: revisions,
    rolledBackTo,
  };
}

function template(image: string) {
  return { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "hello", image }] } };
}

function deployment(image: string): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: template(image),
    },
  };
}

/** What the stand-in kubelet reports: Running, Ready since now. */
async function ready(admin: RestClient, list: Pod[]): Promise<void> {
  const pods = admin.resource<Pod>(builtinType("pods"), NS);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  for (const p of list) {
    await pods.patch(
      p.metadata.name as string,
      {
        status: {
          phase: "Running",
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }],
        },
      },
      "merge",
      { subresource: "status" },
    );
  }
}

async function snapshot(
  rses: ReturnType<RestClient["resource"]>,
  pods: ReturnType<RestClient["resource"]>,
): Promise<ChapterFacts["steps"][number]> {
  const all = (await rses.list({ labelSelector: "app=web" })).items as ReplicaSet[];
  const newest = all.find(
    (rs) => rs.spec.template.spec.containers[0]?.image === "tinykube/hello:2.0",
  );
  const live = ((await pods.list({ labelSelector: "app=web" })).items as Pod[]).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  const hash = newest?.metadata.labels?.["pod-template-hash"];
  const inNew = live.filter((p) => p.metadata.labels?.["pod-template-hash"] === hash);
  return {
    newRS: inNew.length,
    oldRS: live.length - inNew.length,
    total: live.length,
    available: live.filter((p) => p.status?.phase === "Running").length,
  };
}

/**
 * Whether the controllers have caught up with the last change: every ReplicaSet has as many live
 * pods as its spec asks, and has reported them, for its current spec.
 */
async function steady(
  rses: ReturnType<RestClient["resource"]>,
  pods: ReturnType<RestClient["resource"]>,
  deployments: ReturnType<RestClient["resource"]>,
): Promise<boolean> {
  const d = (await deployments.get("web")) as Deployment;
  if (d.status?.observedGeneration !== d.metadata.generation) return false;
  const live = ((await pods.list({ labelSelector: "app=web" })).items as Pod[]).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  return ((await rses.list({ labelSelector: "app=web" })).items as ReplicaSet[]).every((rs) => {
    const hash = rs.metadata.labels?.["pod-template-hash"];
    const mine = live.filter((p) => p.metadata.labels?.["pod-template-hash"] === hash).length;
    return (
      mine === rs.spec.replicas &&
      rs.status?.replicas === mine &&
      rs.status?.observedGeneration === rs.metadata.generation
    );
  });
}

async function until<T>(
  check: () => Promise<T | undefined> | T | undefined | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`chapter 4: no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
