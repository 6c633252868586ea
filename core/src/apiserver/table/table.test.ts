import { describe, expect, it } from "vitest";
import type { KubeList, KubeObject } from "../../api/object.ts";
import { InvalidIncludeObjectError, parseIncludeObject, toTable } from "./table.ts";
import { ago, NOW } from "./testing.ts";

const pod = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: "default",
    uid: `uid-${name}`,
    resourceVersion: "41",
    creationTimestamp: ago("5m"),
    labels,
  },
  spec: { nodeName: "node-1", containers: [{ name: "app", image: "hello" }] },
  status: {
    phase: "Running",
    podIP: "127.128.0.5",
    podIPs: [{ ip: "127.128.0.5" }],
    containerStatuses: [{ name: "app", ready: true, restartCount: 0, state: { running: {} } }],
  },
});

const podList: KubeList = {
  apiVersion: "v1",
  kind: "PodList",
  metadata: { resourceVersion: "42", continue: "token", remainingItemCount: 3 },
  items: [pod("web-1", { app: "web" }), pod("web-2")],
};

describe("toTable", () => {
  it("is a meta.k8s.io/v1 Table carrying the list's metadata, all columns and wide cells", () => {
    const table = toTable(podList, "/Pod", { now: NOW });
    expect(table.kind).toBe("Table");
    expect(table.apiVersion).toBe("meta.k8s.io/v1");
    expect(table.metadata).toEqual({
      resourceVersion: "42",
      continue: "token",
      remainingItemCount: 3,
    });
    expect(table.columnDefinitions?.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Ready", 0],
      ["Status", 0],
      ["Restarts", 0],
      ["Age", 0],
      ["IP", 1],
      ["Node", 1],
      ["Nominated Node", 1],
      ["Readiness Gates", 1],
    ]);
    expect(table.rows.map((r) => r.cells)).toEqual([
      ["web-1", "1/1", "Running", "0", "5m", "127.128.0.5", "node-1", "<none>", "<none>"],
      ["web-2", "1/1", "Running", "0", "5m", "127.128.0.5", "node-1", "<none>", "<none>"],
    ]);
  });

  it("sends every column definition field, as Go's JSON does", () => {
    const table = toTable(podList, "/Pod", { now: NOW });
    expect(Object.keys(table.columnDefinitions?.[1] ?? {}).sort()).toEqual([
      "description",
      "format",
      "name",
      "priority",
      "type",
    ]);
    expect(table.columnDefinitions?.[1]).toMatchObject({
      name: "Ready",
      type: "string",
      format: "",
    });
  });

  it("gives each row the object's metadata as a PartialObjectMetadata by default", () => {
    const [row] = toTable(podList, "/Pod", { now: NOW }).rows;
    expect(row?.object).toEqual({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: podList.items[0]?.metadata,
    });
    expect(row?.object?.metadata).not.toBe(podList.items[0]?.metadata);
    expect(row && "conditions" in row).toBe(false);
  });

  it("includes the whole object, or none, when asked", () => {
    const whole = toTable(podList, "/Pod", { now: NOW, includeObject: "Object" });
    expect(whole.rows[0]?.object).toEqual(podList.items[0]);
    const none = toTable(podList, "/Pod", { now: NOW, includeObject: "None" });
    expect(none.rows[0]?.object).toBeNull();
  });

  it("follows the requested Table version", () => {
    const table = toTable(podList, "/Pod", { now: NOW, tableVersion: "v1beta1" });
    expect(table.apiVersion).toBe("meta.k8s.io/v1beta1");
    expect(table.rows[0]?.object).toMatchObject({ apiVersion: "meta.k8s.io/v1beta1" });
  });

  it("leaves out priority-1 columns and cells when not wide", () => {
    const table = toTable(podList, "/Pod", { now: NOW, wide: false });
    expect(table.columnDefinitions?.map((c) => c.name)).toEqual([
      "Name",
      "Ready",
      "Status",
      "Restarts",
      "Age",
    ]);
    expect(table.rows[0]?.cells).toEqual(["web-1", "1/1", "Running", "0", "5m"]);
  });

  it("sends no column definitions with noHeaders", () => {
    expect(toTable(podList, "/Pod", { now: NOW, noHeaders: true }).columnDefinitions).toBeNull();
  });

  it("makes a one-row table of a single object, with its resourceVersion", () => {
    const table = toTable(pod("web-1"), "/Pod", { now: NOW });
    expect(table.metadata).toEqual({ resourceVersion: "41" });
    expect(table.rows).toHaveLength(1);
  });

  it("makes an empty table of an empty list", () => {
    const table = toTable({ ...podList, items: [] }, "/Pod", { now: NOW });
    expect(table.rows).toEqual([]);
    expect(table.columnDefinitions).toHaveLength(9);
  });

  it("copies row conditions of finished pods", () => {
    const done = pod("job-1");
    (done.status as Record<string, unknown>).phase = "Succeeded";
    expect(toTable(done, "/Pod", { now: NOW }).rows[0]?.conditions).toEqual([
      {
        type: "Completed",
        status: "True",
        reason: "Succeeded",
        message: "The pod has completed successfully.",
      },
    ]);
  });

  it("does not modify its input", () => {
    const before = structuredClone(podList);
    toTable(podList, "/Pod", { now: NOW, includeObject: "Object" });
    expect(podList).toEqual(before);
  });
});

describe("parseIncludeObject", () => {
  it("defaults to Metadata and refuses unknown values as Kubernetes words it", () => {
    expect(parseIncludeObject(undefined)).toBe("Metadata");
    expect(parseIncludeObject("")).toBe("Metadata");
    expect(parseIncludeObject("Object")).toBe("Object");
    expect(parseIncludeObject("None")).toBe("None");
    expect(() => parseIncludeObject("Everything")).toThrow(InvalidIncludeObjectError);
    expect(() => parseIncludeObject("Everything")).toThrow(
      'unrecognized includeObject value: "Everything"',
    );
  });
});
