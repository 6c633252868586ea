import { describe, expect, it } from "vitest";
import { CycleState } from "../../framework/types.ts";
import { makeNode, makeNodeInfo, makePod } from "../testing-nodes.ts";
import { fitsRequest, isExtendedResourceName, NodeResourcesFit, nodeResourcesFit } from "./fit.ts";

const node = (allocatable: Record<string, string>, existing: Record<string, string>[] = []) =>
  makeNodeInfo(
    makeNode("n", { allocatable }),
    existing.map((requests, i) => makePod(`existing-${i}`, { requests: [requests] })),
  );

function runFilter(plugin: NodeResourcesFit, requests: Record<string, string>[], info = node({})) {
  const state = new CycleState();
  const pod = makePod("p", { requests });
  expect(plugin.preFilter(state, pod).status.code).toBe("Success");
  const s = plugin.filter(state, pod, info);
  return { code: s.code, reasons: s.reasons };
}

describe("NodeResourcesFit filter", () => {
  const roomy = {
    cpu: "2",
    memory: "2Gi",
    pods: "10",
    "example.com/foo": "2",
    "hugepages-2Mi": "4Mi",
  };
  const cases: {
    name: string;
    allocatable: Record<string, string>;
    existing?: Record<string, string>[];
    requests: Record<string, string>[];
    code: string;
    reasons: string[];
  }[] = [
    {
      name: "fits an empty node",
      allocatable: roomy,
      requests: [{ cpu: "1", memory: "1Gi" }],
      code: "Success",
      reasons: [],
    },
    {
      name: "fits exactly the room that is left",
      allocatable: roomy,
      existing: [{ cpu: "1500m" }],
      requests: [{ cpu: "500m" }],
      code: "Success",
      reasons: [],
    },
    {
      name: "one millicore over is Insufficient cpu",
      allocatable: roomy,
      existing: [{ cpu: "1500m" }],
      requests: [{ cpu: "501m" }],
      code: "Unschedulable",
      reasons: ["Insufficient cpu"],
    },
    {
      name: "containers add up",
      allocatable: roomy,
      requests: [{ memory: "1Gi" }, { memory: "1025Mi" }],
      code: "Unschedulable",
      reasons: ["Insufficient memory"],
    },
    {
      name: "one reason per short resource, Too many pods first",
      allocatable: { cpu: "1", memory: "1Gi", pods: "1", "example.com/foo": "1" },
      existing: [{}],
      requests: [{ cpu: "2", memory: "2Gi", "example.com/foo": "2", "ephemeral-storage": "1Gi" }],
      code: "Unschedulable",
      reasons: [
        "Too many pods",
        "Insufficient cpu",
        "Insufficient memory",
        "Insufficient ephemeral-storage",
        "Insufficient example.com/foo",
      ],
    },
    {
      name: "a pod requesting nothing is only counted as a pod",
      allocatable: { cpu: "1", pods: "1" },
      existing: [{ cpu: "2" }],
      requests: [{}],
      code: "Unschedulable",
      reasons: ["Too many pods"],
    },
    {
      name: "an over-committed resource the pod does not ask for is no reason",
      allocatable: { cpu: "1", memory: "1Gi", pods: "10" },
      existing: [{ cpu: "2" }],
      requests: [{ memory: "1Mi" }],
      code: "Success",
      reasons: [],
    },
    {
      name: "an extended resource the node does not have",
      allocatable: { cpu: "1", pods: "10" },
      requests: [{ "nvidia.com/gpu": "1" }],
      code: "Unschedulable",
      reasons: ["Insufficient nvidia.com/gpu"],
    },
    {
      name: "hugepages are checked like extended resources",
      allocatable: roomy,
      requests: [{ "hugepages-2Mi": "6Mi" }],
      code: "Unschedulable",
      reasons: ["Insufficient hugepages-2Mi"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(runFilter(nodeResourcesFit, c.requests, node(c.allocatable, c.existing))).toEqual({
        code: c.code,
        reasons: c.reasons,
      });
    });
  }

  it("the largest init container counts when it exceeds the containers' sum", () => {
    const state = new CycleState();
    const pod = makePod("p", {
      requests: [{ cpu: "100m" }],
      initContainers: [{ name: "init", resources: { requests: { cpu: "3" } } }],
    });
    nodeResourcesFit.preFilter(state, pod);
    expect(nodeResourcesFit.filter(state, pod, node(roomy)).reasons).toEqual(["Insufficient cpu"]);
  });

  it("ignoredResources and ignoredResourceGroups skip extended resources only", () => {
    const info = node({ cpu: "1", pods: "10" });
    const requests = [{ "example.com/foo": "1", "other.io/bar": "1", "hugepages-2Mi": "2Mi" }];
    const byName = new NodeResourcesFit({ ignoredResources: ["example.com/foo", "hugepages-2Mi"] });
    expect(runFilter(byName, requests, info).reasons).toEqual([
      "Insufficient hugepages-2Mi",
      "Insufficient other.io/bar",
    ]);
    const byGroup = new NodeResourcesFit({ ignoredResourceGroups: ["other.io"] });
    expect(runFilter(byGroup, requests, info).reasons).toEqual([
      "Insufficient example.com/foo",
      "Insufficient hugepages-2Mi",
    ]);
  });

  it("reports requested, used and capacity for each short resource", () => {
    const info = node({ cpu: "2", pods: "10" }, [{ cpu: "1500m" }]);
    const pod = makePod("p", { requests: [{ cpu: "600m" }] });
    const state = new CycleState();
    nodeResourcesFit.preFilter(state, pod);
    const requests = state.read<Parameters<typeof fitsRequest>[0]>("PreFilterNodeResourcesFit");
    expect(requests && fitsRequest(requests, info)).toEqual([
      {
        resourceName: "cpu",
        reason: "Insufficient cpu",
        requested: 600,
        used: 1500,
        capacity: 2000,
      },
    ]);
  });

  it("Filter without PreFilter is an Error", () => {
    expect(nodeResourcesFit.filter(new CycleState(), makePod("p"), node({})).code).toBe("Error");
  });

  it("knows which names are extended resources", () => {
    expect(isExtendedResourceName("example.com/foo")).toBe(true);
    expect(isExtendedResourceName("nvidia.com/gpu")).toBe(true);
    expect(isExtendedResourceName("kubernetes.io/something")).toBe(false);
    expect(isExtendedResourceName("hugepages-2Mi")).toBe(false);
    expect(isExtendedResourceName("cpu")).toBe(false);
  });
});

describe("NodeResourcesFit score", () => {
  const score = (
    plugin: NodeResourcesFit,
    info: ReturnType<typeof node>,
    requests: Record<string, string>[],
  ) => {
    const state = new CycleState();
    const pod = makePod("p", { requests });
    expect(plugin.preScore(state, pod).code).toBe("Success");
    const withState = plugin.score(state, pod, info);
    // Without PreScore the plugin computes the same requests itself.
    expect(plugin.score(new CycleState(), pod, info).score).toBe(withState.score);
    return withState.score;
  };
  // The doc comment's worked example: 3000m of 4000m and 5000 of 10000 bytes once the pod is placed.
  const example = () =>
    node({ cpu: "4", memory: "10000", pods: "10" }, [{ cpu: "1", memory: "2000" }]);
  const pod = [{ cpu: "2", memory: "3000" }];

  const most = new NodeResourcesFit({ scoringStrategy: { type: "MostAllocated" } });
  const cases: {
    name: string;
    plugin: NodeResourcesFit;
    info: () => ReturnType<typeof node>;
    requests: Record<string, string>[];
    want: number;
  }[] = [
    {
      name: "LeastAllocated (default): (25 + 50) / 2 = 37",
      plugin: nodeResourcesFit,
      info: example,
      requests: pod,
      want: 37,
    },
    {
      name: "MostAllocated: (75 + 50) / 2 = 62",
      plugin: most,
      info: example,
      requests: pod,
      want: 62,
    },
    {
      name: "weights: cpu 3, memory 1 → (25·3 + 50) / 4 = 31",
      plugin: new NodeResourcesFit({
        scoringStrategy: {
          type: "LeastAllocated",
          resources: [
            { name: "cpu", weight: 3 },
            { name: "memory", weight: 1 },
          ],
        },
      }),
      info: example,
      requests: pod,
      want: 31,
    },
    {
      name: "an empty pod counts as 100m and 200Mi (non-zero requests)",
      plugin: nodeResourcesFit,
      info: () => node({ cpu: "1", memory: "400Mi", pods: "10" }),
      requests: [{}],
      want: 70, // cpu (1000−100)·100/1000 = 90, memory (400−200)·100/400 = 50 → 70
    },
    {
      name: "best-effort pods on the node count too",
      plugin: nodeResourcesFit,
      info: () => node({ cpu: "1", memory: "400Mi", pods: "10" }, [{}]),
      requests: [{}],
      want: 40, // cpu 800/1000 free → 80, memory 0 free → 0 → 40
    },
    {
      name: "LeastAllocated: over-committed scores 0",
      plugin: nodeResourcesFit,
      info: () => node({ cpu: "1", memory: "1Gi", pods: "10" }, [{ cpu: "2", memory: "2Gi" }]),
      requests: pod,
      want: 0,
    },
    {
      name: "MostAllocated: over-committed is capped at 100",
      plugin: most,
      info: () => node({ cpu: "1", memory: "1Gi", pods: "10" }, [{ cpu: "2", memory: "2Gi" }]),
      requests: pod,
      want: 100,
    },
    {
      name: "a resource with no allocatable drops out of the mean",
      plugin: nodeResourcesFit,
      info: () => node({ cpu: "4", pods: "10" }, [{ cpu: "1" }]),
      requests: [{ cpu: "1" }],
      want: 50, // only cpu: (4000−2000)·100/4000
    },
    {
      name: "an extended resource the pod does not request is not scored",
      plugin: new NodeResourcesFit({
        scoringStrategy: {
          type: "MostAllocated",
          resources: [
            { name: "cpu", weight: 1 },
            { name: "nvidia.com/gpu", weight: 5 },
          ],
        },
      }),
      info: () => node({ cpu: "4", "nvidia.com/gpu": "8", pods: "10" }),
      requests: [{ cpu: "1" }],
      want: 25,
    },
    {
      name: "an extended resource the pod requests is weighted in",
      plugin: new NodeResourcesFit({
        scoringStrategy: {
          type: "MostAllocated",
          resources: [
            { name: "cpu", weight: 1 },
            { name: "nvidia.com/gpu", weight: 5 },
          ],
        },
      }),
      info: () =>
        node({ cpu: "4", "nvidia.com/gpu": "8", pods: "10" }, [{ "nvidia.com/gpu": "6" }]),
      requests: [{ cpu: "1", "nvidia.com/gpu": "1" }],
      // cpu: the existing pod's 100m default + 1000m → 1100·100/4000 = 27; gpu 7·100/8 = 87;
      // (27·1 + 87·5)/6 = 77
      want: 77,
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(score(c.plugin, c.info(), c.requests)).toBe(c.want));
  }

  it("rejects a strategy it does not implement and a weight outside 1..100", () => {
    expect(
      () =>
        new NodeResourcesFit({
          scoringStrategy: { type: "RequestedToCapacityRatio" as "MostAllocated" },
        }),
    ).toThrow("scoring strategy RequestedToCapacityRatio is not supported");
    expect(
      () =>
        new NodeResourcesFit({
          scoringStrategy: { type: "LeastAllocated", resources: [{ name: "cpu", weight: 0 }] },
        }),
    ).toThrow("got 0");
  });

  it("is named NodeResourcesFit", () => expect(nodeResourcesFit.name).toBe("NodeResourcesFit"));
});
