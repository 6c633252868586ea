/**
 * Chapter 2, as a function: a session against a real tinykube API server (HTTPS, tokens, RBAC,
 * admission, the registry, the embedded store) that follows requests along their path and shows,
 * in order, what the docs page explains. `main.ts` prints it; the chapter's test runs it and
 * checks what it shows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startTestApiServer,
  type TestApiServer,
  type WatchStreamReader,
} from "@tinykube/core/testing/cluster";
import { CLIENT, Narrator } from "./narrator.ts";

export interface ChapterFacts {
  allowed: { status: number; resourceVersion: string; serviceAccountName: string };
  unauthenticated: { status: number };
  forbidden: { status: number; reason: string; message: string };
  /** `kubectl auth can-i` as kube-proxy: what the SelfSubjectAccessReviews answered. */
  canI: { listSecrets: boolean; listServices: boolean; listServicesReason: string };
  invalid: { status: number; reason: string; causes: { field: string; reason: string }[] };
  /** A create in a namespace that does not exist, refused by NamespaceLifecycle admission. */
  admissionRefused: { status: number; message: string };
  alreadyExists: { status: number; message: string };
  conflict: {
    /** The resourceVersion both writers read. */
    read: string;
    /** The first writer's update: its status and the new resourceVersion. */
    winner: { status: number; resourceVersion: string };
    loser: { status: number; reason: string; message: string };
  };
  watch: {
    listResourceVersion: string;
    /** "ADDED feature-flags@52": what the watch from the list's resourceVersion delivered. */
    event: string;
    bookmarkResourceVersion: string;
    /** The ERROR event a watch from a forgotten resourceVersion gets. */
    gone: { code: number; reason: string; message: string };
    /** Watchers of the configmaps cache before and after ours opened: all fed by one store watch. */
    cacheWatchers: { before: number; after: number };
  };
  crd: {
    inDiscoveryBefore: boolean;
    inDiscoveryAfter: boolean;
    established: boolean;
    /** The resource as aggregated discovery lists it. */
    discovered: { resource: string; kind: string; scope: string; shortNames: string[] };
    invalidStatus: number;
    tableColumns: string[];
    tableRows: string[][];
  };
}

const DISCOVERY_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
/** Kubernetes sends watch bookmarks about once a minute; the chapter cannot wait that long. */
const BOOKMARK_INTERVAL_MS = 300;
const EVENT_DEADLINE_MS = 5000;

const PODS = "/api/v1/namespaces/default/pods";
const CONFIGMAPS = "/api/v1/namespaces/default/configmaps";
const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const CRONTABS = "/apis/stable.example.com/v1/namespaces/default/crontabs";

interface Status {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field: string; reason: string; message: string }[] };
}

interface Obj {
  metadata: { name: string; resourceVersion: string };
  spec?: Record<string, unknown>;
  status?: { conditions?: { type: string; status: string; reason: string }[] };
}

export async function runChapter(say: (line: string) => void): Promise<ChapterFacts> {
  const dataDir = await mkdtemp(join(tmpdir(), "tinykube-chapter2-"));
  const narrator = new Narrator(say);
  let server: TestApiServer | undefined;
  try {
    server = await startTestApiServer({
      dataDir,
      trace: narrator.trace,
      bookmarkIntervalMs: BOOKMARK_INTERVAL_MS,
      log: (line) => say(line),
    });
    narrator.attach(server);
    return await session(server, narrator, say);
  } finally {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function session(
  server: TestApiServer,
  client: Narrator,
  say: (line: string) => void,
): Promise<ChapterFacts> {
  // 1. Allowed: every stage says yes, and admission changes the object on its way in.
  say(
    "\n1. An allowed request. admin creates a pod that names no service account; every stage lets it through.",
  );
  const created = await client.send("POST", PODS, {
    what: 'pod "web" with no spec.serviceAccountName',
    body: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web" },
      spec: { containers: [{ name: "web", image: "tinykube/hello:1.0" }] },
    },
  });
  const pod = created.json<Obj>();
  const serviceAccountName = String(pod.spec?.serviceAccountName ?? "");
  say(
    `${CLIENT} stored at resourceVersion ${pod.metadata.resourceVersion}; spec.serviceAccountName is now "${serviceAccountName}" — the ServiceAccount admission plugin filled it in`,
  );

  // 2. Refused before anything else: who are you, and may you?
  say(
    "\n2. Refused early. Authentication asks who is calling; authorization asks whether they may.",
  );
  const anonymous = await client.send("GET", PODS, { user: null, what: "no token at all" });
  const forbiddenResponse = await client.send("GET", "/api/v1/namespaces/default/secrets", {
    user: "system:kube-proxy",
    what: "kube-proxy lists secrets",
  });
  const forbidden = forbiddenResponse.json<Status>();
  say(`${CLIENT} nothing reached admission, the registry or the store`);
  say(`${CLIENT} kubectl auth can-i asks the same authorizer, without doing anything:`);
  const canI = async (verb: string, resource: string) => {
    const review = await client.send(
      "POST",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      {
        user: "system:kube-proxy",
        what: `SelfSubjectAccessReview: may I ${verb} ${resource} in default?`,
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: { verb, resource, namespace: "default" } },
        },
      },
    );
    const status = review.json<{ status: { allowed: boolean; reason?: string } }>().status;
    say(`${CLIENT} ${status.allowed ? "yes" : "no"}${status.reason ? ` — ${status.reason}` : ""}`);
    return status;
  };
  const secrets = await canI("list", "secrets");
  const services = await canI("list", "services");

  // 3. Authorized, and still refused: by the resource's rules, or by admission.
  say(
    "\n3. Authorized, still refused. The registry validates the object (422, a cause per field); admission has the last word.",
  );
  const invalidResponse = await client.send("POST", CONFIGMAPS, {
    what: 'configmap "Game_Settings" (upper case and _ are not allowed in names)',
    body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Game_Settings" } },
  });
  const invalid = invalidResponse.json<Status>();
  for (const cause of invalid.details?.causes ?? []) {
    say(`${CLIENT} cause: field ${cause.field}, ${cause.reason}`);
  }
  const missingNamespace = await client.send("POST", "/api/v1/namespaces/staging/configmaps", {
    what: 'configmap "game-settings" in namespace staging, which does not exist',
    body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "game-settings" } },
  });
  say(
    `${CLIENT} allowed and valid, but the validating admission plugin NamespaceLifecycle refused it: nothing is created in a namespace that does not exist`,
  );

  // 4. Optimistic concurrency: create-if-absent and update-if-unchanged.
  say(
    "\n4. Two writers. Creates are create-if-absent; updates carry the resourceVersion they read.",
  );
  const settings = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "game-settings" },
    data: { lives: "3" },
  };
  await client.send("POST", CONFIGMAPS, { what: 'configmap "game-settings"', body: settings });
  const duplicate = await client.send("POST", CONFIGMAPS, {
    what: 'configmap "game-settings" again',
    body: settings,
  });
  const read = (
    await client.send("GET", `${CONFIGMAPS}/game-settings`, { what: "writer A reads" })
  ).json<Obj>().metadata.resourceVersion;
  say(`${CLIENT} writer A and writer B both hold resourceVersion ${read}`);
  const update = (lives: string, who: string) =>
    client.send("PUT", `${CONFIGMAPS}/game-settings`, {
      what: `${who} sets lives=${lives}, sending resourceVersion ${read}`,
      body: {
        ...settings,
        metadata: { name: "game-settings", resourceVersion: read },
        data: { lives },
      },
    });
  const winner = await update("5", "writer B");
  const loser = await update("9", "writer A");
  say(`${CLIENT} writer A must read again and re-apply its change: nothing was overwritten`);

  // 5. List, then watch from the list's resourceVersion: what every informer does.
  say("\n5. List, then watch from the list's resourceVersion. Both are served by the watch cache.");
  const list = (await client.send("GET", CONFIGMAPS, { what: "list" })).json<{
    metadata: { resourceVersion: string };
    items: Obj[];
  }>();
  const listResourceVersion = list.metadata.resourceVersion;
  say(
    `${CLIENT} ${list.items.length} configmap(s); the list's resourceVersion is ${listResourceVersion}`,
  );
  const cache = watchCacheOf(server, "", "v1", "configmaps");
  say(
    `[watch cache] configmaps: one store watch on /registry/configmaps/ keeps a copy current to revision ${cache.revision}, and a window of every change after revision ${cache.oldest}`,
  );
  const watchersBefore = cache.watcherCount;
  const watch = await client.watch(
    `${CONFIGMAPS}?watch=true&resourceVersion=${listResourceVersion}&allowWatchBookmarks=true`,
    { what: "watch from the list's resourceVersion, bookmarks allowed" },
  );
  let event = "";
  let bookmarkResourceVersion = "";
  const cacheWatchers = { before: watchersBefore, after: cache.watcherCount };
  try {
    say(
      `[watch cache] configmaps: ${cacheWatchers.after} watchers now (${cacheWatchers.before} before ours), all fed from that one store watch; ours starts after revision ${listResourceVersion}, inside the window`,
    );
    await client.send("POST", CONFIGMAPS, {
      what: 'another client creates configmap "feature-flags"',
      body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "feature-flags" } },
    });
    const added = await nextOf(watch, (e) => e.type !== "BOOKMARK");
    const addedObject = added.object as unknown as Obj;
    event = `${added.type} ${addedObject.metadata.name}@${addedObject.metadata.resourceVersion}`;
    say(
      `${CLIENT} watch event: ${added.type} configmap "${addedObject.metadata.name}" at resourceVersion ${addedObject.metadata.resourceVersion}`,
    );
    const bookmark = await nextOf(watch, (e) => e.type === "BOOKMARK");
    bookmarkResourceVersion = (bookmark.object as unknown as Obj).metadata.resourceVersion;
    say(
      `${CLIENT} watch event: BOOKMARK at resourceVersion ${bookmarkResourceVersion} — no change, just "you are current to here"`,
    );
  } finally {
    watch.close();
  }
  const stale = await client.watch(`${CONFIGMAPS}?watch=true&resourceVersion=1`, {
    what: "watch from resourceVersion 1, long before the cache's window",
  });
  let gone: Status;
  try {
    gone = (await nextOf(stale, () => true)).object as unknown as Status;
  } finally {
    stale.close();
  }
  say(`${CLIENT} watch event: ERROR ${gone.code} ${gone.reason}: ${gone.message}`);
  say(`${CLIENT} an informer answers 410 by listing again and watching from the new list`);

  // 6. API registration: a CRD adds a resource, discovery shows it.
  say(
    "\n6. Extending the API. A CustomResourceDefinition registers a new resource; discovery lists it.",
  );
  const before = await discoveredCronTabs(client);
  say(`${CLIENT} crontabs.stable.example.com in discovery: ${before ? "yes" : "no"}`);
  const crd = await client.send("POST", CRDS, {
    what: 'CRD "crontabs.stable.example.com"',
    body: cronTabDefinition,
  });
  const established = await waitEstablished(client, crd.json<Obj>().metadata.resourceVersion, say);
  const after = await discoveredCronTabs(client);
  if (after) {
    say(
      `${CLIENT} stable.example.com/v1 lists ${after.resource}: kind ${after.kind}, ${after.scope}, shortNames ${after.shortNames.join(",")}`,
    );
  }
  const badCronTab = await client.send("POST", CRONTABS, {
    what: 'crontab "nightly" with spec.replicas "three" (the schema says integer)',
    body: cronTab("three"),
  });
  await client.send("POST", CRONTABS, { what: 'crontab "nightly", replicas 1', body: cronTab(1) });
  const table = (
    await client.send("GET", CRONTABS, {
      what: "kubectl get crontabs: a server-side Table",
      accept: TABLE,
    })
  ).json<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>();
  const tableColumns = table.columnDefinitions.map((c) => c.name);
  const tableRows = table.rows.map((r) => r.cells.map(String));
  for (const row of [tableColumns.map((c) => c.toUpperCase()), ...tableRows]) {
    say(
      `${CLIENT}   ${row
        .map((cell) => cell.padEnd(10))
        .join(" ")
        .trimEnd()}`,
    );
  }

  return {
    allowed: {
      status: created.status,
      resourceVersion: pod.metadata.resourceVersion,
      serviceAccountName,
    },
    unauthenticated: { status: anonymous.status },
    forbidden: { status: forbidden.code, reason: forbidden.reason, message: forbidden.message },
    canI: {
      listSecrets: secrets.allowed,
      listServices: services.allowed,
      listServicesReason: services.reason ?? "",
    },
    invalid: {
      status: invalid.code,
      reason: invalid.reason,
      causes: (invalid.details?.causes ?? []).map((c) => ({ field: c.field, reason: c.reason })),
    },
    admissionRefused: {
      status: missingNamespace.status,
      message: missingNamespace.json<Status>().message,
    },
    alreadyExists: {
      status: duplicate.status,
      message: duplicate.json<Status>().message,
    },
    conflict: {
      read,
      winner: {
        status: winner.status,
        resourceVersion: winner.json<Obj>().metadata.resourceVersion,
      },
      loser: {
        status: loser.status,
        reason: loser.json<Status>().reason,
        message: loser.json<Status>().message,
      },
    },
    watch: {
      listResourceVersion,
      event,
      bookmarkResourceVersion,
      gone: { code: gone.code, reason: gone.reason, message: gone.message },
      cacheWatchers,
    },
    crd: {
      inDiscoveryBefore: before !== undefined,
      inDiscoveryAfter: after !== undefined,
      established,
      discovered: after ?? { resource: "", kind: "", scope: "", shortNames: [] },
      invalidStatus: badCronTab.status,
      tableColumns,
      tableRows,
    },
  };
}

const cronTabDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "crontabs.stable.example.com" },
  spec: {
    group: "stable.example.com",
    scope: "Namespaced",
    names: { plural: "crontabs", singular: "crontab", kind: "CronTab", shortNames: ["ct"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: { cronSpec: { type: "string" }, replicas: { type: "integer" } },
              },
            },
          },
        },
        additionalPrinterColumns: [
          { name: "Schedule", type: "string", jsonPath: ".spec.cronSpec" },
          { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
        ],
      },
    ],
  },
};

const cronTab = (replicas: unknown) => ({
  apiVersion: "stable.example.com/v1",
  kind: "CronTab",
  metadata: { name: "nightly" },
  spec: { cronSpec: "0 3 * * *", replicas },
});

/** The API server's watch cache for a resource: its revision, window and watchers are public. */
function watchCacheOf(server: TestApiServer, group: string, version: string, resource: string) {
  const type = server.server.scheme.byResource(group, version, resource);
  if (!type) throw new Error(`no resource ${resource} in ${group || "core"}/${version}`);
  return server.server.cache(type);
}

type WatchEvent = Awaited<ReturnType<WatchStreamReader["next"]>>;

/** The next event that `wanted` accepts, skipping others, within the deadline. */
async function nextOf(
  watch: WatchStreamReader,
  wanted: (event: WatchEvent) => boolean,
): Promise<WatchEvent> {
  const deadline = Date.now() + EVENT_DEADLINE_MS;
  for (;;) {
    const event = await watch.next(Math.max(1, deadline - Date.now()));
    if (wanted(event)) return event;
  }
}

interface DiscoveredResource {
  resource: string;
  kind: string;
  scope: string;
  shortNames: string[];
}

/** Aggregated discovery (v2), as kubectl 1.30+ asks for it: is crontabs.stable.example.com there? */
async function discoveredCronTabs(client: Narrator): Promise<DiscoveredResource | undefined> {
  const list = (
    await client.send("GET", "/apis", {
      what: "aggregated discovery (apidiscovery.k8s.io/v2), as kubectl asks",
      accept: `${DISCOVERY_V2},application/json`,
    })
  ).json<{
    items: {
      metadata: { name: string };
      versions: {
        version: string;
        resources: {
          resource: string;
          responseKind: { kind: string };
          scope: string;
          shortNames?: string[];
        }[];
      }[];
    }[];
  }>();
  const group = list.items.find((g) => g.metadata.name === "stable.example.com");
  const found = group?.versions
    .find((v) => v.version === "v1")
    ?.resources.find((r) => r.resource === "crontabs");
  return found
    ? {
        resource: found.resource,
        kind: found.responseKind.kind,
        scope: found.scope,
        shortNames: found.shortNames ?? [],
      }
    : undefined;
}

/** `kubectl wait --for condition=established`: watch the CRD until its condition says so. */
async function waitEstablished(
  client: Narrator,
  resourceVersion: string,
  say: (line: string) => void,
): Promise<boolean> {
  const watch = await client.watch(
    `${CRDS}?watch=true&fieldSelector=metadata.name%3Dcrontabs.stable.example.com&resourceVersion=${resourceVersion}`,
    { what: "kubectl wait --for condition=established" },
  );
  try {
    const isEstablished = (e: WatchEvent) =>
      ((e.object as unknown as Obj).status?.conditions ?? []).some(
        (c) => c.type === "Established" && c.status === "True",
      );
    const event = await nextOf(watch, isEstablished);
    const conditions = (event.object as unknown as Obj).status?.conditions ?? [];
    say(
      `[crd controller] crontabs.stable.example.com: ${conditions.map((c) => `${c.type}=${c.status}`).join(", ")} — the resource is registered and served`,
    );
    return true;
  } finally {
    watch.close();
  }
}
