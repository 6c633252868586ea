/**
 * The API server over real HTTPS: authentication, authorization, discovery, the REST verbs,
 * errors as metav1.Status, and watches. (Real kubectl and client-node drive it in
 * test/conformance; these cases pin the wire format.)
 */
import { once } from "node:events";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";

let api: TestApiServer;

beforeAll(async () => {
  api = await startTestApiServer({ keepAliveMs: 200 });
});
afterAll(async () => {
  await api?.stop();
});

const configMap = (name: string, data: Record<string, string> = { a: "b" }) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data,
});

describe("authentication and authorization", () => {
  it("without credentials only health and version answer; everything else is 401", async () => {
    expect((await api.request("GET", "/healthz", { user: null })).text).toBe("ok");
    expect((await api.request("GET", "/version", { user: null })).json()).toMatchObject({
      major: "1",
      minor: "32",
    });
    const denied = await api.request("GET", "/api/v1/namespaces", { user: null });
    expect(denied.status).toBe(401);
    expect(denied.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });

  it("a user without rights gets 403 with Kubernetes' message", async () => {
    const denied = await api.request("GET", "/api/v1/namespaces/default/secrets", {
      user: "system:kube-proxy",
    });
    expect(denied.status, denied.text).toBe(403);
    expect(denied.json()).toMatchObject({
      reason: "Forbidden",
      message:
        'secrets is forbidden: User "system:kube-proxy" cannot list resource "secrets" in API group "" in the namespace "default"',
    });
  });

  it("auth whoami and auth can-i answer for the caller", async () => {
    const whoami = await api.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    });
    expect(whoami.status).toBe(201);
    expect(whoami.json()).toMatchObject({
      status: {
        userInfo: { username: "admin", groups: expect.arrayContaining(["system:masters"]) },
      },
    });
    const canI = (user: string) =>
      api.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        user,
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: {
            resourceAttributes: {
              verb: "create",
              resource: "pods",
              subresource: "binding",
              namespace: "default",
            },
          },
        },
      });
    expect((await canI("system:kube-scheduler")).json()).toMatchObject({
      status: { allowed: true },
    });
    expect((await canI("system:kube-proxy")).json()).toMatchObject({ status: { allowed: false } });
  });
});

describe("discovery", () => {
  it("answers aggregated v2 only when asked, with the right content type", async () => {
    const accept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    const res = await api.request("GET", "/apis", { accept });
    expect(res.headers["content-type"]).toBe(
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    );
    const apps = res
      .json<{
        items: {
          metadata: { name: string };
          versions: { resources: { resource: string; shortNames?: string[] }[] }[];
        }[];
      }>()
      .items.find((g) => g.metadata.name === "apps");
    expect(
      apps?.versions[0]?.resources.find((r) => r.resource === "deployments")?.shortNames,
    ).toEqual(["deploy"]);
    const legacy = await api.request("GET", "/apis");
    expect(legacy.json()).toMatchObject({ kind: "APIGroupList" });
  });

  it("lists a group-version's resources with their subresources", async () => {
    const list = (await api.request("GET", "/apis/apps/v1")).json<{
      resources: { name: string; kind: string }[];
    }>();
    expect(list.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        "deployments",
        "deployments/status",
        "deployments/scale",
        "replicasets",
      ]),
    );
    expect(list.resources.find((r) => r.name === "deployments/scale")?.kind).toBe("Scale");
  });
});

describe("the REST verbs", () => {
  it("create, get, list, update with a stale resourceVersion, delete", async () => {
    const created = await api.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("one"),
    });
    expect(created.status).toBe(201);
    const object = created.json<{ metadata: { uid: string; resourceVersion: string } }>();
    expect(object.metadata.uid).toMatch(/[0-9a-f-]{36}/);

    const again = await api.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("one"),
    });
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({
      reason: "AlreadyExists",
      message: 'configmaps "one" already exists',
    });

    const updated = await api.request("PUT", "/api/v1/namespaces/default/configmaps/one", {
      body: {
        ...configMap("one", { a: "c" }),
        metadata: { name: "one", resourceVersion: object.metadata.resourceVersion },
      },
    });
    expect(updated.status).toBe(200);
    const stale = await api.request("PUT", "/api/v1/namespaces/default/configmaps/one", {
      body: {
        ...configMap("one", { a: "d" }),
        metadata: { name: "one", resourceVersion: object.metadata.resourceVersion },
      },
    });
    expect(stale.status).toBe(409);
    expect(stale.json()).toMatchObject({ reason: "Conflict" });

    const list = await api.request("GET", "/api/v1/namespaces/default/configmaps?labelSelector=");
    expect(
      list.json<{ items: { data: Record<string, string> }[] }>().items.map((i) => i.data),
    ).toContainEqual({ a: "c" });
    expect((await api.request("DELETE", "/api/v1/namespaces/default/configmaps/one")).status).toBe(
      200,
    );
    expect(
      (await api.request("GET", "/api/v1/namespaces/default/configmaps/one")).json(),
    ).toMatchObject({
      reason: "NotFound",
      message: 'configmaps "one" not found',
      details: { name: "one", kind: "configmaps" },
    });
  });

  it("pods/binding sets spec.nodeName and PodScheduled once; a second binding is a conflict", async () => {
    await api.request("POST", "/api/v1/namespaces/default/pods", {
      body: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "to-bind" },
        spec: { containers: [{ name: "c", image: "tinykube/hello" }] },
      },
    });
    const bind = (node: string) =>
      api.request("POST", "/api/v1/namespaces/default/pods/to-bind/binding", {
        body: {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: "to-bind" },
          target: { apiVersion: "v1", kind: "Node", name: node },
        },
      });
    expect((await bind("node-1")).status).toBe(201);
    const pod = (await api.request("GET", "/api/v1/namespaces/default/pods/to-bind")).json<{
      spec: { nodeName: string };
      status: { conditions: { type: string; status: string }[] };
    }>();
    expect(pod.spec.nodeName).toBe("node-1");
    expect(pod.status.conditions).toContainEqual(
      expect.objectContaining({ type: "PodScheduled", status: "True" }),
    );
    const again = await bind("node-2");
    expect(again.status).toBe(409);
    expect(again.json()).toMatchObject({ reason: "Conflict" });
    expect(String(again.json().message)).toContain(
      'pod to-bind is already assigned to node "node-1"',
    );
  });

  it("a patch that names a resourceVersion applies only to that version (409 otherwise)", async () => {
    const created = await api.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("conditional", { a: "1" }),
    });
    const rv = created.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
    const patch = (body: unknown) =>
      api.request("PATCH", "/api/v1/namespaces/default/configmaps/conditional", {
        body,
        contentType: "application/merge-patch+json",
      });
    const first = await patch({ metadata: { resourceVersion: rv }, data: { a: "2" } });
    expect(first.status).toBe(200);
    const stale = await patch({ metadata: { resourceVersion: rv }, data: { a: "3" } });
    expect(stale.status).toBe(409);
    expect(stale.json()).toMatchObject({
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on configmaps "conditional": the object has been modified; please apply your changes to the latest version and try again',
    });
    const now = await api.request("GET", "/api/v1/namespaces/default/configmaps/conditional");
    expect(now.json<{ data: Record<string, string> }>().data).toEqual({ a: "2" });
    expect(
      (await patch({ data: { a: "4" } })).status,
      "without a resourceVersion: unconditional",
    ).toBe(200);
  });

  it("refuses a create in a namespace that does not exist, storing nothing", async () => {
    const res = await api.request("POST", "/api/v1/namespaces/nowhere/configmaps", {
      body: configMap("x"),
    });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ message: 'namespaces "nowhere" not found' });
  });

  it("refuses bodies that are not objects of this resource, and oversized ones", async () => {
    const garbage = await api.request("POST", "/api/v1/namespaces/default/configmaps", {
      raw: "{nope",
      contentType: "application/json",
    });
    expect(garbage.status).toBe(400);
    expect(garbage.json<{ message: string }>().message).toMatch(/error decoding JSON body/);
    const wrongKind = await api.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: { ...configMap("x"), kind: "Secret" },
    });
    expect(wrongKind.json<{ message: string }>().message).toBe(
      "the kind in the data (Secret) does not match the expected kind (ConfigMap)",
    );
    const huge = await api.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("x", { a: "x".repeat(4 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.json()).toMatchObject({ reason: "RequestEntityTooLarge" });
    expect((await api.request("GET", "/api/v1/namespaces/default/configmaps/x")).status).toBe(404);
  });

  it("refuses an object over 1.5 MiB even when the body is under 3 MiB", async () => {
    // A Lease: its validation has no size rule of its own (a ConfigMap's stops at 1 MiB).
    const big = await api.request(
      "POST",
      "/apis/coordination.k8s.io/v1/namespaces/default/leases",
      {
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: "big" },
          spec: { holderIdentity: "x".repeat(2 * 1024 * 1024) },
        },
      },
    );
    expect(big.status, big.text.slice(0, 300)).toBe(413);
    expect(big.json<{ message: string }>().message).toMatch(
      /^Request entity too large: the object is \d+ bytes; limit is 1572864$/,
    );
    expect((await api.request("GET", "/api/v1/namespaces/default/configmaps/big")).status).toBe(
      404,
    );
  });

  it("serves Tables when kubectl asks for them", async () => {
    await api.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("table-me"),
    });
    const table = await api.request("GET", "/api/v1/namespaces/default/configmaps", {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    const body = table.json<{
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[] }[];
    }>();
    expect(body.kind).toBe("Table");
    expect(body.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Data", "Age"]);
    expect(body.rows.some((r) => r.cells[0] === "table-me")).toBe(true);
  });

  it("an unknown resource is Kubernetes' 404", async () => {
    const res = await api.request("GET", "/apis/example.com/v1/widgets");
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({
      message: "the server could not find the requested resource",
    });
  });
});

describe("connections", () => {
  it("keeps an idle connection 90 s, as kube-apiserver does, and says so", async () => {
    // Node's own default is 5 s: shorter than a kubelet's 10 s between heartbeats.
    const res = await api.request("GET", "/version", { user: null });
    expect(res.headers["keep-alive"]).toBe("timeout=90");
  });

  it.each([
    ["HTTPS", false],
    ["HTTP/2", true],
  ])(
    "%s: stopping ends a connection still in its TLS handshake instead of waiting 90 s for it",
    async (_, http2) => {
      const own = await startTestApiServer({ http2 });
      const socket = connect(Number(new URL(own.url).port), "127.0.0.1");
      await once(socket, "connect");
      const closed = once(socket, "close");
      // Nothing sent: the server waits for a ClientHello. Before the fix, stop() waited for this
      // connection to idle out (90 s), so this test ran into its 20 s timeout.
      await own.stop();
      await closed;
      expect(socket.destroyed).toBe(true);
    },
  );
});

describe("watch", () => {
  it("streams changes after a list's resourceVersion, with keep-alive newlines", async () => {
    const list = (await api.request("GET", "/api/v1/namespaces/default/configmaps")).json<{
      metadata: { resourceVersion: string };
    }>();
    const watch = await api.watch(
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
    );
    expect(watch.status).toBe(200);
    await api.request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("watched"),
    });
    await api.request("DELETE", "/api/v1/namespaces/default/configmaps/watched");
    const added = await watch.next();
    const deleted = await watch.next();
    expect([added.type, deleted.type]).toEqual(["ADDED", "DELETED"]);
    expect((added.object.metadata as { name: string }).name).toBe("watched");
    const deadline = Date.now() + 5000;
    while (!watch.lines.includes("") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(watch.lines).toContain("");
    watch.close();
  });

  it("a resourceVersion the watch cache no longer holds gets an ERROR event with 410", async () => {
    const watch = await api.watch(
      "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1",
    );
    const event = await watch.next();
    expect(event).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
    watch.close();
  });
});

describe("namespace deletion", () => {
  it("turns a namespace Terminating until its finalizers are cleared through finalize", async () => {
    await api.request("POST", "/api/v1/namespaces", {
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } },
    });
    const deleted = await api.request("DELETE", "/api/v1/namespaces/doomed");
    expect(deleted.json()).toMatchObject({
      status: { phase: "Terminating" },
      spec: { finalizers: ["kubernetes"] },
    });
    const refused = await api.request("POST", "/api/v1/namespaces/doomed/configmaps", {
      body: configMap("late"),
    });
    expect(refused.status).toBe(403);
    expect(refused.json<{ message: string }>().message).toBe(
      'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    );
    const current = (await api.request("GET", "/api/v1/namespaces/doomed")).json<
      Record<string, unknown>
    >();
    const finalized = await api.request("PUT", "/api/v1/namespaces/doomed/finalize", {
      body: { ...current, spec: { finalizers: [] } },
    });
    expect(finalized.status).toBe(200);
    expect((await api.request("GET", "/api/v1/namespaces/doomed")).status).toBe(404);
  });
});
