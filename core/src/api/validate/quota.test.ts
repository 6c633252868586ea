import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const limitRange: KubeObject = {
  apiVersion: "v1",
  kind: "LimitRange",
  metadata: { name: "limits", namespace: "default" },
  spec: {
    limits: [
      {
        type: "Container",
        min: { cpu: "100m" },
        max: { cpu: "2", memory: "1Gi" },
        default: { cpu: "500m" },
      },
    ],
  },
};

const quota: KubeObject = {
  apiVersion: "v1",
  kind: "ResourceQuota",
  metadata: { name: "quota", namespace: "default" },
  spec: { hard: { pods: "10", "requests.cpu": "4", "count/deployments.apps": "5" } },
};

describe("LimitRange validation", () => {
  it("accepts a valid LimitRange (after its defaults fill default and defaultRequest)", () => {
    expect(createErrors(limitRange)).toEqual([]);
  });

  it.each<[string, (l: Json) => void, string[]]>([
    [
      "a min above the max",
      (l) => (l.spec.limits[0].min.cpu = "3"),
      [
        'spec.limits[0].min[cpu]: Invalid value: "3": min value 3 is greater than max value 2',
        'spec.limits[0].defaultRequest[cpu]: Invalid value: "500m": min value 3 is greater than default request value 500m',
        'spec.limits[0].default[cpu]: Invalid value: "3": min value 3 is greater than default value 500m',
      ],
    ],
    [
      "a default above the max",
      (l) => (l.spec.limits[0].default.memory = "2Gi"),
      [
        'spec.limits[0].defaultRequest[memory]: Invalid value: "2Gi": default request value 2Gi is greater than max value 1Gi',
        'spec.limits[0].default[memory]: Invalid value: "1Gi": default value 2Gi is greater than max value 1Gi',
      ],
    ],
    [
      "a limit type that does not exist",
      (l) => (l.spec.limits[0].type = "Namespace"),
      [
        'spec.limits[0].type: Invalid value: "Namespace": must be a standard limit type or fully qualified',
      ],
    ],
    [
      "defaults on a Pod limit",
      (l) => (l.spec.limits[0].type = "Pod"),
      ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"],
    ],
    [
      "a ratio below 1",
      (l) => (l.spec.limits[0].maxLimitRequestRatio = { memory: "500m" }),
      [
        'spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: "500m": ratio 500m is less than 1',
      ],
    ],
    [
      "a ratio the min and max cannot allow",
      (l) => (l.spec.limits[0].maxLimitRequestRatio = { cpu: "30" }),
      [
        'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "30": ratio 30 is greater than max/min = 20.000000',
      ],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(limitRange, edit))).toEqual(expected);
  });
});

describe("ResourceQuota validation", () => {
  it("accepts a valid quota", () => {
    expect(createErrors(quota)).toEqual([]);
  });

  it.each<[string, (q: Json) => void, string[]]>([
    [
      "a resource quota cannot count",
      (q) => (q.spec.hard.nodes = "1"),
      [
        'spec.hard[nodes]: Invalid value: "nodes": must be a standard resource type or fully qualified',
        'spec.hard[nodes]: Invalid value: "nodes": must be a standard resource for quota',
      ],
    ],
    [
      "a fractional pod count",
      (q) => (q.spec.hard.pods = "0.5"),
      ['spec.hard[pods]: Invalid value: "500m": must be an integer'],
    ],
    [
      "a negative quantity",
      (q) => (q.spec.hard["requests.cpu"] = "-1"),
      ['spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    ],
    [
      "a quantity that is not one",
      (q) => (q.spec.hard["requests.cpu"] = "four"),
      [
        "spec.hard[requests.cpu]: Invalid value: \"four\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ],
    ],
    [
      "scopes that contradict each other",
      (q) => (q.spec.scopes = ["BestEffort", "NotBestEffort"]),
      ['spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes'],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(quota, edit))).toEqual(expected);
  });

  it("on update, the scopes are immutable", () => {
    expect(
      updateErrors(
        edited(quota, (q) => (q.spec.hard.pods = "20")),
        quota,
      ),
    ).toEqual([]);
    expect(
      updateErrors(
        edited(quota, (q) => (q.spec.scopes = ["BestEffort"])),
        quota,
      ),
    ).toEqual(['spec.scopes: Invalid value: ["BestEffort"]: field is immutable']);
  });
});
