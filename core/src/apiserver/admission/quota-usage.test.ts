import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/object.ts";
import { compareQuantities, newMilliQuantity } from "../../api/quantity.ts";
import {
  addLists,
  evaluatorFor,
  evaluatorsFor,
  exceededNames,
  listsEqual,
  maskList,
  parseResourceList,
  podEvaluator,
  podIsCharged,
  podResources,
  prettyPrint,
  type ResourceList,
  resourceListJson,
  serviceEvaluator,
  subtractNonNegative,
} from "./quota-usage.ts";

const list = (json: Record<string, string | number>) => parseResourceList(json);
const json = (l: ResourceList) => resourceListJson(l);

const NOW = Date.parse("2026-01-01T00:00:00Z");

function pod(spec: Record<string, unknown>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns" },
    spec,
    ...extra,
  };
}

const container = (name: string, requests?: object, limits?: object, more: object = {}) => ({
  name,
  image: "nginx",
  ...more,
  ...(requests || limits
    ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }
    : {}),
});

describe("resource list arithmetic", () => {
  it("adds exactly and prints canonically, names sorted", () => {
    let total = list({});
    for (let i = 0; i < 3; i++) total = addLists(total, list({ "requests.cpu": "100m", pods: 1 }));
    total = addLists(total, list({ "requests.memory": "512Mi" }));
    expect(json(total)).toEqual({ pods: "3", "requests.cpu": "300m", "requests.memory": "512Mi" });
    expect(Object.keys(json(total))).toEqual(["pods", "requests.cpu", "requests.memory"]);
    expect(json(addLists(list({ cpu: "500m" }), list({ cpu: "500m" })))).toEqual({ cpu: "1" });
  });

  it("subtracts without going below zero, keeping every name", () => {
    expect(
      json(subtractNonNegative(list({ cpu: "1", pods: 1 }), list({ cpu: "1500m", memory: "1Gi" }))),
    ).toEqual({
      cpu: "0",
      memory: "0",
      pods: "1",
    });
  });

  it("compares by value: 1 equals 1000m; exceeded lists the names over", () => {
    expect(listsEqual(list({ cpu: "1" }), list({ cpu: "1000m" }))).toBe(true);
    expect(listsEqual(list({ cpu: "1" }), list({ cpu: "1", pods: 0 }))).toBe(false);
    expect(
      exceededNames(list({ cpu: "1100m", pods: 2, memory: "9Gi" }), list({ cpu: "1", pods: 2 })),
    ).toEqual(["cpu"]);
  });

  it("pretty-prints as Kubernetes' quota errors do", () => {
    expect(prettyPrint(list({ "requests.cpu": "500m", pods: "1" }))).toBe(
      "pods=1,requests.cpu=500m",
    );
    expect(prettyPrint(maskList(list({ a: 1, b: 2 }), ["b"]))).toBe("b=2");
  });

  const quantities = fc
    .integer({ min: 0, max: 10_000_000 })
    .map((m) => newMilliQuantity(m, "DecimalSI"));
  const lists = fc
    .dictionary(fc.constantFrom("cpu", "memory", "pods", "requests.cpu"), quantities)
    .map((d) => new Map(Object.entries(d)) as ResourceList);

  it("adding is commutative and associative", () => {
    fc.assert(
      fc.property(lists, lists, lists, (a, b, c) => {
        expect(listsEqual(addLists(a, b), addLists(b, a))).toBe(true);
        expect(listsEqual(addLists(addLists(a, b), c), addLists(a, addLists(b, c)))).toBe(true);
      }),
    );
  });

  it("a non-negative difference added back covers the original", () => {
    fc.assert(
      fc.property(lists, lists, (a, b) => {
        const diff = subtractNonNegative(a, b);
        for (const q of diff.values())
          expect(compareQuantities(q, newMilliQuantity(0, "DecimalSI"))).toBeGreaterThanOrEqual(0);
        expect(exceededNames(a, addLists(diff, b))).toEqual([]);
      }),
    );
  });
});

describe("pod resources", () => {
  it("adds app containers and sidecars, takes the largest init-container moment", () => {
    // App 100m + 200m, sidecar 50m, then an init container of 500m that runs before it.
    const p = pod({
      initContainers: [
        container("migrate", { cpu: "500m" }),
        container("proxy", { cpu: "50m" }, undefined, { restartPolicy: "Always" }),
        container("warm", { cpu: "200m", memory: "1Gi" }),
      ],
      containers: [
        container("a", { cpu: "100m", memory: "128Mi" }),
        container("b", { cpu: "200m" }),
      ],
    });
    // Containers 350m; moments: migrate 500m, warm 200m + proxy 50m = 250m → 500m.
    // Memory: containers 128Mi; warm's 1Gi moment is larger.
    expect(json(podResources(p, "requests", { overhead: false }))).toEqual({
      cpu: "500m",
      memory: "1Gi",
    });
  });

  it("adds overhead to every request and only to limits that are set", () => {
    const p = pod({
      overhead: { cpu: "10m", memory: "20Mi" },
      containers: [container("a", { cpu: "100m" }, { cpu: "200m" })],
    });
    expect(json(podResources(p, "requests", { overhead: true }))).toEqual({
      cpu: "110m",
      memory: "20Mi",
    });
    expect(json(podResources(p, "limits", { overhead: true }))).toEqual({ cpu: "210m" });
  });
});

describe("pod evaluator", () => {
  it("charges a running pod its requests and limits", () => {
    const p = pod({
      containers: [
        container(
          "a",
          { cpu: "250m", memory: "64Mi", "nvidia.com/gpu": 1, "hugepages-2Mi": "4Mi" },
          { cpu: "1" },
        ),
      ],
    });
    expect(json(podEvaluator.usage(p, NOW))).toEqual({
      "count/pods": "1",
      cpu: "250m",
      "hugepages-2Mi": "4Mi",
      "limits.cpu": "1",
      memory: "64Mi",
      pods: "1",
      "requests.cpu": "250m",
      "requests.hugepages-2Mi": "4Mi",
      "requests.memory": "64Mi",
      "requests.nvidia.com/gpu": "1",
    });
  });

  it.each([
    ["Succeeded", {}, false],
    ["Failed", {}, false],
    ["Running", {}, true],
    [
      "Running",
      { deletionTimestamp: "2025-12-31T23:59:00Z", deletionGracePeriodSeconds: 30 },
      false,
    ],
    [
      "Running",
      { deletionTimestamp: "2025-12-31T23:59:50Z", deletionGracePeriodSeconds: 30 },
      true,
    ],
  ])("a %s pod with %j counts toward compute quota: %s", (phase, meta, charged) => {
    const p = pod({ containers: [container("a", { cpu: "1" })] }, { status: { phase } });
    p.metadata = { ...p.metadata, ...meta };
    expect(podIsCharged(p, NOW)).toBe(charged);
    expect(json(podEvaluator.usage(p, NOW))).toEqual(
      charged
        ? { "count/pods": "1", cpu: "1", pods: "1", "requests.cpu": "1" }
        : { "count/pods": "1" },
    );
  });

  it("demands cpu and memory from every container when a quota limits them", () => {
    const p = pod({
      initContainers: [container("setup")],
      containers: [
        container("nginx", { cpu: "100m" }),
        container("log", { cpu: "1", memory: "1Gi" }, { memory: "1Gi" }),
      ],
    });
    expect(
      podEvaluator.constraints(["pods", "requests.cpu", "limits.memory", "requests.storage"], p),
    ).toBe("must specify limits.memory for: nginx,setup; requests.cpu for: setup");
    expect(podEvaluator.constraints(["pods", "count/pods"], p)).toBeUndefined();
  });

  it("matches the pod scopes", () => {
    const bestEffort = pod({ containers: [container("a")] });
    const burstable = pod({
      containers: [container("a", { memory: "1Gi" })],
      activeDeadlineSeconds: 60,
      priorityClassName: "high",
    });
    const scope = (scopeName: string, operator = "Exists", values?: string[]) => ({
      scopeName,
      operator,
      ...(values ? { values } : {}),
    });
    expect(podEvaluator.matchesScope(scope("BestEffort"), bestEffort)).toBe(true);
    expect(podEvaluator.matchesScope(scope("NotBestEffort"), burstable)).toBe(true);
    expect(podEvaluator.matchesScope(scope("Terminating"), burstable)).toBe(true);
    expect(podEvaluator.matchesScope(scope("NotTerminating"), bestEffort)).toBe(true);
    expect(podEvaluator.matchesScope(scope("PriorityClass", "In", ["high"]), burstable)).toBe(true);
    expect(podEvaluator.matchesScope(scope("PriorityClass", "NotIn", ["high"]), bestEffort)).toBe(
      true,
    );
    expect(podEvaluator.matchesScope(scope("PriorityClass"), bestEffort)).toBe(false);
  });

  it("handles creates, and updates only when the Terminating scope changes", () => {
    const before = pod({ containers: [container("a")] });
    const after = pod({ containers: [container("a")], activeDeadlineSeconds: 5 });
    expect(
      podEvaluator.handles({ operation: "CREATE", object: before, oldObject: undefined }),
    ).toBe(true);
    expect(podEvaluator.handles({ operation: "UPDATE", object: before, oldObject: before })).toBe(
      false,
    );
    expect(podEvaluator.handles({ operation: "UPDATE", object: after, oldObject: before })).toBe(
      true,
    );
  });
});

describe("other evaluators", () => {
  it("counts services and the node ports and load balancers they hold", () => {
    const svc = (spec: object): KubeObject => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec,
    });
    const ports = [{ port: 80 }, { port: 443, nodePort: 30443 }];
    expect(json(serviceEvaluator.usage(svc({ type: "ClusterIP", ports }), NOW))).toMatchObject({
      services: "1",
      "services.nodeports": "0",
      "services.loadbalancers": "0",
    });
    expect(json(serviceEvaluator.usage(svc({ type: "NodePort", ports }), NOW))).toMatchObject({
      "services.nodeports": "2",
    });
    expect(
      json(
        serviceEvaluator.usage(
          svc({ type: "LoadBalancer", ports, allocateLoadBalancerNodePorts: false }),
          NOW,
        ),
      ),
    ).toMatchObject({ "services.nodeports": "1", "services.loadbalancers": "1" });
  });

  it("counts any resource by count/<resource>.<group>, and four by their bare names", () => {
    const deployments = evaluatorFor("apps", "deployments");
    expect(deployments?.matchingResources(["count/deployments.apps", "pods"])).toEqual([
      "count/deployments.apps",
    ]);
    expect(
      json(evaluatorFor("", "configmaps")?.usage({} as KubeObject, NOW) as ResourceList),
    ).toEqual({
      configmaps: "1",
      "count/configmaps": "1",
    });
    expect(evaluatorFor("", "events")).toBeUndefined();
    expect(
      evaluatorFor("apps", "deployments")?.handles({
        operation: "UPDATE",
        object: {} as KubeObject,
        oldObject: {} as KubeObject,
      }),
    ).toBe(false);
  });

  it("finds the evaluators a quota's names need", () => {
    const found = evaluatorsFor([
      "pods",
      "requests.cpu",
      "count/deployments.apps",
      "secrets",
      "count/widgets.example.com",
      "requests.storage",
    ]);
    expect(found.map((e) => `${e.group}/${e.resource}`)).toEqual([
      "/pods",
      "/secrets",
      "apps/deployments",
      "example.com/widgets",
    ]);
  });
});
