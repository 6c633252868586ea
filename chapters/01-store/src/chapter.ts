/**
 * Chapter 1, as a function: a session against the embedded store that shows, in order, what the
 * docs page explains. `main.ts` prints it; the chapter's test runs it and checks what it shows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompactedError,
  EmbeddedStore,
  type KeyValue,
  type Store,
  type Watch,
  type WatchEvent,
} from "@tinykube/core/store";

export interface ChapterFacts {
  /** Revisions of the three pod creations. */
  created: number[];
  /** What the watcher received after resuming, as "TYPE key@revision". */
  resumed: string[];
  casWinner: string;
  casLoserSucceeded: boolean;
  compactRevision: number;
  /** The error a watch from before the compaction got. */
  compactedError: string;
  leaseDeleteSeen: boolean;
  revisionBeforeRestart: number;
  revisionAfterRestart: number;
  recoveredRecords: number;
  podsAfterRestart: string[];
}

const POD = "/registry/pods/default/";

const podJson = (name: string, phase: string) =>
  JSON.stringify({
    kind: "Pod",
    apiVersion: "v1",
    metadata: { name, namespace: "default" },
    status: { phase },
  });

const show = (kv: KeyValue) =>
  `${kv.key} rev=${kv.modRevision} created=${kv.createRevision} version=${kv.version}`;

const eventLine = (e: WatchEvent) => `${e.type.toUpperCase()} ${e.kv.key}@${e.kv.modRevision}`;

/** Reads `n` events from a watch. */
async function take(watch: Watch, n: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  if (n === 0) return events;
  for await (const event of watch) {
    events.push(event);
    if (events.length === n) break;
  }
  return events;
}

export async function runChapter(say: (line: string) => void): Promise<ChapterFacts> {
  const dataDir = await mkdtemp(join(tmpdir(), "tinykube-chapter1-"));
  try {
    return await session(dataDir, say);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function session(dataDir: string, say: (line: string) => void): Promise<ChapterFacts> {
  say(`[store] opening the embedded store in ${dataDir} (write-ahead log, fsync on)`);
  let store: Store & EmbeddedStore = await EmbeddedStore.open({ dataDir });

  // 1. Writes: every committed change gets the next revision.
  say(
    "\n1. Writing pods. Every committed write moves the store's one global revision forward by one.",
  );
  const created: number[] = [];
  for (const name of ["web-1", "web-2", "db-1"]) {
    const { revision } = await store.put(POD + name, podJson(name, "Pending"));
    created.push(revision);
    say(`[apiserver] created ${POD}${name} -> revision ${revision}`);
  }
  await store.put(`${POD}web-1`, podJson("web-1", "Running"));
  say(`[apiserver] updated web-1: ${show((await store.get(`${POD}web-1`)) as KeyValue)}`);
  say(`           createRevision stays, modRevision moves, version counts writes since creation.`);
  const before = (await store.get(`${POD}web-1`, { revision: created[0] })) as KeyValue;
  say(
    `[apiserver] web-1 as of revision ${created[0]}: ${JSON.parse(before.value).status.phase} (MVCC keeps old versions)`,
  );

  // 2. Watch, disconnect, resume from the last revision seen.
  say("\n2. A watcher sees changes; after a disconnect it resumes from the last revision it saw.");
  let watch = await store.watch({ key: POD, prefix: true });
  await store.put(`${POD}web-2`, podJson("web-2", "Running"));
  const [first] = await take(watch, 1);
  const lastSeen = (first as WatchEvent).kv.modRevision;
  say(`[watcher] ${eventLine(first as WatchEvent)}; last revision seen: ${lastSeen}`);
  watch.cancel();
  say("[watcher] disconnected");
  await store.put(`${POD}db-1`, podJson("db-1", "Running"));
  await store.delete({ key: `${POD}web-2` });
  say("[apiserver] meanwhile: db-1 updated, web-2 deleted");
  watch = await store.watch({ key: POD, prefix: true, startRevision: lastSeen + 1 });
  const resumed = (await take(watch, 2)).map(eventLine);
  watch.cancel();
  say(`[watcher] re-watched from revision ${lastSeen + 1} and caught up: ${resumed.join(", ")}`);

  // 3. Optimistic concurrency: compare-and-swap on modRevision.
  say("\n3. Two controllers read db-1 at the same revision and both try to update it.");
  const seen = (await store.get(`${POD}db-1`)) as KeyValue;
  say(`[controller-a] read db-1 at modRevision ${seen.modRevision}`);
  say(`[controller-b] read db-1 at modRevision ${seen.modRevision}`);
  const update = (who: string) =>
    store.txn({
      compare: [{ key: `${POD}db-1`, target: "modRevision", op: "=", value: seen.modRevision }],
      success: [
        { type: "put", key: `${POD}db-1`, value: podJson("db-1", `Running (labelled by ${who})`) },
      ],
      failure: [{ type: "get", key: `${POD}db-1` }],
    });
  const a = await update("controller-a");
  const b = await update("controller-b");
  say(
    `[controller-a] update if modRevision = ${seen.modRevision}: ${a.succeeded ? `won, revision ${a.revision}` : "lost"}`,
  );
  say(
    `[controller-b] update if modRevision = ${seen.modRevision}: ${b.succeeded ? "won" : `lost (the key is at ${a.revision} now)`}`,
  );
  say(
    "              the API server answers such a loser 409 Conflict; the controller re-reads and retries.",
  );

  // 4. Compaction: old revisions are forgotten; a watch from before them cannot resume.
  say("\n4. Compaction forgets history. The API server compacts every 5 minutes.");
  const compactRevision = await store.revision();
  await store.compact(compactRevision);
  say(`[apiserver] compacted at revision ${compactRevision}`);
  const compactedError = await store
    .watch({ key: POD, prefix: true, startRevision: lastSeen + 1 })
    .then(
      () => "no error",
      (e: unknown) => (e instanceof CompactedError ? e.message : String(e)),
    );
  say(`[watcher] watch from revision ${lastSeen + 1} again: ${compactedError}`);
  say(
    "          the API server turns this into 410 Gone; an informer re-lists, then watches from the list's revision.",
  );

  // 5. Leases: keys that live only as long as their lease.
  say(
    "\n5. A lease: the API server stores each Event with a lease, so events expire by themselves.",
  );
  const lease = await store.grantLease(1);
  const eventKey = "/registry/events/default/web-1.scheduled";
  await store.put(eventKey, JSON.stringify({ kind: "Event", reason: "Scheduled" }), {
    lease: lease.id,
  });
  say(
    `[apiserver] stored ${eventKey} on lease ${lease.id} (ttl ${lease.ttl}s here; --event-ttl is 1 h by default)`,
  );
  watch = await store.watch({ key: "/registry/events/", prefix: true });
  const started = Date.now();
  const [expired] = await take(watch, 1);
  watch.cancel();
  say(
    `[store] lease ${lease.id} expired after ${((Date.now() - started) / 1000).toFixed(1)} s -> ${eventLine(expired as WatchEvent)}`,
  );

  // 6. Restart: everything comes back from the write-ahead log.
  say("\n6. Restart: close the store and open it again from its directory.");
  const revisionBeforeRestart = await store.revision();
  await store.close();
  say(`[store] closed at revision ${revisionBeforeRestart}`);
  store = await EmbeddedStore.open({ dataDir });
  const report = store.recovery;
  say(
    `[store] recovered ${report?.records ?? 0} log records from ${report?.segments.join(", ")} in ${report?.millis.toFixed(1)} ms` +
      `${report?.snapshot ? ` after snapshot ${report.snapshot}` : ""}`,
  );
  const revisionAfterRestart = await store.revision();
  const pods = await store.range({ key: POD, prefix: true });
  say(
    `[store] revision ${revisionAfterRestart}; pods: ${pods.kvs.map((kv) => kv.key.slice(POD.length)).join(", ")}`,
  );
  say(
    `[store] compacted revision is still ${store.compactRevision}: history before it stays forgotten`,
  );
  await store.close();

  return {
    created,
    resumed,
    casWinner: a.succeeded ? "controller-a" : "controller-b",
    casLoserSucceeded: b.succeeded,
    compactRevision,
    compactedError,
    leaseDeleteSeen: expired?.type === "delete",
    revisionBeforeRestart,
    revisionAfterRestart,
    recoveredRecords: report?.records ?? 0,
    podsAfterRestart: pods.kvs.map((kv) => kv.key.slice(POD.length)),
  };
}
