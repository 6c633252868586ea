import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";
import { eventPrinter } from "./event.ts";

function event(fields: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: "web-1.181a2b3c4d5e6f70",
      namespace: "default",
      creationTimestamp: ago("10m"),
    },
    involvedObject: {
      kind: "Pod",
      name: "web-1",
      namespace: "default",
      fieldPath: "spec.containers{app}",
    },
    reason: "BackOff",
    message: "Back-off restarting failed container app in pod web-1_default\n",
    type: "Warning",
    ...fields,
  };
}

describe("event columns", () => {
  it("put SUBOBJECT and SOURCE before MESSAGE, and FIRST SEEN COUNT NAME after it, for -o wide", () => {
    expect(columnNames("/Event")).toEqual([
      "Last Seen",
      "Type",
      "Reason",
      "Object",
      "Subobject",
      "Source",
      "Message",
      "First Seen",
      "Count",
      "Name",
    ]);
    expect(eventPrinter.columns.map((c) => c.priority)).toEqual([0, 0, 0, 0, 1, 1, 0, 1, 1, 1]);
    expect(eventPrinter.columns.find((c) => c.format === "name")?.name).toBe("Name");
  });
});

describe("event cells", () => {
  it("of a recorder's event: timestamps, count, source with host", () => {
    const e = event({
      firstTimestamp: ago("9m"),
      lastTimestamp: ago("30s"),
      count: 12,
      source: { component: "kubelet", host: "node-1" },
    });
    expect(cellsOf("/Event", e)).toEqual([
      "30s",
      "Warning",
      "BackOff",
      "pod/web-1",
      "spec.containers{app}",
      "kubelet, node-1",
      "Back-off restarting failed container app in pod web-1_default",
      "9m",
      12,
      "web-1.181a2b3c4d5e6f70",
    ]);
    expect(cellsOf("/Event", e, { wide: false })).toEqual([
      "30s",
      "Warning",
      "BackOff",
      "pod/web-1",
      "Back-off restarting failed container app in pod web-1_default",
    ]);
  });

  it("of an events.k8s.io singleton: eventTime, count 1, reporting controller", () => {
    const e = event({
      eventTime: "2026-01-01T11:58:00.123456Z",
      reportingComponent: "default-scheduler",
      reportingInstance: "",
      type: "Normal",
      reason: "Scheduled",
      message: "Successfully assigned default/web-1 to node-1",
      involvedObject: { kind: "Pod", name: "web-1" },
    });
    expect(cellsOf("/Event", e)).toEqual([
      "119s",
      "Normal",
      "Scheduled",
      "pod/web-1",
      "",
      "default-scheduler",
      "Successfully assigned default/web-1 to node-1",
      "119s",
      1,
      "web-1.181a2b3c4d5e6f70",
    ]);
  });

  it("of a repeating events.k8s.io event: the series decides LAST SEEN and COUNT", () => {
    const e = event({
      eventTime: ago("1h"),
      series: { count: 7, lastObservedTime: "2026-01-01T11:59:00.000000Z" },
    });
    const cells = cellsOf("/Event", e);
    expect([cells[0], cells[7], cells[8]]).toEqual(["60s", "60m", 7]);
  });

  it("without any timestamp: <unknown>", () => {
    const cells = cellsOf("/Event", event({}));
    expect([cells[0], cells[7]]).toEqual(["<unknown>", "<unknown>"]);
  });

  it("about an object without a name: just the kind", () => {
    expect(cellsOf("/Event", event({ involvedObject: { kind: "Node" } }))[3]).toBe("node");
  });
});
