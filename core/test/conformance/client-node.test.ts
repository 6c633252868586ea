/**
 * Conformance with the official JavaScript client, @kubernetes/client-node, the way an operator
 * or a script written in TypeScript meets tinykube: configured from the server's own kubeconfig
 * (HTTPS, the cluster CA as caData, the admin's bearer token), through the typed APIs, the
 * informer, the Watch class, and the four patch types (picked with
 * `setHeaderOptions("Content-Type", PatchStrategy.X)`, as client-node documents).
 *
 * Why client-node 1.x: 2.x depends on undici 8, which needs Node ≥ 22.19 and crashes at load on
 * the Node 20 this project runs on. 1.x speaks HTTP through node-fetch and works on Node 20; its
 * generated API takes one object of named parameters per call (`{ namespace, name, body }`).
 *
 * Each test works in a namespace of its own, and waits for conditions with deadlines, never
 * for a fixed time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1CustomResourceDefinition,
  type V1Deployment,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Status } from "../../src/api/object.ts";
import { waitFor } from "../../src/store/testing.ts";
import { startTestApiServer, type TestApiServer } from "../../src/testing/cluster.ts";

let api: TestApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  api = await startTestApiServer();
  kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(async () => {
  await api?.stop();
});

let namespaces = 0;

/** A fresh namespace for one test, so tests never see each other's objects. */
async function newNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${++namespaces}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** The ApiException a call fails with, its body parsed as the metav1.Status it must be. */
async function apiError(call: Promise<unknown>): Promise<{ code: number; status: Status }> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    return { code: error.code, status: JSON.parse(error.body as string) as Status };
  }
  throw new Error("expected the call to fail with an ApiException, but it succeeded");
}

const configMap = (
  name: string,
  data: Record<string, string> = {},
  labels?: Record<string, string>,
) => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe("@kubernetes/client-node 1.4 against tinykube", () => {
  it("loads the server's kubeconfig: HTTPS, the cluster CA, the admin's token", () => {
    const cluster = kc.getCurrentCluster();
    expect(cluster?.server).toBe(api.url);
    expect(cluster?.server.startsWith("https://")).toBe(true);
    expect(Buffer.from(cluster?.caData ?? "", "base64").toString()).toBe(api.caCertPem);
    expect(cluster?.skipTLSVerify).toBeFalsy();
    expect(kc.getCurrentUser()?.token).toBe(api.tokenFor("admin"));
  });

  it("lists namespaces", async () => {
    const list = await core.listNamespace();
    expect(list.kind).toBe("NamespaceList");
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
    const names = list.items.map((n) => n.metadata?.name);
    expect(names).toEqual(
      expect.arrayContaining(["default", "kube-system", "kube-public", "kube-node-lease"]),
    );
    expect(list.items.every((n) => n.status?.phase === "Active")).toBe(true);
  });

  it("creates, reads, replaces and deletes a ConfigMap", async () => {
    const namespace = await newNamespace("cm");
    const created = await core.createNamespacedConfigMap({
      namespace,
      body: configMap("settings", { mode: "fast" }),
    });
    // The typed call sent no apiVersion or kind: the server takes them from the URL.
    expect([created.apiVersion, created.kind]).toEqual(["v1", "ConfigMap"]);
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.namespace).toBe(namespace);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const read = await core.readNamespacedConfigMap({ namespace, name: "settings" });
    expect(read.data).toEqual({ mode: "fast" });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    read.data = { mode: "safe" };
    const replaced = await core.replaceNamespacedConfigMap({
      namespace,
      name: "settings",
      body: read,
    });
    expect(replaced.data).toEqual({ mode: "safe" });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);

    await core.deleteNamespacedConfigMap({ namespace, name: "settings" });
    const gone = await apiError(core.readNamespacedConfigMap({ namespace, name: "settings" }));
    expect(gone.code).toBe(404);
  });

  it("creates, reads, replaces and deletes a Secret", async () => {
    const namespace = await newNamespace("secret");
    const password = Buffer.from("s3cret").toString("base64");
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: "db" }, type: "Opaque", data: { password } },
    });
    const read = await core.readNamespacedSecret({ namespace, name: "db" });
    expect(read.type).toBe("Opaque");
    expect(Buffer.from(read.data?.password ?? "", "base64").toString()).toBe("s3cret");

    read.data = { password: Buffer.from("n3w").toString("base64") };
    const replaced = await core.replaceNamespacedSecret({ namespace, name: "db", body: read });
    expect(Buffer.from(replaced.data?.password ?? "", "base64").toString()).toBe("n3w");

    await core.deleteNamespacedSecret({ namespace, name: "db" });
    expect((await core.listNamespacedSecret({ namespace })).items).toEqual([]);
  });

  it("creates, reads, replaces and deletes a Service", async () => {
    const namespace = await newNamespace("svc");
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: "web" },
        spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
      },
    });
    const read = await core.readNamespacedService({ namespace, name: "web" });
    expect(read.spec?.ports?.[0]).toMatchObject({ name: "http", port: 80, targetPort: 8080 });
    expect(read.spec?.selector).toEqual({ app: "web" });

    read.spec = { ...read.spec, selector: { app: "web", tier: "front" } };
    const replaced = await core.replaceNamespacedService({ namespace, name: "web", body: read });
    expect(replaced.spec?.selector).toEqual({ app: "web", tier: "front" });

    await core.deleteNamespacedService({ namespace, name: "web" });
    expect((await apiError(core.readNamespacedService({ namespace, name: "web" }))).code).toBe(404);
  });

  it("creates, reads, replaces and deletes a Deployment (apps/v1), generation following the spec", async () => {
    const namespace = await newNamespace("deploy");
    const body: V1Deployment = {
      metadata: { name: "web", labels: { app: "web" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "tinykube/hello:1.0" }] },
        },
      },
    };
    const created = await apps.createNamespacedDeployment({ namespace, body });
    expect(created.metadata?.generation).toBe(1);
    const read = await apps.readNamespacedDeployment({ namespace, name: "web" });
    expect(read.spec?.template.spec?.containers[0]?.image).toBe("tinykube/hello:1.0");

    if (!read.spec) throw new Error("the Deployment came back without a spec");
    read.spec.replicas = 3;
    const scaled = await apps.replaceNamespacedDeployment({ namespace, name: "web", body: read });
    expect(scaled.spec?.replicas).toBe(3);
    expect(scaled.metadata?.generation).toBe(2);

    scaled.metadata = { ...scaled.metadata, labels: { app: "web", team: "a" } };
    const labelled = await apps.replaceNamespacedDeployment({
      namespace,
      name: "web",
      body: scaled,
    });
    expect(labelled.metadata?.generation).toBe(2);

    await apps.deleteNamespacedDeployment({ namespace, name: "web" });
    const gone = await apiError(apps.readNamespacedDeployment({ namespace, name: "web" }));
    expect(gone.code).toBe(404);
    expect(gone.status.message).toBe('deployments.apps "web" not found');
  });

  it("creating twice fails with 409 AlreadyExists", async () => {
    const namespace = await newNamespace("dup");
    await core.createNamespacedConfigMap({ namespace, body: configMap("once") });
    const { code, status } = await apiError(
      core.createNamespacedConfigMap({ namespace, body: configMap("once") }),
    );
    expect(code).toBe(409);
    expect(status).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "AlreadyExists",
      message: 'configmaps "once" already exists',
      details: { name: "once", kind: "configmaps" },
      code: 409,
    });
  });

  it("replacing with a stale resourceVersion fails with 409 Conflict", async () => {
    const namespace = await newNamespace("stale");
    const first = await core.createNamespacedConfigMap({
      namespace,
      body: configMap("c", { v: "1" }),
    });
    await core.replaceNamespacedConfigMap({
      namespace,
      name: "c",
      body: { ...first, data: { v: "2" } },
    });
    const { code, status } = await apiError(
      core.replaceNamespacedConfigMap({
        namespace,
        name: "c",
        body: { ...first, data: { v: "3" } },
      }),
    );
    expect(code).toBe(409);
    expect(status.reason).toBe("Conflict");
    expect(status.message).toBe(
      'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect((await core.readNamespacedConfigMap({ namespace, name: "c" })).data).toEqual({ v: "2" });
  });

  it("reading what is not there fails with 404 NotFound", async () => {
    const namespace = await newNamespace("missing");
    const { code, status } = await apiError(
      core.readNamespacedConfigMap({ namespace, name: "ghost" }),
    );
    expect(code).toBe(404);
    expect(status).toMatchObject({
      reason: "NotFound",
      message: 'configmaps "ghost" not found',
      details: { name: "ghost", kind: "configmaps" },
    });
    const noNamespace = await apiError(
      core.createNamespacedConfigMap({ namespace: "no-such-namespace", body: configMap("x") }),
    );
    expect(noNamespace.code).toBe(404);
    expect(noNamespace.status.message).toBe('namespaces "no-such-namespace" not found');
  });

  it("an informer lists, then sees add, update and delete, in order", async () => {
    const namespace = await newNamespace("informer");
    await core.createNamespacedConfigMap({ namespace, body: configMap("existing") });
    const informer = makeInformer<V1ConfigMap>(
      kc,
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => core.listNamespacedConfigMap({ namespace }),
    );
    const events: string[] = [];
    const errors: unknown[] = [];
    informer.on("add", (o) => events.push(`add ${o.metadata?.name}`));
    informer.on("update", (o) => events.push(`update ${o.metadata?.name} ${o.data?.v}`));
    informer.on("delete", (o) => events.push(`delete ${o.metadata?.name}`));
    informer.on("error", (e) => errors.push(e));
    try {
      await informer.start();
      expect(events).toEqual(["add existing"]);
      const created = await core.createNamespacedConfigMap({
        namespace,
        body: configMap("live", { v: "1" }),
      });
      await core.replaceNamespacedConfigMap({
        namespace,
        name: "live",
        body: { ...created, data: { v: "2" } },
      });
      await core.deleteNamespacedConfigMap({ namespace, name: "live" });
      await waitFor("the informer to see the delete", () => events.length >= 4);
      expect(events).toEqual(["add existing", "add live", "update live 2", "delete live"]);
      expect(informer.list(namespace).map((o) => o.metadata?.name)).toEqual(["existing"]);
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it("an informer that comes back after a server restart gets 410 for its old resourceVersion, and re-lists", async () => {
    // A server of its own, restarted on the same port and data, so the kubeconfig stays valid.
    const dataDir = await mkdtemp(join(tmpdir(), "tinykube-client-node-"));
    let server = await startTestApiServer({ dataDir });
    const port = Number(new URL(server.url).port);
    const config = new KubeConfig();
    config.loadFromFile(server.kubeconfigPath);
    const client = config.makeApiClient(CoreV1Api);
    const namespace = "restart";
    await client.createNamespace({ body: { metadata: { name: namespace } } });
    await client.createNamespacedConfigMap({ namespace, body: configMap("before") });

    let lists = 0;
    const informer = makeInformer<V1ConfigMap>(
      config,
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => {
        lists++;
        return client.listNamespacedConfigMap({ namespace });
      },
    );
    const events: string[] = [];
    const errors: unknown[] = [];
    informer.on("add", (o) => events.push(`add ${o.metadata?.name}`));
    informer.on("update", (o) => events.push(`update ${o.metadata?.name}`));
    informer.on("delete", (o) => events.push(`delete ${o.metadata?.name}`));
    informer.on("error", (e) => errors.push(e));
    try {
      await informer.start();
      await client.createNamespacedConfigMap({ namespace, body: configMap("watched") });
      await waitFor("the informer to see the add", () => events.includes("add watched"));
      expect(lists).toBe(1);

      // The informer pauses, keeping the resourceVersion it last saw; the cluster moves on, and
      // the API server restarts. Its new watch cache starts at the store's current revision, so
      // it cannot replay what happened after the informer's resourceVersion.
      await informer.stop();
      await client.deleteNamespacedConfigMap({ namespace, name: "before" });
      await client.createNamespacedConfigMap({ namespace, body: configMap("meanwhile") });
      await server.stop();
      server = await startTestApiServer({ dataDir, port });
      events.length = 0;

      // The watch from the old resourceVersion ends at once with an ERROR 410 event; client-node
      // then lists again and reports the difference as events.
      await informer.start();
      await waitFor("the re-list to report what changed", () => events.length >= 2);
      expect(lists, "the informer should have listed again after its watch got 410").toBe(2);
      expect(events.sort()).toEqual(["add meanwhile", "delete before"]);

      await client.createNamespacedConfigMap({ namespace, body: configMap("after") });
      await waitFor("the informer to watch again", () => events.includes("add after"));
      expect(
        informer
          .list(namespace)
          .map((o) => o.metadata?.name)
          .sort(),
      ).toEqual(["after", "meanwhile", "watched"]);
      // client-node reports its own stop() as an AbortError; nothing else went wrong.
      expect(errors.map((e) => (e as Error).name)).toEqual(["AbortError"]);
    } finally {
      await informer.stop();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("the Watch class receives ADDED, MODIFIED and DELETED, and resumes after the server ends a watch", async () => {
    const namespace = await newNamespace("watch");
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    const start = await core.listNamespacedConfigMap({ namespace });
    const watch = new Watch(kc);
    const events: { type: string; name: string; rv: number }[] = [];
    let ended: unknown;
    const controller = await watch.watch(
      path,
      { resourceVersion: start.metadata?.resourceVersion, timeoutSeconds: 1 },
      (type, object: V1ConfigMap) =>
        events.push({
          type,
          name: object.metadata?.name ?? "",
          rv: Number(object.metadata?.resourceVersion),
        }),
      (error) => {
        ended = error ?? "cleanly";
      },
    );
    try {
      const created = await core.createNamespacedConfigMap({ namespace, body: configMap("w") });
      await core.replaceNamespacedConfigMap({
        namespace,
        name: "w",
        body: { ...created, data: { k: "v" } },
      });
      await core.deleteNamespacedConfigMap({ namespace, name: "w" });
      await waitFor("three watch events", () => events.length >= 3);
      expect(events.map((e) => `${e.type} ${e.name}`)).toEqual([
        "ADDED w",
        "MODIFIED w",
        "DELETED w",
      ]);
      const [added, modified, deleted] = events.map((e) => e.rv) as [number, number, number];
      expect(added).toBeLessThan(modified);
      expect(modified).toBeLessThan(deleted);

      // timeoutSeconds=1: the server ends the stream, and client-node calls done without error.
      await waitFor("the server to end the watch", () => ended !== undefined, 5000);
      expect(ended).toBe("cleanly");

      // Resuming from the last resourceVersion seen misses nothing made in between.
      await core.createNamespacedConfigMap({ namespace, body: configMap("gap") });
      const resumed: string[] = [];
      const again = await watch.watch(
        path,
        { resourceVersion: String(deleted) },
        (type, object: V1ConfigMap) => resumed.push(`${type} ${object.metadata?.name}`),
        () => {},
      );
      await waitFor("the resumed watch to replay the gap", () => resumed.length >= 1);
      expect(resumed).toEqual(["ADDED gap"]);
      again.abort();
    } finally {
      controller.abort();
    }
  });

  it("lists in pages with limit and continue", async () => {
    const namespace = await newNamespace("pages");
    const names = ["a", "b", "c", "d", "e"];
    for (const name of names) {
      await core.createNamespacedConfigMap({ namespace, body: configMap(name) });
    }
    const first = await core.listNamespacedConfigMap({ namespace, limit: 2 });
    expect(first.items.map((o) => o.metadata?.name)).toEqual(["a", "b"]);
    expect(first.metadata?._continue).toBeTruthy();
    expect(first.metadata?.remainingItemCount).toBe(3);

    // A write between pages does not show: every page is read at the first page's revision.
    await core.createNamespacedConfigMap({ namespace, body: configMap("f") });
    const seen = first.items.map((o) => o.metadata?.name);
    let token = first.metadata?._continue;
    let pages = 1;
    while (token) {
      const page = await core.listNamespacedConfigMap({ namespace, limit: 2, _continue: token });
      expect(page.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      seen.push(...page.items.map((o) => o.metadata?.name));
      token = page.metadata?._continue;
      pages++;
    }
    expect(seen).toEqual(names);
    expect(pages).toBe(3);

    const bad = await apiError(
      core.listNamespacedConfigMap({ namespace, limit: 2, _continue: "not-a-token" }),
    );
    expect(bad.code).toBe(400);
    expect(bad.status.message).toBe("continue key is not valid: not-a-token");
  });

  it("filters lists by label and field selectors", async () => {
    const namespace = await newNamespace("selectors");
    await core.createNamespacedConfigMap({
      namespace,
      body: configMap("x", {}, { app: "a", tier: "web" }),
    });
    await core.createNamespacedConfigMap({
      namespace,
      body: configMap("y", {}, { app: "b", tier: "db" }),
    });
    await core.createNamespacedConfigMap({ namespace, body: configMap("z", {}, { app: "b" }) });
    const names = async (query: { labelSelector?: string; fieldSelector?: string }) =>
      (await core.listNamespacedConfigMap({ namespace, ...query })).items.map(
        (o) => o.metadata?.name,
      );
    expect(await names({ labelSelector: "app=a" })).toEqual(["x"]);
    expect(await names({ labelSelector: "app in (a,b),tier!=db" })).toEqual(["x", "z"]);
    expect(await names({ labelSelector: "!tier" })).toEqual(["z"]);
    expect(await names({ fieldSelector: "metadata.name=x" })).toEqual(["x"]);
    expect(await names({ fieldSelector: "metadata.name!=x", labelSelector: "app=b" })).toEqual([
      "y",
      "z",
    ]);
    const bad = await apiError(
      core.listNamespacedConfigMap({ namespace, fieldSelector: "spec.nodeName=n1" }),
    );
    expect(bad.code).toBe(400);
    expect(bad.status.message).toBe(
      '"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  it("serves custom objects of a CRD once it is Established", async () => {
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const namespace = await newNamespace("crd");
    const crd: V1CustomResourceDefinition = {
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"] },
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
                    properties: { size: { type: "integer" }, color: { type: "string" } },
                  },
                },
              },
            },
          },
        ],
      },
    };
    await extensions.createCustomResourceDefinition({ body: crd });
    await waitFor("the CRD to be Established", async () => {
      const current = await extensions.readCustomResourceDefinition({
        name: crd.metadata?.name ?? "",
      });
      return current.status?.conditions?.some(
        (c) => c.type === "Established" && c.status === "True",
      );
    });

    const widget = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name },
      spec,
    });
    const where = { group: "example.com", version: "v1", namespace, plural: "widgets" };
    const created = (await custom.createNamespacedCustomObject({
      ...where,
      body: widget("w1", { size: 3, color: "red" }),
    })) as { metadata: { uid: string; resourceVersion: string } };
    expect(created.metadata.uid).toBeTruthy();
    const read = (await custom.getNamespacedCustomObject({ ...where, name: "w1" })) as {
      metadata: Record<string, unknown>;
      spec: Record<string, unknown>;
    };
    expect(read.spec).toEqual({ size: 3, color: "red" });

    const replaced = (await custom.replaceNamespacedCustomObject({
      ...where,
      name: "w1",
      body: { ...read, spec: { size: 4, color: "blue" } },
    })) as { spec: Record<string, unknown> };
    expect(replaced.spec).toEqual({ size: 4, color: "blue" });

    const list = (await custom.listNamespacedCustomObject(where)) as {
      kind: string;
      items: { metadata: { name: string } }[];
    };
    expect(list.kind).toBe("WidgetList");
    expect(list.items.map((o) => o.metadata.name)).toEqual(["w1"]);

    const invalid = await apiError(
      custom.createNamespacedCustomObject({ ...where, body: widget("w2", { size: "big" }) }),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.status.reason).toBe("Invalid");
    expect(invalid.status.details?.causes?.map((c) => c.field)).toEqual(["spec.size"]);

    await custom.deleteNamespacedCustomObject({ ...where, name: "w1" });
    const gone = await apiError(custom.getNamespacedCustomObject({ ...where, name: "w1" }));
    expect(gone.code).toBe(404);
    expect(gone.status.message).toBe('widgets.example.com "w1" not found');

    await extensions.deleteCustomResourceDefinition({ name: "widgets.example.com" });
    await waitFor("the CRD's resource to go away", async () => {
      const after = await apiError(custom.listNamespacedCustomObject(where)).catch(() => undefined);
      return after?.code === 404;
    });
  });
});

/** Chooses the patch type, as client-node documents it. */
const as = (strategy: PatchStrategy) => setHeaderOptions("Content-Type", strategy);

/** A Deployment with two containers, for the patch cases. */
const twoContainers = (name: string): V1Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: "web", image: "tinykube/hello:1.0", env: [{ name: "MODE", value: "fast" }] },
          { name: "sidecar", image: "tinykube/echo:1.0" },
        ],
      },
    },
  },
});

describe("@kubernetes/client-node 1.4 patches: JSON, merge, strategic merge, server-side apply", () => {
  it("a JSON patch (the client's default) changes one field; a failed test op changes nothing", async () => {
    const namespace = await newNamespace("json-patch");
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "c" }, data: { mode: "fast", keep: "me" } },
    });
    const patched = await core.patchNamespacedConfigMap({
      namespace,
      name: "c",
      body: [{ op: "replace", path: "/data/mode", value: "safe" }],
    });
    expect(patched.data).toEqual({ mode: "safe", keep: "me" });

    const failed = await apiError(
      core.patchNamespacedConfigMap({
        namespace,
        name: "c",
        body: [
          { op: "test", path: "/data/mode", value: "fast" },
          { op: "remove", path: "/data/keep" },
        ],
      }),
    );
    expect(failed.code).toBe(422);
    expect(failed.status.kind).toBe("Status");
    const after = await core.readNamespacedConfigMap({ namespace, name: "c" });
    expect(after.data).toEqual({ mode: "safe", keep: "me" });
    expect(after.metadata?.resourceVersion).toBe(patched.metadata?.resourceVersion);
  });

  it("a merge patch sets and removes keys (null deletes)", async () => {
    const namespace = await newNamespace("merge");
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "c", labels: { a: "1" } }, data: { x: "1", y: "2" } },
    });
    const patched = await core.patchNamespacedConfigMap(
      {
        namespace,
        name: "c",
        body: { metadata: { labels: { b: "2" } }, data: { x: null, z: "3" } },
      },
      as(PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ y: "2", z: "3" });
    expect(patched.metadata?.labels).toEqual({ a: "1", b: "2" });
  });

  it("a strategic merge patch merges containers by name and keeps the others", async () => {
    const namespace = await newNamespace("strategic");
    await apps.createNamespacedDeployment({ namespace, body: twoContainers("web") });
    const patched = await apps.patchNamespacedDeployment(
      {
        namespace,
        name: "web",
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: "web",
                    image: "tinykube/hello:2.0",
                    env: [{ name: "LEVEL", value: "3" }],
                  },
                ],
              },
            },
          },
        },
      },
      as(PatchStrategy.StrategicMergePatch),
    );
    const containers = patched.spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => `${c.name} ${c.image}`)).toEqual([
      "web tinykube/hello:2.0",
      "sidecar tinykube/echo:1.0",
    ]);
    expect(containers[0]?.env?.map((e) => e.name)).toEqual(["LEVEL", "MODE"]);
    expect(patched.metadata?.generation).toBe(2);
  });

  it("server-side apply creates, updates, records its manager, and reports conflicts", async () => {
    const namespace = await newNamespace("apply");
    const body = twoContainers("api");
    const created = await apps.patchNamespacedDeployment(
      { namespace, name: "api", body, fieldManager: "ci" },
      as(PatchStrategy.ServerSideApply),
    );
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.managedFields?.map((m) => `${m.manager} ${m.operation}`)).toEqual([
      "ci Apply",
    ]);

    const scaled = await apps.patchNamespacedDeployment(
      {
        namespace,
        name: "api",
        body: { ...body, spec: { ...body.spec, replicas: 3 } } as V1Deployment,
        fieldManager: "ci",
      },
      as(PatchStrategy.ServerSideApply),
    );
    expect(scaled.spec?.replicas).toBe(3);

    const rival = { ...body, spec: { ...body.spec, replicas: 5 } } as V1Deployment;
    const conflict = await apiError(
      apps.patchNamespacedDeployment(
        { namespace, name: "api", body: rival, fieldManager: "someone-else" },
        as(PatchStrategy.ServerSideApply),
      ),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.status.reason).toBe("Conflict");
    expect(conflict.status.message).toContain('conflict with "ci"');
    expect(conflict.status.message).toContain(".spec.replicas");

    const forced = await apps.patchNamespacedDeployment(
      { namespace, name: "api", body: rival, fieldManager: "someone-else", force: true },
      as(PatchStrategy.ServerSideApply),
    );
    expect(forced.spec?.replicas).toBe(5);
  });

  it("a merge patch of what is not there: 404", async () => {
    const namespace = await newNamespace("missing");
    const missing = await apiError(
      core.patchNamespacedConfigMap(
        { namespace, name: "ghost", body: { data: { a: "b" } } },
        as(PatchStrategy.MergePatch),
      ),
    );
    expect(missing.code).toBe(404);
    expect(missing.status.message).toBe('configmaps "ghost" not found');
  });
});
