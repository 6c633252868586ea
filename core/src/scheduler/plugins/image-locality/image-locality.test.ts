import { describe, expect, it } from "vitest";
import { CycleState, type NodeInfo } from "../../framework/types.ts";
import { makeNode, makeNodeInfo, makePod, type PodOptions } from "../testing-nodes.ts";
import {
  calculatePriority,
  ImageLocality,
  MAX_CONTAINER_THRESHOLD,
  MIN_THRESHOLD,
  normalizedImageName,
} from "./image-locality.ts";

const MB = 1024 * 1024;

function scoresOf(images: { names: string[]; sizeBytes: number }[][], pod: PodOptions): number[] {
  const infos: NodeInfo[] = images.map((list, i) =>
    makeNodeInfo(makeNode(`n${i}`, { images: list })),
  );
  const plugin = new ImageLocality({ nodeInfos: () => infos });
  const p = makePod("p", pod);
  return infos.map((info) => plugin.score(new CycleState(), p, info).score);
}

describe("ImageLocality score", () => {
  const nginx = { names: ["nginx:1.25"], sizeBytes: 300 * MB };
  const big = { names: ["big:1"], sizeBytes: 2000 * MB };
  const small = { names: ["busybox:latest"], sizeBytes: 2 * MB };
  const cases: {
    name: string;
    nodes: { names: string[]; sizeBytes: number }[][];
    pod: PodOptions;
    want: number[];
  }[] = [
    {
      name: "the worked example: 300 MiB on 2 of 3 nodes → 18",
      nodes: [[nginx], [nginx], []],
      pod: { images: ["nginx:1.25"] },
      want: [18, 18, 0],
    },
    {
      name: "an image on every node counts at full size: (300−23)·100/977 = 28",
      nodes: [[nginx], [nginx]],
      pod: { images: ["nginx:1.25"] },
      want: [28, 28],
    },
    {
      name: "a huge image is capped at 100",
      nodes: [[big]],
      pod: { images: ["big:1"] },
      want: [100],
    },
    {
      name: "a small image is below the threshold",
      nodes: [[small]],
      pod: { images: ["busybox"] },
      want: [0],
    },
    {
      name: "an untagged image matches :latest",
      nodes: [[{ names: ["app:latest"], sizeBytes: 500 * MB }], []],
      pod: { images: ["app"] },
      want: [23, 0], // 500 × 1/2 = 250 MiB → (250 − 23)·100/977 = 23.2 → 23
    },
    {
      name: "two containers double the upper bound",
      nodes: [[nginx, { names: ["redis:7"], sizeBytes: 700 * MB }]],
      pod: { requests: [{}, {}], images: ["nginx:1.25", "redis:7"] },
      want: [49], // 300 + 700 = 1000 MiB → (1000 − 23)·100/(2000 − 23) = 49.4 → 49
    },
    {
      name: "init containers' images count and count as containers",
      nodes: [[nginx]],
      pod: { images: ["absent:1"], initImages: ["nginx:1.25"] },
      want: [14], // 300 MiB, bounds [23, 2000] MiB for 2 containers: 277·100/1977 = 14.0 → 14
    },
  ];
  for (const c of cases) it(c.name, () => expect(scoresOf(c.nodes, c.pod)).toEqual(c.want));

  it("is named ImageLocality", () =>
    expect(new ImageLocality({ nodeInfos: () => [] }).name).toBe("ImageLocality"));
});

describe("calculatePriority and normalizedImageName", () => {
  it("clamps to the thresholds", () => {
    expect(calculatePriority(0, 1)).toBe(0);
    expect(calculatePriority(MIN_THRESHOLD, 1)).toBe(0);
    expect(calculatePriority(MAX_CONTAINER_THRESHOLD, 1)).toBe(100);
    expect(calculatePriority(5 * MAX_CONTAINER_THRESHOLD, 1)).toBe(100);
  });
  it("adds :latest only when there is no tag", () => {
    expect(normalizedImageName("nginx")).toBe("nginx:latest");
    expect(normalizedImageName("nginx:1.25")).toBe("nginx:1.25");
    expect(normalizedImageName("registry:5000/app")).toBe("registry:5000/app:latest");
    expect(normalizedImageName("registry:5000/app:v2")).toBe("registry:5000/app:v2");
  });
});
