/**
 * Chapter 3, as a function: a session against a real tinykube API server that follows the client
 * machinery every controller is built on, and shows, in order, what the docs page explains:
 *
 * 1. a reflector lists configmaps and watches from the list's resourceVersion, with bookmarks;
 * 2. changes arrive as events, the informer updates its cache and calls its handlers with the
 *    old and new object, and an index answers from the cache;
 * 3. the watch is cut, the API server's watch cache forgets the history meanwhile, the reconnect
 *    gets 410 Gone, the reflector lists again and the handlers get a tombstone;
 * 4. a controller's handlers enqueue keys: a burst of 100 updates becomes a few reconciles, and a
 *    failing reconcile is retried with the rate limiter's growing delays;
 * 5. two leader-election candidates share a Lease; the leader is cut off and the other takes over.
 *
 * `main.ts` prints it; the chapter's test runs it and checks what it shows. Every number printed
 * is read from the running system.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "@tinykube/core/api/object";
import { type CoreEvent, EventRecorder, eventSink } from "@tinykube/core/client/events";
import { builtinType } from "@tinykube/core/client/factory";
import {
  type DeletedFinalStateUnknown,
  isTombstone,
  SharedIndexInformer,
  waitForCacheSync,
} from "@tinykube/core/client/informer";
import { LeaderElector, type Lease, type LeaseClient } from "@tinykube/core/client/leader-election";
import type { ReflectorEvent } from "@tinykube/core/client/reflector";
import { RestClient, type WatchEventOf } from "@tinykube/core/client/rest";
import { CuttableListerWatcher } from "@tinykube/core/client/testing";
import { defaultControllerRateLimiter, type RateLimiter } from "@tinykube/core/client/workqueue";
import { startTestApiServer, type TestApiServer } from "@tinykube/core/testing/cluster";
import { MirrorController, type MirrorEvent } from "./mirror-controller.ts";
import { type ListerWatcherCall, NarratingListerWatcher } from "./narrating-lister-watcher.ts";

export interface ChapterFacts {
  firstList: {
    /** The resourceVersion the reflector asked the list for ("0": any recent state). */
    requested: string;
    count: number;
    resourceVersion: string;
  };
  firstWatch: { from: string; allowWatchBookmarks: boolean; bookmark: string };
  /** Handler calls of steps 2 and 3, as "add checkout@52", "update cart 49->53", ... */
  handlerCalls: string[];
  index: { names: string[]; requestsDuringLookup: number };
  gone: {
    /** The resourceVersion the reconnecting watch asked to resume from. */
    resumeFrom: string;
    /** The watch cache's window when the watch came back: it held changes after `oldest`. */
    oldest: number;
    window: number;
    message: string;
  };
  relist: { requested: string; consistent: boolean; count: number; resourceVersion: string };
  tombstone: { key: string; resourceVersion: string } | undefined;
  /**
   * Watchers of the configmaps watch cache: before the informer started, then before and after
   * the controller's handler joined it.
   */
  sharing: { atStart: number; before: number; after: number };
  burst: {
    updates: number;
    /** onUpdate calls the controller's handler got during the burst: each enqueued its key. */
    events: number;
    reconciles: number;
    workers: number;
    perKey: Record<string, { events: number; reconciles: number }>;
    /** Times a worker got a key another worker still held (the queue promises 0). */
    overlaps: number;
    /** Every copy on the server equals its source's last state. */
    copiesMatch: boolean;
  };
  retry: {
    error: string;
    /** Per failure: the delay the rate limiter chose and how long the key actually waited. */
    failures: { delayMs: number; waitedMs: number | undefined }[];
    succeeded: boolean;
    eventCount: number;
  };
  leader: {
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
    firstLeader: string;
    /** This and the other times: milliseconds since step 5 began. */
    firstStartedAt: number;
    lastRenewalAt: number;
    cutAt: number;
    firstStoppedAt: number;
    secondLeader: string;
    secondStartedAt: number;
    holder: string;
    leaseTransitions: number;
  };
  bookmarks: number;
}

/** Changes the watch cache keeps; step 3 makes more than this while the watch is down. */
const WATCH_CACHE_WINDOW = 10;
/** Kubernetes sends bookmarks about once a minute; the chapter cannot wait that long. */
const BOOKMARK_INTERVAL_MS = 300;
/** kube-controller-manager's client budget (--kube-api-qps 20, --kube-api-burst 30). */
const CONTROLLER_QPS = 20;
const CONTROLLER_BURST = 30;
const BURST_UPDATES = 100;
const WORKERS = 2;
/** Failures before step 4's operator raises the quota and the next retry succeeds. */
const FAILURES_BEFORE_FIX = 5;
/** Leader election shortened from 15 s / 10 s / 2 s, keeping lease > renew deadline > retry. */
const LEASE_MS = 1000;
const RENEW_DEADLINE_MS = 700;
const RETRY_PERIOD_MS = 200;
/** The longest any wait in the chapter may take before it fails, naming what it waited for. */
const DEADLINE_MS = 8000;

const CLIENT = "[client]";

type Say = (line: string) => void;

export async function runChapter(say: Say): Promise<ChapterFacts> {
  const dataDir = await mkdtemp(join(tmpdir(), "tinykube-chapter3-"));
  const cleanups: (() => unknown)[] = [];
  let requests = 0;
  try {
    const api = await startTestApiServer({
      dataDir,
      watchCacheWindow: WATCH_CACHE_WINDOW,
      bookmarkIntervalMs: BOOKMARK_INTERVAL_MS,
      trace: (event) => {
        if (event.stage === "authentication") requests += 1;
      },
      log: say,
    });
    cleanups.push(() => api.stop());
    return await session(api, say, cleanups, () => requests);
  } finally {
    // Stop what was started, last first; the server goes last, then its directory.
    for (const cleanup of cleanups.reverse()) await cleanup();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function session(
  api: TestApiServer,
  say: Say,
  cleanups: (() => unknown)[],
  requestCount: () => number,
): Promise<ChapterFacts> {
  const configmaps = builtinType("configmaps");
  const client = (userAgent: string, user = "admin", qps = 0, burst = 1) => {
    const c = new RestClient({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor(user),
      userAgent,
      qps,
      burst,
    });
    cleanups.push(() => c.close());
    return c;
  };
  // The user's client has no request budget (qps 0): its bursts go as fast as the server takes them.
  const user = client("kubectl-like");
  const controllerClient = client("mirror-controller", "admin", CONTROLLER_QPS, CONTROLLER_BURST);
  const shop = user.resource(configmaps, "shop");
  const namespaces = user.resource(builtinType("namespaces"));
  const cache = api.server.cache(configmaps);

  // ---------------------------------------------------------------------------------------------
  say("\n1. A reflector lists the configmaps of namespace shop, then watches from the list.");
  await namespaces.create(namespace("shop"));
  for (const [name, app] of [
    ["cart", "shop"],
    ["catalog", "shop"],
    ["search", "search"],
  ] as const) {
    await shop.create(configMap(name, app, { n: "0" }));
  }
  say(
    `${CLIENT} created namespace shop; configmaps cart, catalog (app=shop) and search (app=search)`,
  );

  let narrateWatch = true;
  let bookmarks = 0;
  let firstBookmark = "";
  const reflectorEvents: ReflectorEvent[] = [];
  const narrating = new NarratingListerWatcher<KubeObject>(
    controllerClient.resource(configmaps, "shop"),
    (call) => say(`[reflector] ${describeCall(call)}`),
    (event) => {
      if (event.type === "BOOKMARK") {
        bookmarks += 1;
        if (firstBookmark !== "") return;
        firstBookmark = event.object.metadata.resourceVersion ?? "";
        say(
          `[reflector] BOOKMARK at resourceVersion ${firstBookmark}: nothing changed in shop, but a reconnect may now resume from ${firstBookmark}`,
        );
      } else if (narrateWatch) say(`[reflector] ${describeWatchEvent(event)}`);
    },
  );
  const watched = new CuttableListerWatcher(narrating);
  const informer = new SharedIndexInformer<KubeObject>({
    name: "configmaps",
    listerWatcher: watched,
    // A secondary index: configmaps by their app label, for lookups without a scan.
    indexers: { app: (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []) },
    onReflectorEvent: (event) => {
      reflectorEvents.push(event);
      const line = describeReflectorEvent(event);
      if (line) say(`[reflector] ${line}`);
    },
  });
  cleanups.push(async () => {
    watched.reconnect(); // a reconnect still held back would keep the reflector from stopping
    await informer.stop();
  });

  const handlerCalls: string[] = [];
  let tombstone: ChapterFacts["tombstone"];
  const narration = informer.addEventHandler({
    onAdd: (o, initialList) => {
      handlerCalls.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`);
      say(
        `[informer] onAdd ${o.metadata.name} at resourceVersion ${o.metadata.resourceVersion}${initialList ? " (from the first list)" : ""}`,
      );
    },
    onUpdate: (old, o) => {
      const from = old.metadata.resourceVersion;
      const to = o.metadata.resourceVersion;
      handlerCalls.push(`update ${o.metadata.name} ${from}->${to}`);
      say(
        `[informer] onUpdate ${o.metadata.name}: resourceVersion ${from} → ${to}${from === to ? " (unchanged: a re-list reports every object)" : ""}`,
      );
    },
    onDelete: (o: KubeObject | DeletedFinalStateUnknown<KubeObject>) => {
      if (isTombstone(o)) {
        tombstone = { key: o.key, resourceVersion: o.object.metadata.resourceVersion ?? "" };
        handlerCalls.push(`delete ${o.key} (tombstone)`);
        say(
          `[informer] onDelete ${o.key}: a DeletedFinalStateUnknown tombstone with the last state the cache had (resourceVersion ${tombstone.resourceVersion}); its DELETED event was never seen`,
        );
      } else {
        handlerCalls.push(`delete ${o.metadata.name}@${o.metadata.resourceVersion}`);
        say(
          `[informer] onDelete ${o.metadata.name}: the final state, resourceVersion ${o.metadata.resourceVersion}`,
        );
      }
    },
  });
  const watchersAtStart = cache.watcherCount;
  informer.run();
  await waitForCacheSync([informer], DEADLINE_MS);
  say(`[informer] synced: ${informer.indexer.size} configmaps in the cache`);
  await until(() => firstBookmark !== "", "a bookmark");
  const listCall = narrating.calls[0];
  const watchCall = narrating.calls[1];
  const firstListed = reflectorEvents.find((e) => e.type === "listed");
  if (listCall?.verb !== "list" || watchCall?.verb !== "watch" || firstListed?.type !== "listed")
    throw new Error(
      `expected a list, then a watch; got ${narrating.calls.map((c) => c.verb).join(", ")}`,
    );

  // ---------------------------------------------------------------------------------------------
  say("\n2. Changes arrive as events: the cache is updated first, then every handler is called.");
  const shopData = (name: string, n: string) => shop.patch(name, { data: { n } });
  await shop.create(configMap("checkout", "shop", { n: "0" }));
  say(`${CLIENT} created configmap checkout (app=shop)`);
  await until(() => handlerCalls.some((c) => c.startsWith("add checkout")), "checkout's onAdd");
  await shopData("cart", "1");
  say(`${CLIENT} set cart's data.n to 1`);
  await until(() => handlerCalls.some((c) => c.startsWith("update cart")), "cart's onUpdate");
  await shop.delete("search");
  say(`${CLIENT} deleted configmap search`);
  await until(() => handlerCalls.some((c) => c.startsWith("delete search")), "search's onDelete");
  const requestsBefore = requestCount();
  const shopApps = informer.indexer.byIndex("app", "shop");
  const requestsDuringLookup = requestCount() - requestsBefore;
  const indexNames = shopApps.map((o) => o.metadata.name ?? "").sort();
  say(
    `[indexer] byIndex("app", "shop") → ${indexNames.join(", ")}, from the cache; the API server received ${requestsDuringLookup} requests meanwhile`,
  );

  // ---------------------------------------------------------------------------------------------
  say(
    "\n3. The watch breaks. While it is down the watch cache forgets the history; the reflector gets 410 and lists again.",
  );
  watched.cut();
  say("[chapter] cut the reflector's watch, and held its reconnect back");
  await until(() => reflectorEvents.some((e) => e.type === "watch-ended"), "the watch to end");
  await shop.delete("checkout");
  await shopData("cart", "2");
  await shop.create(configMap("orders", "shop", { n: "0" }));
  say(`${CLIENT} deleted checkout, set cart's data.n to 2, created orders (app=shop)`);
  await namespaces.create(namespace("other"));
  const other = user.resource(configmaps, "other");
  let last = "";
  const fillers = WATCH_CACHE_WINDOW + 2;
  for (let i = 0; i < fillers; i++) {
    last = (await other.create(configMap(`note-${i}`, "other", {}))).metadata.resourceVersion ?? "";
  }
  say(`${CLIENT} meanwhile, other clients created ${fillers} configmaps in namespace other`);
  await until(() => cache.revision >= Number(last), "the watch cache to catch up");
  const resumeFrom = informer.lastSyncResourceVersion();
  const oldest = cache.oldest;
  say(
    `[watch cache] configmaps: keeps the last ${WATCH_CACHE_WINDOW} changes, every change after revision ${oldest}; the reflector will ask to resume after ${resumeFrom}`,
  );
  watched.reconnect();
  say("[chapter] let the reflector reconnect");
  await until(
    () =>
      reflectorEvents.filter((e) => e.type === "listed").length === 2 &&
      narrating.calls.filter((c) => c.verb === "watch").length === 3,
    "the re-list and the new watch",
  );
  const gone = reflectorEvents.find((e) => e.type === "gone");
  const relisted = reflectorEvents.filter((e) => e.type === "listed")[1];
  const relistCall = narrating.calls.filter((c) => c.verb === "list")[1];
  if (gone?.type !== "gone" || relisted?.type !== "listed" || !relistCall)
    throw new Error("expected 410 Gone, then a second list");
  narration.remove();
  narrateWatch = false;

  // ---------------------------------------------------------------------------------------------
  say(
    "\n4. A controller on the same informer: handlers add keys to a work queue, workers reconcile them.",
  );
  const mirror = controllerClient.resource(configmaps, "mirror");
  await namespaces.create(namespace("mirror"));
  const quotas = user.resource(builtinType("resourcequotas"), "mirror");
  await quotas.create({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "copies" },
    spec: { hard: { configmaps: "3" } },
  });
  say(`${CLIENT} created namespace mirror, with a ResourceQuota "copies": at most 3 configmaps`);

  const delays = new Map<string, { ms: number; at: number }>();
  const limiter = defaultControllerRateLimiter<string>();
  // The controller's own limiter, watched: it remembers the delay it chose for each key, and
  // when — the moment the key's wait began.
  const rateLimiter: RateLimiter<string> = {
    when: (key) => {
      const ms = limiter.when(key);
      delays.set(key, { ms, at: Date.now() });
      return ms;
    },
    forget: (key) => {
      delays.delete(key);
      limiter.forget(key);
    },
    numRequeues: (key) => limiter.numRequeues(key),
  };
  const recorder = new EventRecorder({
    sink: eventSink(controllerClient.resource<CoreEvent>(builtinType("events"))),
    component: "mirror-controller",
    log: say,
  });
  cleanups.push(() => recorder.flush());

  const tally = newTally();
  let narrateController = true;
  const retries: ChapterFacts["retry"]["failures"] = [];
  let retryError = "";
  const onControllerEvent = (e: MirrorEvent) => {
    tally.record(e);
    const delay = delays.get(e.key);
    if (e.type === "started" && delay) {
      const waitedMs = e.at - delay.at;
      const last = retries.at(-1);
      if (last) last.waitedMs = waitedMs;
      say(`[work queue] handed ${e.key} out again, ${waitedMs} ms after the failure`);
    }
    if (e.type === "failed") {
      retryError = e.error;
      const delayMs = delay?.ms ?? -1;
      retries.push({ delayMs, waitedMs: undefined });
      say(`[worker ${e.worker}] ${e.key}: failed: ${e.error}`);
      say(
        `[rate limiter] ${e.key}: failure ${e.requeues}, retry in ${delayMs} ms (the per-key delay, or the bucket's if longer)`,
      );
    }
    if (!narrateController) return;
    if (e.type === "copied")
      say(
        `[worker ${e.worker}] ${e.key}: copied resourceVersion ${e.resourceVersion} to mirror/${e.key.split("/")[1]}`,
      );
    if (e.type === "deleted-copy") say(`[worker ${e.worker}] ${e.key}: gone; deleted its copy`);
  };

  const watchersBefore = cache.watcherCount;
  const controller = new MirrorController({
    informer,
    copies: mirror,
    recorder,
    rateLimiter,
    onEvent: onControllerEvent,
  });
  cleanups.push(() => controller.stop());
  const watchersAfter = cache.watcherCount;
  say(
    `[informer] the controller's handler joined the shared informer: no second list or watch. Watchers of the configmaps watch cache: ${watchersBefore} before, ${watchersAfter} after (${watchersAtStart} before the informer started: the API server's own quota monitor)`,
  );
  say(
    `[work queue] the new handler got onAdd for the ${informer.indexer.size} cached configmaps: ${tally.enqueued().join(", ")}`,
  );
  controller.run(WORKERS);
  say(`[controller] started ${WORKERS} workers`);
  const settled = () =>
    until(
      () =>
        tally.inFlight() === 0 &&
        controller.queue.len() === 0 &&
        informer.indexer
          .list()
          .every((o) => tally.lastCopied(`shop/${o.metadata.name}`) === o.metadata.resourceVersion),
      "the controller to catch up",
    );
  await settled();

  narrateController = false;
  tally.reset();
  const names = informer.indexer
    .list()
    .map((o) => o.metadata.name ?? "")
    .sort();
  say(
    `${CLIENT} ${BURST_UPDATES} updates as fast as the server takes them: one writer per configmap (${names.join(", ")}), each update setting data.n to its number`,
  );
  await Promise.all(
    names.map(async (name, writer) => {
      for (let i = writer; i < BURST_UPDATES; i += names.length)
        await shopData(name, String(i + 1));
    }),
  );
  await settled();
  const perKey: ChapterFacts["burst"]["perKey"] = {};
  for (const name of names) {
    const key = `shop/${name}`;
    perKey[key] = { events: tally.events(key), reconciles: tally.reconciles(key) };
    say(
      `[work queue] ${key}: ${perKey[key].events} updates enqueued → ${perKey[key].reconciles} reconciles`,
    );
  }
  const events = tally.events();
  const reconciles = tally.reconciles();
  say(
    `[controller] ${BURST_UPDATES} updates → ${events} events to the handler → ${events} queue.add calls → ${reconciles} reconciles by ${WORKERS} workers; a key held by two workers at once: ${tally.overlaps()} times`,
  );
  const copies = (await user.resource(configmaps, "mirror").list()).items;
  const copiesMatch = names.every((name) => {
    const source = informer.indexer.get(`shop/${name}`);
    const copy = copies.find((c) => c.metadata.name === name);
    return JSON.stringify(copy?.data) === JSON.stringify(source?.data);
  });
  say(
    `${CLIENT} mirror: ${names.map((n) => `${n} n=${dataN(copies.find((c) => c.metadata.name === n))}`).join(", ")} — ${copiesMatch ? "each equals its source's last state" : "NOT equal to the sources"}`,
  );

  say("\n   A reconcile that fails is retried later, each time after a longer delay.");
  narrateController = true;
  await shop.create(configMap("late", "shop", { n: "0" }));
  say(`${CLIENT} created configmap late; the mirror namespace's quota is full`);
  await until(() => retries.length >= FAILURES_BEFORE_FIX, `${FAILURES_BEFORE_FIX} failures`);
  await quotas.patch("copies", { spec: { hard: { configmaps: "10" } } });
  say(`${CLIENT} an operator raised the quota "copies" to 10 configmaps`);
  await until(() => tally.lastCopied("shop/late") !== undefined, "late to be copied");
  const requeuesAfter = controller.queue.numRequeues("shop/late");
  say(
    `[work queue] shop/late succeeded: forgotten by the rate limiter (${requeuesAfter} failures remembered), so its next failure waits 5 ms again`,
  );
  await recorder.flush();
  const recorded = (
    await user.resource<CoreEvent>(builtinType("events"), "shop").list()
  ).items.filter((e) => e.involvedObject.name === "late" && e.reason === "FailedCopy");
  const eventCount = recorded.reduce((sum, e) => sum + e.count, 0);
  say(
    `[event recorder] ${recorded.length} Event for shop/late: Warning FailedCopy, count ${eventCount} — the same event again raises the count instead of adding an Event`,
  );

  // ---------------------------------------------------------------------------------------------
  say("\n5. Leader election: two candidates for the Lease kube-system/kube-controller-manager.");
  const leader = await electLeaders(say, cleanups, client);

  return {
    firstList: {
      requested: listCall.options.resourceVersion ?? "",
      count: firstListed.count,
      resourceVersion: firstListed.resourceVersion,
    },
    firstWatch: {
      from: watchCall.options.resourceVersion ?? "",
      allowWatchBookmarks: watchCall.options.allowWatchBookmarks === true,
      bookmark: firstBookmark,
    },
    handlerCalls,
    index: { names: indexNames, requestsDuringLookup },
    gone: { resumeFrom, oldest, window: WATCH_CACHE_WINDOW, message: gone.message },
    relist: {
      requested: relistCall.options.resourceVersion ?? "",
      consistent: relisted.consistent,
      count: relisted.count,
      resourceVersion: relisted.resourceVersion,
    },
    tombstone,
    sharing: { atStart: watchersAtStart, before: watchersBefore, after: watchersAfter },
    burst: {
      updates: BURST_UPDATES,
      events,
      reconciles,
      workers: WORKERS,
      perKey,
      overlaps: tally.overlaps(),
      copiesMatch,
    },
    retry: {
      error: retryError,
      failures: retries,
      succeeded: tally.lastCopied("shop/late") !== undefined,
      eventCount,
    },
    leader,
    bookmarks,
  };
}

/** Step 5: candidates cm-a and cm-b, as the controller manager's user; cm-a is cut off. */
async function electLeaders(
  say: Say,
  cleanups: (() => unknown)[],
  client: (userAgent: string, user: string) => RestClient,
): Promise<ChapterFacts["leader"]> {
  const start = Date.now();
  const at = () => Date.now() - start;
  const stamp = () => `+${(at() / 1000).toFixed(3)} s`;
  const leasesFor = (name: string) =>
    new CuttableLeaseClient(
      client(name, "system:kube-controller-manager").resource<Lease>(
        builtinType("coordination.k8s.io/leases"),
        "kube-system",
      ),
    );
  const started = new Map<string, number>();
  const stopped = new Map<string, number>();
  const candidate = (identity: string, leases: LeaseClient) => {
    const elector = new LeaderElector({
      leases,
      name: "kube-controller-manager",
      identity,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_DEADLINE_MS,
      retryPeriodMs: RETRY_PERIOD_MS,
      onStartedLeading: () => {
        started.set(identity, at());
        say(`${stamp()} [${identity}] started leading: this is where its controllers would start`);
      },
      onStoppedLeading: () => {
        stopped.set(identity, at());
        say(`${stamp()} [${identity}] stopped leading: its controllers must stop now`);
      },
      onNewLeader: (holder) => {
        if (holder !== identity) say(`${stamp()} [${identity}] sees ${holder} holding the lease`);
      },
      log: (line) => say(`${stamp()} ${line}`),
    });
    cleanups.push(() => elector.stop());
    return elector;
  };
  say(
    `[chapter] lease ${LEASE_MS} ms, renew deadline ${RENEW_DEADLINE_MS} ms, retry every ${RETRY_PERIOD_MS} ms (Kubernetes: 15 s, 10 s, 2 s)`,
  );
  const aLeases = leasesFor("cm-a");
  const a = candidate("cm-a", aLeases);
  void a.run();
  await until(() => a.isLeader(), "cm-a to lead");
  const b = candidate("cm-b", leasesFor("cm-b"));
  void b.run();
  // Let cm-a renew a few times while cm-b keeps trying.
  await until(() => aLeases.renewals >= 3, "cm-a to renew three times");
  const cutAt = at();
  aLeases.cut = true;
  say(`${stamp()} [chapter] cut cm-a off from the API server: its lease requests now fail`);
  const lastRenewalAt = aLeases.lastRenewalAt - start;
  await until(() => b.isLeader(), "cm-b to take over");
  await until(() => stopped.has("cm-a"), "cm-a to stop leading");
  const lease = await client("lease-reader", "admin")
    .resource<Lease>(builtinType("coordination.k8s.io/leases"), "kube-system")
    .get("kube-controller-manager");
  const secondStartedAt = started.get("cm-b") ?? -1;
  say(
    `[chapter] the lease now: holder ${lease.spec?.holderIdentity}, leaseTransitions ${lease.spec?.leaseTransitions}. cm-a last renewed at +${(lastRenewalAt / 1000).toFixed(3)} s; cm-b took over ${secondStartedAt - lastRenewalAt} ms later, after seeing the record unchanged for a lease duration on its own clock`,
  );
  return {
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_DEADLINE_MS,
    retryPeriodMs: RETRY_PERIOD_MS,
    firstLeader: "cm-a",
    firstStartedAt: started.get("cm-a") ?? -1,
    lastRenewalAt,
    cutAt,
    firstStoppedAt: stopped.get("cm-a") ?? -1,
    secondLeader: "cm-b",
    secondStartedAt,
    holder: lease.spec?.holderIdentity ?? "",
    leaseTransitions: lease.spec?.leaseTransitions ?? -1,
  };
}

/** A candidate's lease client whose connection the chapter can cut, as a network failure would. */
class CuttableLeaseClient implements LeaseClient {
  cut = false;
  renewals = 0;
  lastRenewalAt = 0;

  constructor(private readonly inner: LeaseClient) {}

  get(name: string): Promise<Lease> {
    return this.guard(() => this.inner.get(name));
  }

  create(lease: Lease): Promise<Lease> {
    return this.guard(() => this.inner.create(lease));
  }

  async update(lease: Lease): Promise<Lease> {
    const updated = await this.guard(() => this.inner.update(lease));
    this.renewals += 1;
    this.lastRenewalAt = Date.now();
    return updated;
  }

  private guard<R>(call: () => Promise<R>): Promise<R> {
    if (this.cut) return Promise.reject(new Error("connection refused (cut by the chapter)"));
    return call();
  }
}

/** Counts what the controller did, per key, for step 4. */
function newTally() {
  let enqueued: { key: string; handler: string }[] = [];
  let reconciled: { key: string }[] = [];
  const holding = new Set<string>();
  const lastCopied = new Map<string, string>();
  let overlaps = 0;
  let started = 0;
  let finished = 0;
  return {
    record(e: MirrorEvent): void {
      if (e.type === "enqueued") enqueued.push(e);
      if (e.type === "started") {
        started += 1;
        if (holding.has(e.key)) overlaps += 1;
        holding.add(e.key);
      }
      if (e.type === "copied" || e.type === "deleted-copy" || e.type === "failed") {
        finished += 1;
        holding.delete(e.key);
        reconciled.push(e);
      }
      if (e.type === "copied") lastCopied.set(e.key, e.resourceVersion);
    },
    reset(): void {
      enqueued = [];
      reconciled = [];
    },
    enqueued: () => enqueued.map((e) => e.key),
    events: (key?: string) =>
      enqueued.filter((e) => e.handler === "update" && (key === undefined || e.key === key)).length,
    reconciles: (key?: string) =>
      reconciled.filter((e) => key === undefined || e.key === key).length,
    inFlight: () => started - finished,
    overlaps: () => overlaps,
    lastCopied: (key: string) => lastCopied.get(key),
  };
}

function describeCall(call: ListerWatcherCall): string {
  if (call.verb === "list") {
    const rv = call.options.resourceVersion ?? "";
    const meaning =
      rv === "0"
        ? "any recent state, served from the watch cache"
        : rv === ""
          ? "the newest state: a consistent read"
          : "not older than this: served from the watch cache once it is there";
    const limit = call.options.limit === undefined ? "no limit" : `limit=${call.options.limit}`;
    return `list: resourceVersion="${rv}" (${meaning}), ${limit}`;
  }
  const o = call.options;
  return `watch: from resourceVersion ${o.resourceVersion}, allowWatchBookmarks=${o.allowWatchBookmarks === true}, timeoutSeconds=${o.timeoutSeconds}`;
}

function describeWatchEvent(event: WatchEventOf<KubeObject>): string {
  if (event.type === "ERROR") {
    const status = event.object as unknown as { code: number; reason: string; message: string };
    return `received ERROR ${status.code} ${status.reason}: ${status.message}`;
  }
  const { name, resourceVersion } = event.object.metadata;
  return `received ${event.type} ${name} at resourceVersion ${resourceVersion}`;
}

/** The reflector's own decisions; watch events are narrated as they arrive instead. */
function describeReflectorEvent(event: ReflectorEvent): string | undefined {
  switch (event.type) {
    case "listed":
      return `store replaced with the list: ${event.count} configmaps at resourceVersion ${event.resourceVersion}`;
    case "watch-ended":
      return `the watch ended at resourceVersion ${event.resourceVersion}; watching again from there`;
    case "gone":
      return `410 Gone: the API server no longer has the changes after ${event.resourceVersion}. This run of list-and-watch is over: back off, then list again`;
    case "backoff":
      return `${event.error}; retrying in ${event.ms} ms`;
    default:
      return undefined;
  }
}

function namespace(name: string): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}

function configMap(name: string, app: string, data: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { app } }, data };
}

function dataN(object: KubeObject | undefined): string {
  return (object?.data as Record<string, string> | undefined)?.n ?? "-";
}

/** Polls `condition` every 5 ms; fails naming what it waited for. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${DEADLINE_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
