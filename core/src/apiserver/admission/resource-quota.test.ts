/**
 * ResourceQuota admission: the check and its messages on plain objects, then over HTTPS against
 * a real API server — refusals, status.used as kubectl sees it, concurrent creates racing for
 * the last slots, and usage coming back down when pods go.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/object.ts";
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";
import { findKubectl, runKubectl } from "../../testing/kubectl.ts";
import { evaluatorFor, podEvaluator, resourceListJson } from "./quota-usage.ts";
import { checkRequest, QuotaRefusal, type ResourceQuotaObject } from "./resource-quota.ts";

const NOW = Date.parse("2026-01-01T00:00:00Z");

function quota(
  name: string,
  hard: Record<string, string>,
  used: Record<string, string> | undefined,
  spec: object = {},
): ResourceQuotaObject {
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name, namespace: "ns", resourceVersion: "5" },
    spec: { hard, ...spec },
    status: { hard, ...(used ? { used } : {}) },
  };
}

function pod(name: string, requests?: Record<string, string>, more: object = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns" },
    spec: {
      containers: [
        { name: "app", image: "nginx", ...(requests ? { resources: { requests } } : {}) },
      ],
      ...more,
    },
  };
}

const create = (object: KubeObject) => ({
  operation: "CREATE" as const,
  object,
  oldObject: undefined,
});

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof QuotaRefusal) return error.message;
    throw error;
  }
  throw new Error("expected a QuotaRefusal");
}

describe("checkRequest", () => {
  const compute = quota(
    "compute",
    { pods: "2", "requests.cpu": "1" },
    { pods: "1", "requests.cpu": "500m" },
  );

  it("charges what fits and leaves other quotas alone", () => {
    const other = quota("objects", { configmaps: "5" }, { configmaps: "0" });
    const [charged, untouched] = checkRequest(
      [compute, other],
      create(pod("web", { cpu: "500m" })),
      podEvaluator,
      NOW,
    );
    expect(resourceListJson(charged ?? new Map())).toEqual({ pods: "2", "requests.cpu": "1" });
    expect(untouched).toBeUndefined();
  });

  it("refuses what does not fit, naming only what went over", () => {
    expect(
      refusal(() =>
        checkRequest([compute], create(pod("web", { cpu: "600m" })), podEvaluator, NOW),
      ),
    ).toBe(
      "exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1",
    );
    const full = quota(
      "compute",
      { pods: "2", "requests.cpu": "1" },
      { pods: "2", "requests.cpu": "1" },
    );
    expect(
      refusal(() => checkRequest([full], create(pod("web", { cpu: "100m" })), podEvaluator, NOW)),
    ).toBe(
      "exceeded quota: compute, requested: pods=1,requests.cpu=100m, used: pods=2,requests.cpu=1, limited: pods=2,requests.cpu=1",
    );
  });

  it("refuses a pod that does not state what the quota limits", () => {
    expect(refusal(() => checkRequest([compute], create(pod("web")), podEvaluator, NOW))).toBe(
      "failed quota: compute: must specify requests.cpu for: app",
    );
  });

  it("refuses while a quota's usage is unknown", () => {
    const unknown = quota("compute", { pods: "2", "requests.cpu": "1" }, { pods: "0" });
    expect(
      refusal(() => checkRequest([unknown], create(pod("web", { cpu: "1" })), podEvaluator, NOW)),
    ).toBe("status unknown for quota: compute, resources: pods,requests.cpu");
  });

  it("ignores quotas out of scope, and judges by status.hard", () => {
    const bestEffort = quota("be", { pods: "0" }, { pods: "0" }, { scopes: ["BestEffort"] });
    expect(checkRequest([bestEffort], create(pod("web", { cpu: "1" })), podEvaluator, NOW)).toEqual(
      [undefined],
    );
    expect(refusal(() => checkRequest([bestEffort], create(pod("web")), podEvaluator, NOW))).toBe(
      "exceeded quota: be, requested: pods=1, used: pods=0, limited: pods=0",
    );
    const notSynced = { ...quota("new", { pods: "0" }, undefined), status: {} };
    expect(checkRequest([notSynced], create(pod("web")), podEvaluator, NOW)).toEqual([undefined]);
  });

  it("charges an update only for what it adds to quotas that counted the old object", () => {
    const terminating = quota("jobs", { pods: "1" }, { pods: "0" }, { scopes: ["Terminating"] });
    const old = {
      ...pod("web", { cpu: "1" }),
      metadata: { name: "web", namespace: "ns", resourceVersion: "3" },
    };
    const withDeadline = pod("web", { cpu: "1" }, { activeDeadlineSeconds: 60 });
    const update = { operation: "UPDATE" as const, object: withDeadline, oldObject: old };
    // The pod enters the Terminating scope: the scoped quota never counted it, so it pays in full.
    const [charged] = checkRequest([terminating], update, podEvaluator, NOW);
    expect(resourceListJson(charged ?? new Map())).toEqual({ pods: "1" });
    // An unscoped quota already counts it: nothing grows, nothing is charged.
    const all = quota("all", { pods: "1" }, { pods: "1" });
    expect(checkRequest([all], update, podEvaluator, NOW)).toEqual([undefined]);
  });

  it("counts other objects by count/<resource> and legacy names", () => {
    const objects = quota(
      "objects",
      { configmaps: "2", "count/configmaps": "1" },
      { configmaps: "1", "count/configmaps": "1" },
    );
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns" } };
    expect(
      refusal(() =>
        checkRequest([objects], create(cm), evaluatorFor("", "configmaps") as never, NOW),
      ),
    ).toBe(
      "exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1",
    );
  });
});

describe("over HTTPS", () => {
  let api: TestApiServer;

  beforeAll(async () => {
    api = await startTestApiServer();
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** A namespace with its default service account (the serviceaccount controller's job). */
  async function namespace(name: string): Promise<void> {
    const ns = await api.request("POST", "/api/v1/namespaces", {
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
    });
    expect(ns.status, ns.text).toBe(201);
    const sa = await api.request("POST", `/api/v1/namespaces/${name}/serviceaccounts`, {
      body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } },
    });
    expect(sa.status, sa.text).toBe(201);
  }

  async function createQuota(
    ns: string,
    name: string,
    hard: Record<string, string>,
  ): Promise<void> {
    const res = await api.request("POST", `/api/v1/namespaces/${ns}/resourcequotas`, {
      body: { apiVersion: "v1", kind: "ResourceQuota", metadata: { name }, spec: { hard } },
    });
    expect(res.status, res.text).toBe(201);
  }

  const createPod = (ns: string, name: string, requests?: Record<string, string>, query = "") =>
    api.request("POST", `/api/v1/namespaces/${ns}/pods${query}`, {
      body: { ...pod(name, requests), metadata: { name } },
    });

  async function used(ns: string, name: string): Promise<Record<string, string> | undefined> {
    const res = await api.request("GET", `/api/v1/namespaces/${ns}/resourcequotas/${name}`);
    return res.json<ResourceQuotaObject>().status?.used as Record<string, string> | undefined;
  }

  /** Waits (with a deadline) until the quota's status.used is `expected`. */
  async function usedBecomes(
    ns: string,
    name: string,
    expected: Record<string, string>,
  ): Promise<void> {
    const deadline = Date.now() + 5000;
    let last: Record<string, string> | undefined;
    while (Date.now() < deadline) {
      last = await used(ns, name);
      if (JSON.stringify(last) === JSON.stringify(expected)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(last).toEqual(expected);
  }

  it("charges pods to the quota and refuses what does not fit, with Kubernetes' messages", async () => {
    await namespace("quota-a");
    await createQuota("quota-a", "compute", { pods: "2", "requests.cpu": "1" });

    expect((await createPod("quota-a", "p1", { cpu: "500m" })).status).toBe(201);
    expect(await used("quota-a", "compute")).toEqual({ pods: "1", "requests.cpu": "500m" });

    const tooBig = await createPod("quota-a", "big", { cpu: "600m" });
    expect(tooBig.status).toBe(403);
    expect(tooBig.json()).toMatchObject({
      kind: "Status",
      reason: "Forbidden",
      code: 403,
      details: { name: "big", kind: "pods" },
      message:
        'pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1',
    });
    expect((await api.request("GET", "/api/v1/namespaces/quota-a/pods/big")).status).toBe(404);

    const bare = await createPod("quota-a", "bare");
    expect(bare.status).toBe(403);
    expect(bare.json().message).toBe(
      'pods "bare" is forbidden: failed quota: compute: must specify requests.cpu for: app',
    );

    // A dry run is judged, but charges nothing.
    expect((await createPod("quota-a", "dry", { cpu: "500m" }, "?dryRun=All")).status).toBe(201);
    expect(await used("quota-a", "compute")).toEqual({ pods: "1", "requests.cpu": "500m" });

    expect((await createPod("quota-a", "p2", { cpu: "500m" })).status).toBe(201);
    const third = await createPod("quota-a", "p3", { cpu: "100m" });
    expect(third.json().message).toBe(
      'pods "p3" is forbidden: exceeded quota: compute, requested: pods=1,requests.cpu=100m, used: pods=2,requests.cpu=1, limited: pods=2,requests.cpu=1',
    );
    expect(await used("quota-a", "compute")).toEqual({ pods: "2", "requests.cpu": "1" });
  });

  it("gives the quota back when a pod is deleted or finishes", async () => {
    await namespace("quota-b");
    await createQuota("quota-b", "compute", { pods: "2", "requests.cpu": "1" });
    expect((await createPod("quota-b", "a", { cpu: "500m" })).status).toBe(201);
    expect((await createPod("quota-b", "b", { cpu: "500m" })).status).toBe(201);
    expect((await createPod("quota-b", "c", { cpu: "500m" })).status).toBe(403);

    expect((await api.request("DELETE", "/api/v1/namespaces/quota-b/pods/a")).status).toBe(200);
    await usedBecomes("quota-b", "compute", { pods: "1", "requests.cpu": "500m" });
    expect((await createPod("quota-b", "c", { cpu: "500m" })).status).toBe(201);

    // A pod that has finished no longer counts toward compute quota.
    const b = (await api.request("GET", "/api/v1/namespaces/quota-b/pods/b")).json<KubeObject>();
    const done = await api.request("PUT", "/api/v1/namespaces/quota-b/pods/b/status", {
      body: { ...b, status: { phase: "Succeeded" } },
    });
    expect(done.status, done.text).toBe(200);
    await usedBecomes("quota-b", "compute", { pods: "1", "requests.cpu": "500m" });
  });

  it("lets exactly as many concurrent creates through as fit", async () => {
    await namespace("quota-race");
    await createQuota("quota-race", "pods", { pods: "3" });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => createPod("quota-race", `racer-${i}`)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 403, 403, 403, 403, 403, 403, 403]);
    for (const refused of results.filter((r) => r.status === 403)) {
      expect(refused.json().message).toMatch(
        /^pods "racer-\d" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=3, limited: pods=3$/,
      );
    }
    const pods = (await api.request("GET", "/api/v1/namespaces/quota-race/pods")).json<{
      items: unknown[];
    }>();
    expect(pods.items).toHaveLength(3);
    expect(await used("quota-race", "pods")).toEqual({ pods: "3" });
  });

  it("re-checks against the new usage when another writer charged the quota first", async () => {
    await namespace("quota-cas");
    await createQuota("quota-cas", "pods", { pods: "2" });
    expect((await createPod("quota-cas", "first")).status).toBe(201);
    expect(await used("quota-cas", "pods")).toEqual({ pods: "1" });

    // Another API server takes the last slot between this one's read and its write.
    const quotas = api.server.registry(
      BUILTIN_TYPES.find((t) => t.resource === "resourcequotas") as ResourceType,
    );
    const original = quotas.guaranteedUpdate.bind(quotas);
    const seen: (string | undefined)[] = [];
    quotas.guaranteedUpdate = async (ns, name, options) => {
      seen.push(options.expectedResourceVersion);
      if (seen.length === 1) {
        await original(ns, name, {
          subresource: "status",
          mutate: (q) => ({ ...q, status: { ...(q.status as object), used: { pods: "2" } } }),
        });
      }
      return original(ns, name, options);
    };
    try {
      const second = await createPod("quota-cas", "second");
      expect(second.json().message).toBe(
        'pods "second" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2',
      );
    } finally {
      quotas.guaranteedUpdate = original;
    }
    // The charge was tried once, at the version read, and lost; the re-check then refused.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^\d+$/);
    expect((await api.request("GET", "/api/v1/namespaces/quota-cas/pods/second")).status).toBe(404);
  });

  it("counts any resource with count/<resource>.<group>", async () => {
    await namespace("quota-count");
    await createQuota("quota-count", "objects", { "count/deployments.apps": "1", configmaps: "1" });
    const deployment = (name: string) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "app", image: "nginx" }] },
        },
      },
    });
    const path = "/apis/apps/v1/namespaces/quota-count/deployments";
    expect((await api.request("POST", path, { body: deployment("one") })).status).toBe(201);
    const second = await api.request("POST", path, { body: deployment("two") });
    expect(second.status).toBe(403);
    expect(second.json().message).toBe(
      'deployments.apps "two" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1',
    );
    expect(await used("quota-count", "objects")).toEqual({
      configmaps: "0",
      "count/deployments.apps": "1",
    });
    // Deleting the deployment gives its slot back (the recalculator now watches deployments).
    expect((await api.request("DELETE", `${path}/one`)).status).toBe(200);
    await usedBecomes("quota-count", "objects", { configmaps: "0", "count/deployments.apps": "0" });
    expect((await api.request("POST", path, { body: deployment("two") })).status).toBe(201);
  });

  it("shows Used and Hard in kubectl describe quota", async () => {
    await namespace("quota-kubectl");
    await createQuota("quota-kubectl", "compute", {
      pods: "4",
      "requests.cpu": "2",
      "requests.memory": "1Gi",
    });
    expect((await createPod("quota-kubectl", "web", { cpu: "250m", memory: "256Mi" })).status).toBe(
      201,
    );
    const kubectl = findKubectl();
    const result = await runKubectl(["describe", "quota", "compute", "-n", "quota-kubectl"], {
      kubeconfig: api.kubeconfigPath,
      kubectl: kubectl.path,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^Resource\s+Used\s+Hard$/m);
    expect(result.stdout).toMatch(/^pods\s+1\s+4$/m);
    expect(result.stdout).toMatch(/^requests\.cpu\s+250m\s+2$/m);
    expect(result.stdout).toMatch(/^requests\.memory\s+256Mi\s+1Gi$/m);
  });
});
