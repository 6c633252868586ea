/**
 * Priority admission over HTTPS: the system classes exist from the start, pods get their class's
 * priority and preemptionPolicy, unknown classes and disagreeing priorities are refused with
 * Kubernetes' messages, and there is at most one globalDefault class. The cases run in order on
 * one server: the default class appears half-way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/object.ts";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";

const CLASSES = "/apis/scheduling.k8s.io/v1/priorityclasses";
const PODS = "/api/v1/namespaces/default/pods";

let api: TestApiServer;
beforeAll(async () => {
  api = await startTestApiServer();
});
afterAll(async () => {
  await api?.stop();
});

const priorityClass = (name: string, value: number, extra: object = {}) => ({
  apiVersion: "scheduling.k8s.io/v1",
  kind: "PriorityClass",
  metadata: { name },
  value,
  ...extra,
});
const pod = (name: string, spec: object = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "tinykube/hello" }], ...spec },
});
type PodSpec = { priority?: number; preemptionPolicy?: string; priorityClassName?: string };
const specOf = (res: { json<T>(): T }) => res.json<KubeObject & { spec: PodSpec }>().spec;

describe("Priority admission", () => {
  it("starts with the two system classes", async () => {
    const res = await api.request("GET", CLASSES);
    const items = res.json<{ items: (KubeObject & { value: number })[] }>().items;
    expect(items.map((pc) => [pc.metadata.name, pc.value])).toEqual([
      ["system-cluster-critical", 2_000_000_000],
      ["system-node-critical", 2_000_001_000],
    ]);
  });

  it("gives a pod without a class priority 0 while no class is globalDefault", async () => {
    const res = await api.request("POST", PODS, { body: pod("plain") });
    expect(res.status, res.text).toBe(201);
    expect(specOf(res).priority).toBe(0);
    expect(specOf(res).priorityClassName).toBeUndefined();
  });

  it("resolves a named class to its value and preemptionPolicy", async () => {
    const created = await api.request("POST", CLASSES, {
      body: priorityClass("batch", 1000, { preemptionPolicy: "Never" }),
    });
    expect(created.status, created.text).toBe(201);
    const res = await api.request("POST", PODS, {
      body: pod("batch-1", { priorityClassName: "batch" }),
    });
    expect(res.status, res.text).toBe(201);
    expect(specOf(res)).toMatchObject({ priority: 1000, preemptionPolicy: "Never" });
    const critical = await api.request("POST", PODS, {
      body: pod("dns", { priorityClassName: "system-cluster-critical" }),
    });
    expect(specOf(critical)).toMatchObject({
      priority: 2_000_000_000,
      preemptionPolicy: "PreemptLowerPriority",
    });
  });

  it("accepts a priority that agrees with the class, refuses one that does not", async () => {
    const agrees = await api.request("POST", PODS, {
      body: pod("batch-2", { priorityClassName: "batch", priority: 1000 }),
    });
    expect(agrees.status, agrees.text).toBe(201);
    const disagrees = await api.request("POST", PODS, {
      body: pod("batch-3", { priorityClassName: "batch", priority: 5 }),
    });
    expect(disagrees.status).toBe(403);
    expect(disagrees.json<{ message: string }>().message).toBe(
      'pods "batch-3" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    );
  });

  it("refuses an unknown class", async () => {
    const res = await api.request("POST", PODS, {
      body: pod("lost", { priorityClassName: "nope" }),
    });
    expect(res.status).toBe(403);
    expect(res.json<{ message: string }>().message).toBe(
      'pods "lost" is forbidden: no PriorityClass with name nope was found',
    );
  });

  it("uses the one globalDefault class for pods naming none, and refuses a second default", async () => {
    const first = await api.request("POST", CLASSES, {
      body: priorityClass("standard", 100, { globalDefault: true }),
    });
    expect(first.status, first.text).toBe(201);
    const res = await api.request("POST", PODS, { body: pod("defaulted") });
    expect(specOf(res)).toMatchObject({ priority: 100, priorityClassName: "standard" });
    const second = await api.request("POST", CLASSES, {
      body: priorityClass("other", 50, { globalDefault: true }),
    });
    expect(second.status).toBe(403);
    expect(second.json<{ message: string }>().message).toBe(
      'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass standard is already marked as default. Only one default can exist',
    );
  });

  it("refuses user classes above 1,000,000,000 and new system- names", async () => {
    const big = await api.request("POST", CLASSES, { body: priorityClass("huge", 1_000_000_001) });
    expect(big.status).toBe(422);
    const system = await api.request("POST", CLASSES, { body: priorityClass("system-mine", 1) });
    expect(system.status).toBe(422);
    expect(system.text).toContain("system-mine is not a known system priority class");
  });
});
