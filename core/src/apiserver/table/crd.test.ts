import { describe, expect, it } from "vitest";
import type { KubeList, KubeObject } from "../../api/object.ts";
import { type CustomResourceColumnDefinition, crdTable } from "./crd.ts";
import { NAME_DESCRIPTION } from "./printer.ts";
import { ago, NOW } from "./testing.ts";

const columns: CustomResourceColumnDefinition[] = [
  { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
  { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: "Weight", type: "number", jsonPath: ".spec.weight", description: "How much it weighs" },
  { name: "Paused", type: "boolean", jsonPath: ".spec.paused" },
  { name: "Image", type: "string", jsonPath: ".spec.containers[0].image", priority: 1 },
  { name: "Synced", type: "date", jsonPath: ".status.lastSyncTime" },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

function widget(
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name, namespace: "default", resourceVersion: "7", creationTimestamp: ago("3m10s") },
    spec,
    status,
  };
}

const list = (...items: KubeObject[]): KubeList => ({
  apiVersion: "example.com/v1",
  kind: "WidgetList",
  metadata: { resourceVersion: "9" },
  items,
});

describe("crdTable columns", () => {
  it("are NAME and the printer columns, priority included, described by their path when undescribed", () => {
    const table = crdTable(columns, list(), { now: NOW });
    expect(table.columnDefinitions).toEqual([
      { name: "Name", type: "string", format: "name", description: NAME_DESCRIPTION, priority: 0 },
      {
        name: "Replicas",
        type: "integer",
        format: "",
        description: "Custom resource definition column (in JSONPath format): .spec.replicas",
        priority: 0,
      },
      expect.objectContaining({ name: "Ready", type: "string" }),
      expect.objectContaining({
        name: "Weight",
        type: "number",
        description: "How much it weighs",
      }),
      expect.objectContaining({ name: "Paused", type: "boolean" }),
      expect.objectContaining({ name: "Image", priority: 1 }),
      expect.objectContaining({ name: "Synced", type: "date" }),
      expect.objectContaining({ name: "Age", type: "date" }),
    ]);
    expect(table.metadata).toEqual({ resourceVersion: "9" });
  });

  it("default to AGE when the version declares none", () => {
    const table = crdTable(undefined, list(widget("w1", {})), { now: NOW });
    expect(table.columnDefinitions?.map((c) => [c.name, c.type])).toEqual([
      ["Name", "string"],
      ["Age", "date"],
    ]);
    expect(table.rows[0]?.cells).toEqual(["w1", "3m10s"]);
  });

  it("stop at the first path that does not parse", () => {
    const broken: CustomResourceColumnDefinition[] = [
      { name: "Replicas", type: "integer", jsonPath: ".spec.replicas" },
      { name: "Bad", type: "string", jsonPath: ".spec.containers[" },
      { name: "Later", type: "string", jsonPath: ".spec.later" },
    ];
    expect(crdTable(broken, list(), { now: NOW }).columnDefinitions?.map((c) => c.name)).toEqual([
      "Name",
      "Replicas",
    ]);
  });
});

describe("crdTable cells", () => {
  it("convert each value to its column's type", () => {
    const w = widget(
      "w1",
      { replicas: 3, weight: 2.5, paused: true, containers: [{ image: "shop:1.2" }] },
      { conditions: [{ type: "Ready", status: "True" }], lastSyncTime: ago("45s") },
    );
    expect(crdTable(columns, list(w), { now: NOW }).rows[0]?.cells).toEqual([
      "w1",
      3,
      "True",
      2.5,
      true,
      "shop:1.2",
      "45s",
      "3m10s",
    ]);
  });

  it("are null when the path finds nothing or a value of the wrong type", () => {
    const w = widget(
      "w2",
      { replicas: "three", weight: "heavy", paused: "no", containers: [] },
      { lastSyncTime: 12 },
    );
    expect(crdTable(columns, list(w), { now: NOW }).rows[0]?.cells).toEqual([
      "w2",
      null,
      null,
      null,
      null,
      null, // [0] of an empty list is an error: no value
      null,
      "3m10s",
    ]);
  });

  it("truncate floats in integer columns and print non-strings in string columns", () => {
    const typed: CustomResourceColumnDefinition[] = [
      { name: "Count", type: "integer", jsonPath: ".spec.count" },
      { name: "Replicas", type: "string", jsonPath: ".spec.replicas" },
      { name: "Selector", type: "string", jsonPath: ".spec.selector" },
      { name: "Nothing", type: "string", jsonPath: ".spec.nothing" },
    ];
    const w = widget("w3", { count: 2.9, replicas: 3, selector: { app: "shop" }, nothing: null });
    expect(crdTable(typed, w, { now: NOW }).rows[0]?.cells).toEqual([
      "w3",
      2,
      "3",
      "map[app:shop]",
      "<no value>",
    ]);
  });

  it("show dates as ages, <unknown> for empty ones and <invalid> for garbage", () => {
    const dates: CustomResourceColumnDefinition[] = [
      { name: "When", type: "date", jsonPath: ".status.when" },
    ];
    const cell = (when: unknown) =>
      crdTable(dates, widget("w", {}, { when }), { now: NOW }).rows[0]?.cells[1];
    expect(cell(ago("2h30m"))).toBe("150m");
    expect(cell("")).toBe("<unknown>");
    expect(cell("0001-01-01T00:00:00Z")).toBe("<unknown>");
    expect(cell("next tuesday")).toBe("<invalid>");
    expect(cell(true)).toBeNull();
  });

  it("carry the object per includeObject", () => {
    const w = widget("w1", { replicas: 1 });
    expect(crdTable(columns, w, { now: NOW }).rows[0]?.object).toMatchObject({
      kind: "PartialObjectMetadata",
    });
    expect(crdTable(columns, w, { now: NOW, includeObject: "Object" }).rows[0]?.object).toEqual(w);
  });
});
