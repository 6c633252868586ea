import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json } from "./testing.ts";

const event: KubeObject = {
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: "web.17a2b", namespace: "default" },
  involvedObject: { kind: "Pod", name: "web", namespace: "default" },
  reason: "Scheduled",
  message: "Successfully assigned default/web to node-1",
  type: "Normal",
};

describe("Event validation", () => {
  it("accepts a valid event, and an event about a node in default", () => {
    expect(createErrors(event)).toEqual([]);
    expect(
      createErrors(edited(event, (e) => (e.involvedObject = { kind: "Node", name: "node-1" }))),
    ).toEqual([]);
  });

  it("checks nothing else of a v1 event, not even its name, as Kubernetes", () => {
    expect(createErrors(edited(event, (e) => (e.metadata.name = "Not A Name")))).toEqual([]);
  });

  it.each<[string, (e: Json) => void, string[]]>([
    [
      "an event about an object in another namespace",
      (e) => (e.involvedObject.namespace = "kube-system"),
      ['involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace'],
    ],
    [
      "an event about a cluster object outside default",
      (e) => {
        e.metadata.namespace = "prod";
        e.involvedObject = { kind: "Node", name: "node-1" };
      },
      ['involvedObject.namespace: Invalid value: "": does not match event.namespace'],
    ],
    [
      "a new-style event (eventTime set) without a reporter",
      (e) => (e.eventTime = "2026-01-01T00:00:00.000000Z"),
      [
        "reportingController: Required value",
        expect.stringContaining(
          'reportingController: Invalid value: "": name part must be non-empty',
        ),
        expect.stringContaining(
          'reportingController: Invalid value: "": name part must consist of',
        ),
        "reportingInstance: Required value",
        "action: Required value",
      ],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(event, edit))).toEqual(expected);
  });
});
