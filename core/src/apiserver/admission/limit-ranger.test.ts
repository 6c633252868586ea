/**
 * LimitRanger: defaults and their annotation, min/max/ratio checks and their messages on plain
 * objects, then over HTTPS: defaults stored, violations refused and nothing stored, and the
 * defaults letting pods into a namespace whose quota demands requests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyLimitRangeDefaults } from "../../api/defaults/core.ts";
import type { KubeObject } from "../../api/object.ts";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";
import {
  aggregateMessage,
  LIMIT_RANGER_ANNOTATION,
  type LimitRange,
  podLimitViolations,
  setDefaultResources,
} from "./limit-ranger.ts";

type Resources = Record<string, string>;

function limitRange(...limits: Record<string, unknown>[]): LimitRange {
  return applyLimitRangeDefaults({
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "limits", namespace: "ns" },
    spec: { limits },
  }) as LimitRange;
}

interface ContainerSpec {
  name: string;
  requests?: Resources;
  limits?: Resources;
  restartPolicy?: string;
}

function pod(containers: ContainerSpec[], initContainers: ContainerSpec[] = []): KubeObject {
  const c = ({ name, requests, limits, restartPolicy }: ContainerSpec) => ({
    name,
    image: "nginx",
    ...(restartPolicy ? { restartPolicy } : {}),
    ...(requests || limits
      ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }
      : {}),
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web" },
    spec: {
      containers: containers.map(c),
      ...(initContainers.length > 0 ? { initContainers: initContainers.map(c) } : {}),
    },
  };
}

const resourcesOf = (p: KubeObject, list = "containers") =>
  ((p.spec as Record<string, { resources?: unknown }[]>)[list] ?? []).map((c) => c.resources);

describe("defaults", () => {
  const defaults = limitRange({
    type: "Container",
    default: { cpu: "500m", memory: "512Mi" },
    defaultRequest: { cpu: "100m", memory: "256Mi" },
  });

  it("fills every missing request and limit, and says so in the annotation", () => {
    const p = pod([{ name: "nginx" }]);
    setDefaultResources(defaults, p as never);
    expect(resourcesOf(p)).toEqual([
      { limits: { cpu: "500m", memory: "512Mi" }, requests: { cpu: "100m", memory: "256Mi" } },
    ]);
    expect(p.metadata.annotations?.[LIMIT_RANGER_ANNOTATION]).toBe(
      "LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx",
    );
  });

  it("keeps what the pod states, and covers init containers", () => {
    const p = pod(
      [
        { name: "nginx", requests: { cpu: "50m" }, limits: { cpu: "1", memory: "1Gi" } },
        {
          name: "full",
          requests: { cpu: "1", memory: "1Gi" },
          limits: { cpu: "1", memory: "1Gi" },
        },
      ],
      [{ name: "setup", limits: { memory: "64Mi" } }],
    );
    setDefaultResources(defaults, p as never);
    expect(resourcesOf(p)[0]).toEqual({
      requests: { cpu: "50m", memory: "256Mi" },
      limits: { cpu: "1", memory: "1Gi" },
    });
    expect(resourcesOf(p, "initContainers")[0]).toEqual({
      limits: { memory: "64Mi", cpu: "500m" },
      requests: { cpu: "100m", memory: "256Mi" },
    });
    expect(p.metadata.annotations?.[LIMIT_RANGER_ANNOTATION]).toBe(
      "LimitRanger plugin set: memory request for container nginx; cpu, memory request for init container setup; cpu limit for init container setup",
    );
  });

  it("takes defaults as LimitRange defaulting leaves them: request from the default limit, limit from max", () => {
    const p = pod([{ name: "app" }]);
    setDefaultResources(
      limitRange({ type: "Container", max: { memory: "1Gi" }, default: { cpu: "300m" } }),
      p as never,
    );
    expect(resourcesOf(p)).toEqual([
      { limits: { memory: "1Gi", cpu: "300m" }, requests: { cpu: "300m", memory: "1Gi" } },
    ]);
  });

  it("leaves a pod with nothing to fill untouched", () => {
    const p = pod([{ name: "app" }]);
    setDefaultResources(limitRange({ type: "Pod", max: { cpu: "2" } }), p as never);
    expect(p.metadata.annotations).toBeUndefined();
    expect(resourcesOf(p)).toEqual([undefined]);
  });
});

describe("bounds", () => {
  it.each([
    [
      { min: { cpu: "100m" } },
      { requests: { cpu: "50m" } },
      "minimum cpu usage per Container is 100m, but request is 50m",
    ],
    [{ min: { cpu: "100m" } }, { requests: { cpu: "0.1" } }, undefined],
    [
      { min: { cpu: "100m" } },
      { limits: { memory: "1Gi" } },
      "minimum cpu usage per Container is 100m.  No request is specified",
    ],
    [
      { min: { memory: "1Gi" } },
      { requests: { memory: "1Gi" }, limits: { memory: "512Mi" } },
      "minimum memory usage per Container is 1Gi, but limit is 512Mi",
    ],
    [
      { max: { memory: "1Gi" } },
      { limits: { memory: "2Gi" } },
      "maximum memory usage per Container is 1Gi, but limit is 2Gi",
    ],
    [
      { max: { memory: "1Gi" } },
      { requests: { memory: "512Mi" } },
      "maximum memory usage per Container is 1Gi.  No limit is specified",
    ],
    [
      { max: { cpu: "1" } },
      { requests: { cpu: "2" }, limits: { cpu: "1" } },
      "maximum cpu usage per Container is 1, but request is 2",
    ],
    [
      { maxLimitRequestRatio: { cpu: "2" } },
      { requests: { cpu: "250m" }, limits: { cpu: "1" } },
      "cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000",
    ],
    [
      { maxLimitRequestRatio: { cpu: "2" } },
      { requests: { cpu: "500m" }, limits: { cpu: "1" } },
      undefined,
    ],
    [
      { maxLimitRequestRatio: { cpu: "1500m" } },
      { requests: { cpu: "300m" }, limits: { cpu: "500m" } },
      "cpu max limit to request ratio per Container is 1500m, but provided ratio is 1.666667",
    ],
    [
      { maxLimitRequestRatio: { cpu: "2" } },
      { limits: { cpu: "1" } },
      "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0",
    ],
    [
      { maxLimitRequestRatio: { cpu: "2" } },
      { requests: { cpu: "1" } },
      "cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0",
    ],
  ])("Container %j, resources %j → %s", (item, resources, message) => {
    const p = pod([{ name: "app", ...resources }]);
    expect(podLimitViolations(limitRange({ type: "Container", ...item }), p as never)).toEqual(
      message ? [message] : [],
    );
  });

  it("checks init containers too, each container in turn", () => {
    const p = pod(
      [
        { name: "a", requests: { cpu: "200m" } },
        { name: "b", requests: { cpu: "10m" } },
      ],
      [{ name: "init", requests: { cpu: "20m" } }],
    );
    expect(
      podLimitViolations(limitRange({ type: "Container", min: { cpu: "100m" } }), p as never),
    ).toEqual([
      "minimum cpu usage per Container is 100m, but request is 10m",
      "minimum cpu usage per Container is 100m, but request is 20m",
    ]);
  });

  it("checks a Pod item against the pod's totals", () => {
    const p = pod(
      [
        { name: "a", requests: { cpu: "600m" }, limits: { cpu: "1" } },
        { name: "b", requests: { cpu: "600m" }, limits: { cpu: "1" } },
      ],
      [{ name: "init", requests: { cpu: "2" }, limits: { cpu: "2" } }],
    );
    // Containers add up to 1200m / 2; the init container alone needs 2 / 2: the pod needs 2.
    expect(
      podLimitViolations(
        limitRange({ type: "Pod", max: { cpu: "1500m" }, min: { memory: "1Mi" } }),
        p as never,
      ),
    ).toEqual([
      "minimum memory usage per Pod is 1Mi.  No request is specified",
      "maximum cpu usage per Pod is 1500m, but limit is 2",
    ]);
  });

  it("aggregates like Kubernetes: one message bare, several in brackets, duplicates once", () => {
    expect(aggregateMessage(["a"])).toBe("a");
    expect(aggregateMessage(["a", "b", "a"])).toBe("[a, b]");
    expect(aggregateMessage(["a", "a"])).toBe("a");
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

  async function namespace(name: string): Promise<void> {
    for (const [path, body] of [
      ["/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } }],
      [
        `/api/v1/namespaces/${name}/serviceaccounts`,
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } },
      ],
    ] as const) {
      const res = await api.request("POST", path, { body });
      expect(res.status, res.text).toBe(201);
    }
  }

  async function create(ns: string, resource: string, body: object) {
    return api.request("POST", `/api/v1/namespaces/${ns}/${resource}`, { body });
  }

  const limits = (...items: object[]) => ({
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "limits" },
    spec: { limits: items },
  });

  it("stores defaulted pods with the annotation", async () => {
    await namespace("lr-defaults");
    const lr = limits({
      type: "Container",
      default: { cpu: "500m", memory: "512Mi" },
      defaultRequest: { cpu: "100m", memory: "256Mi" },
    });
    expect((await create("lr-defaults", "limitranges", lr)).status).toBe(201);
    const res = await create("lr-defaults", "pods", pod([{ name: "nginx" }]));
    expect(res.status, res.text).toBe(201);
    const stored = (
      await api.request("GET", "/api/v1/namespaces/lr-defaults/pods/web")
    ).json<KubeObject>();
    expect(resourcesOf(stored)).toEqual([
      { limits: { cpu: "500m", memory: "512Mi" }, requests: { cpu: "100m", memory: "256Mi" } },
    ]);
    expect(stored.metadata.annotations).toEqual({
      [LIMIT_RANGER_ANNOTATION]:
        "LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx",
    });
  });

  it("refuses pods out of bounds with Kubernetes' message, and stores nothing", async () => {
    await namespace("lr-bounds");
    const lr = limits({ type: "Container", min: { cpu: "100m" }, max: { memory: "1Gi" } });
    expect((await create("lr-bounds", "limitranges", lr)).status).toBe(201);
    const res = await create(
      "lr-bounds",
      "pods",
      pod([{ name: "app", requests: { cpu: "50m" }, limits: { memory: "2Gi" } }]),
    );
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({
      reason: "Forbidden",
      code: 403,
      details: { name: "web", kind: "pods" },
      message:
        'pods "web" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi]',
    });
    expect((await api.request("GET", "/api/v1/namespaces/lr-bounds/pods/web")).status).toBe(404);

    // max defaults the limit to 1Gi; a request of 100m is then within bounds.
    const ok = await create("lr-bounds", "pods", pod([{ name: "app", requests: { cpu: "100m" } }]));
    expect(ok.status, ok.text).toBe(201);
    expect(resourcesOf(ok.json<KubeObject>())).toEqual([
      { requests: { cpu: "100m", memory: "1Gi" }, limits: { memory: "1Gi" } },
    ]);
  });

  it("gives pods the requests a quota demands", async () => {
    await namespace("lr-quota");
    const quota = {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "compute" },
      spec: { hard: { "requests.cpu": "1" } },
    };
    expect((await create("lr-quota", "resourcequotas", quota)).status).toBe(201);
    const refused = await create("lr-quota", "pods", pod([{ name: "app" }]));
    expect(refused.json().message).toBe(
      'pods "web" is forbidden: failed quota: compute: must specify requests.cpu for: app',
    );

    expect(
      (
        await create(
          "lr-quota",
          "limitranges",
          limits({ type: "Container", default: { cpu: "400m" } }),
        )
      ).status,
    ).toBe(201);
    const admitted = await create("lr-quota", "pods", pod([{ name: "app" }]));
    expect(admitted.status, admitted.text).toBe(201);
    const stored = await api.request("GET", "/api/v1/namespaces/lr-quota/resourcequotas/compute");
    expect(stored.json<{ status: unknown }>().status).toEqual({
      hard: { "requests.cpu": "1" },
      used: { "requests.cpu": "400m" },
    });
  });
});
