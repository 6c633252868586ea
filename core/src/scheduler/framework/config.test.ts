import { describe, expect, it } from "vitest";
import { DEFAULT_PLUGINS, mergePluginSet, parseSchedulerConfig } from "./config.ts";

const header = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n";

describe("DEFAULT_PLUGINS", () => {
  it("carries kube-scheduler's default Score weights", () => {
    const weights = Object.fromEntries(
      DEFAULT_PLUGINS.filter((p) => p.weight).map((p) => [p.name, p.weight]),
    );
    expect(weights).toEqual({
      TaintToleration: 3,
      NodeAffinity: 2,
      NodeResourcesFit: 1,
      PodTopologySpread: 2,
      InterPodAffinity: 2,
      NodeResourcesBalancedAllocation: 1,
      ImageLocality: 1,
    });
  });
});

describe("mergePluginSet", () => {
  it("replaces an overridden default in place, drops disabled ones, appends the rest (doc example)", () => {
    const merged = mergePluginSet(
      { enabled: [{ name: "A" }, { name: "B", weight: 1 }, { name: "C" }], disabled: [] },
      { enabled: [{ name: "B", weight: 5 }, { name: "D" }], disabled: [{ name: "C" }] },
    );
    expect(merged.enabled).toEqual([{ name: "A" }, { name: "B", weight: 5 }, { name: "D" }]);
    expect(merged.disabled).toEqual([{ name: "C" }]);
  });

  it('"*" drops every default', () => {
    const merged = mergePluginSet(
      { enabled: [{ name: "A" }, { name: "B" }], disabled: [] },
      { enabled: [{ name: "Z" }], disabled: [{ name: "*" }] },
    );
    expect(merged.enabled).toEqual([{ name: "Z" }]);
  });
});

describe("parseSchedulerConfig", () => {
  it("defaults to one default-scheduler profile with the default plugins at multiPoint", () => {
    const config = parseSchedulerConfig(header);
    expect(config.percentageOfNodesToScore).toBe(0);
    expect(config.profiles).toHaveLength(1);
    const [profile] = config.profiles;
    expect(profile?.schedulerName).toBe("default-scheduler");
    expect(profile?.plugins.multiPoint.enabled.map((p) => p.name)).toEqual(
      DEFAULT_PLUGINS.map((p) => p.name),
    );
    expect(profile?.plugins.score.enabled).toEqual([]);
  });

  it("reads profiles, per-point changes, args and percentages (JSON works too)", () => {
    const config = parseSchedulerConfig(
      JSON.stringify({
        apiVersion: "kubescheduler.config.k8s.io/v1",
        kind: "KubeSchedulerConfiguration",
        percentageOfNodesToScore: 30,
        profiles: [
          { schedulerName: "default-scheduler" },
          {
            schedulerName: "no-scoring",
            percentageOfNodesToScore: 100,
            plugins: {
              score: { disabled: [{ name: "*" }] },
              multiPoint: { enabled: [{ name: "ImageLocality", weight: 5 }] },
            },
            pluginConfig: [
              { name: "NodeResourcesFit", args: { scoringStrategy: { type: "MostAllocated" } } },
            ],
          },
        ],
      }),
    );
    expect(config.percentageOfNodesToScore).toBe(30);
    const second = config.profiles[1];
    expect(second?.percentageOfNodesToScore).toBe(100);
    expect(second?.plugins.score.disabled).toEqual([{ name: "*" }]);
    expect(second?.plugins.multiPoint.enabled.find((p) => p.name === "ImageLocality")).toEqual({
      name: "ImageLocality",
      weight: 5,
    });
    expect(second?.pluginConfig.get("NodeResourcesFit")).toEqual({
      scoringStrategy: { type: "MostAllocated" },
    });
  });

  it("rejects unknown fields as a strict decoder does, naming every path", () => {
    const text = `${header}profiles:
- schedulerName: a
  plugins:
    unreserve:
      enabled:
      - name: Coscheduling
  extra: 1
`;
    expect(() => parseSchedulerConfig(text)).toThrow(
      'strict decoding error: unknown field "profiles[0].extra", unknown field "profiles[0].plugins.unreserve"',
    );
  });

  it("rejects a wrong apiVersion, showing what it got", () => {
    expect(() =>
      parseSchedulerConfig(
        "apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n",
      ),
    ).toThrow('got apiVersion "kubescheduler.config.k8s.io/v1beta3"');
  });

  it("validates percentages, names and repeated args with Kubernetes' field errors", () => {
    expect(() => parseSchedulerConfig(`${header}percentageOfNodesToScore: 101\n`)).toThrow(
      "percentageOfNodesToScore: Invalid value: 101: not in valid range [0-100]",
    );
    expect(() =>
      parseSchedulerConfig(
        `${header}profiles:\n- schedulerName: a\n  percentageOfNodesToScore: -1\n`,
      ),
    ).toThrow(
      "profiles[0].percentageOfNodesToScore: Invalid value: -1: not in valid range [0-100]",
    );
    expect(() =>
      parseSchedulerConfig(`${header}profiles:\n- schedulerName: a\n- schedulerName: a\n`),
    ).toThrow('profiles[1].schedulerName: Duplicate value: "a"');
    expect(() => parseSchedulerConfig(`${header}profiles:\n- schedulerName: ""\n`)).toThrow(
      "profiles[0].schedulerName: Required value",
    );
    expect(() =>
      parseSchedulerConfig(
        `${header}profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n  - name: NodeResourcesFit\n`,
      ),
    ).toThrow("repeated config for plugin NodeResourcesFit");
  });
});

describe("the queue's backoff settings", () => {
  it("default to 1 s and 10 s, and are read when given", () => {
    expect(parseSchedulerConfig(header)).toMatchObject({
      podInitialBackoffSeconds: 1,
      podMaxBackoffSeconds: 10,
    });
    expect(
      parseSchedulerConfig(`${header}podInitialBackoffSeconds: 2\npodMaxBackoffSeconds: 30\n`),
    ).toMatchObject({ podInitialBackoffSeconds: 2, podMaxBackoffSeconds: 30 });
  });

  it("are refused as kube-scheduler's validation refuses them", () => {
    expect(() => parseSchedulerConfig(`${header}podInitialBackoffSeconds: 0\n`)).toThrow(
      "podInitialBackoffSeconds: Invalid value: 0: must be greater than 0",
    );
    expect(() =>
      parseSchedulerConfig(`${header}podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n`),
    ).toThrow(
      "podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to PodInitialBackoffSeconds",
    );
  });
});

describe("leaderElection", () => {
  it("defaults to the Lease kube-system/kube-scheduler, 15 s / 10 s / 2 s", () => {
    expect(parseSchedulerConfig(header).leaderElection).toEqual({
      leaderElect: true,
      resourceName: "kube-scheduler",
      resourceNamespace: "kube-system",
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it("reads a second scheduler's own Lease and Go durations", () => {
    const config = parseSchedulerConfig(
      `${header}leaderElection:\n  resourceName: my-scheduler\n  leaseDuration: 30s\n  renewDeadline: 20s\n  retryPeriod: 1500ms\n`,
    );
    expect(config.leaderElection).toMatchObject({
      resourceName: "my-scheduler",
      leaseDurationMs: 30_000,
      renewDeadlineMs: 20_000,
      retryPeriodMs: 1_500,
    });
    expect(
      parseSchedulerConfig(`${header}leaderElection:\n  leaderElect: false\n`).leaderElection
        .leaderElect,
    ).toBe(false);
  });

  it("refuses what Kubernetes' validation refuses", () => {
    expect(() =>
      parseSchedulerConfig(`${header}leaderElection:\n  leaseDuration: 5s\n  renewDeadline: 10s\n`),
    ).toThrow(
      'leaderElection.leaseDuration: Invalid value: "5s": LeaseDuration must be greater than RenewDeadline',
    );
    expect(() => parseSchedulerConfig(`${header}leaderElection:\n  retryPeriod: 2\n`)).toThrow(
      "leaderElection.retryPeriod: Invalid value: 2: must be a duration",
    );
    expect(() => parseSchedulerConfig(`${header}leaderElection:\n  leaseDuraton: 5s\n`)).toThrow(
      'strict decoding error: unknown field "leaderElection.leaseDuraton"',
    );
  });
});
