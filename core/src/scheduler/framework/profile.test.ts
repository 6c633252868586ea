import { describe, expect, it } from "vitest";
import { DEFAULT_PLUGINS, type ProfileConfig, parseSchedulerConfig } from "./config.ts";
import { fakePlugin } from "./fake-plugins.ts";
import { buildProfile, buildProfiles } from "./profile.ts";
import { Registry } from "./registry.ts";
import { status } from "./types.ts";

const ok = status("Success");
const header = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n";

/** Which points each default plugin serves in Kubernetes (reduced to the points tinykube has). */
const SERVES: Record<string, string[]> = {
  SchedulingGates: ["preEnqueue"],
  PrioritySort: ["less"],
  NodeUnschedulable: ["filter"],
  NodeName: ["filter"],
  TaintToleration: ["filter", "preScore", "score"],
  NodeAffinity: ["preFilter", "filter", "preScore", "score"],
  NodePorts: ["preFilter", "filter"],
  NodeResourcesFit: ["preFilter", "filter", "preScore", "score"],
  PodTopologySpread: ["preFilter", "filter", "preScore", "score"],
  InterPodAffinity: ["preFilter", "filter", "preScore", "score"],
  DefaultPreemption: ["postFilter"],
  NodeResourcesBalancedAllocation: ["preScore", "score"],
  ImageLocality: ["score"],
  DefaultBinder: ["bind"],
};

const METHODS: Record<string, () => unknown> = {
  preEnqueue: () => ok,
  less: () => false,
  preFilter: () => ({ status: ok }),
  filter: () => ok,
  postFilter: async () => ({ status: ok }),
  preScore: () => ok,
  score: () => ({ score: 0, status: ok }),
  bind: async () => ok,
};

/** A registry of fakes for the default plugins; `built` counts factory calls and keeps args. */
function defaultRegistry(built: Map<string, unknown[]> = new Map()): Registry {
  const registry = new Registry();
  for (const [name, points] of Object.entries(SERVES)) {
    registry.register(name, (args) => {
      built.set(name, [...(built.get(name) ?? []), args]);
      return fakePlugin(name, [], Object.fromEntries(points.map((p) => [p, METHODS[p]])));
    });
  }
  return registry;
}

const names = (plugins: { name: string }[]) => plugins.map((p) => p.name);
const profileOf = (yaml: string, registry = defaultRegistry()) =>
  buildProfile(parseSchedulerConfig(header + yaml).profiles[0] as ProfileConfig, registry);

describe("buildProfile", () => {
  it("expands the default multiPoint set onto each point a plugin implements", () => {
    const built = new Map<string, unknown[]>();
    const p = profileOf("", defaultRegistry(built));
    expect(names(p.filter)).toEqual([
      "NodeUnschedulable",
      "NodeName",
      "TaintToleration",
      "NodeAffinity",
      "NodePorts",
      "NodeResourcesFit",
      "PodTopologySpread",
      "InterPodAffinity",
    ]);
    expect(names(p.score)).toEqual([
      "TaintToleration",
      "NodeAffinity",
      "NodeResourcesFit",
      "PodTopologySpread",
      "InterPodAffinity",
      "NodeResourcesBalancedAllocation",
      "ImageLocality",
    ]);
    expect(names(p.queueSort)).toEqual(["PrioritySort"]);
    expect(names(p.postFilter)).toEqual(["DefaultPreemption"]);
    expect(names(p.bind)).toEqual(["DefaultBinder"]);
    expect(Object.fromEntries(p.scoreWeights)).toEqual({
      TaintToleration: 3,
      NodeAffinity: 2,
      NodeResourcesFit: 1,
      PodTopologySpread: 2,
      InterPodAffinity: 2,
      NodeResourcesBalancedAllocation: 1,
      ImageLocality: 1,
    });
    // Each plugin is built once, however many points it serves.
    expect([...built.keys()]).toHaveLength(DEFAULT_PLUGINS.length);
    expect([...built.values()].every((calls) => calls.length === 1)).toBe(true);
  });

  it("passes pluginConfig args to the factory", () => {
    const built = new Map<string, unknown[]>();
    profileOf(
      "profiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {a: 1}\n",
      defaultRegistry(built),
    );
    expect(built.get("NodeResourcesFit")).toEqual([{ a: 1 }]);
    expect(built.get("ImageLocality")).toEqual([undefined]);
  });

  it("a point-specific entry overrides multiPoint: its weight wins and it moves first", () => {
    const p = profileOf(
      "profiles:\n- plugins:\n    score:\n      enabled:\n      - name: ImageLocality\n        weight: 7\n",
    );
    expect(names(p.score)[0]).toBe("ImageLocality");
    expect(names(p.score)).toHaveLength(7);
    expect(p.scoreWeights.get("ImageLocality")).toBe(7);
  });

  it('disables a plugin at one point, or "*" every multiPoint plugin there', () => {
    const one = profileOf(
      "profiles:\n- plugins:\n    score:\n      disabled:\n      - name: TaintToleration\n",
    );
    expect(names(one.score)).not.toContain("TaintToleration");
    expect(names(one.filter)).toContain("TaintToleration");
    const all = profileOf(
      "profiles:\n- plugins:\n    score:\n      disabled:\n      - name: '*'\n",
    );
    expect(all.score).toEqual([]);
    expect(all.filter).toHaveLength(8);
  });

  it("reports unknown plugins with Kubernetes' wording", () => {
    expect(() =>
      profileOf("profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: Foo\n"),
    ).toThrow('FilterPlugin "Foo" does not exist');
    expect(() =>
      profileOf("profiles:\n- plugins:\n    multiPoint:\n      enabled:\n      - name: Foo\n"),
    ).toThrow('PreFilterPlugin "Foo" does not exist');
  });

  it("rejects a plugin at a point it does not implement, or twice at one point", () => {
    expect(() =>
      profileOf(
        "profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: ImageLocality\n",
      ),
    ).toThrow('plugin "ImageLocality" does not extend FilterPlugin plugin');
    expect(() =>
      profileOf(
        "profiles:\n- plugins:\n    filter:\n      enabled:\n      - name: NodeName\n      - name: NodeName\n",
      ),
    ).toThrow('plugin "NodeName" already registered as "FilterPlugin"');
  });

  it("needs one queue sort plugin and a bind plugin", () => {
    expect(() =>
      profileOf(
        "profiles:\n- plugins:\n    multiPoint:\n      disabled:\n      - name: PrioritySort\n",
      ),
    ).toThrow(
      'only one queue sort plugin required for profile with scheduler name "default-scheduler", but got 0',
    );
    expect(() =>
      profileOf("profiles:\n- plugins:\n    bind:\n      disabled:\n      - name: '*'\n"),
    ).toThrow(
      'at least one bind plugin is needed for profile with scheduler name "default-scheduler"',
    );
  });

  it("wraps a factory's error", () => {
    const registry = defaultRegistry();
    registry.unregister("ImageLocality");
    registry.register("ImageLocality", () => {
      throw new Error("bad args");
    });
    expect(() => profileOf("", registry)).toThrow('initializing plugin "ImageLocality": bad args');
  });
});

describe("buildProfiles", () => {
  it("keys profiles by schedulerName and names the failing profile", () => {
    const config = parseSchedulerConfig(
      `${header}profiles:\n- schedulerName: a\n- schedulerName: b\n`,
    );
    expect([...buildProfiles(config, defaultRegistry()).keys()]).toEqual(["a", "b"]);
    const broken = parseSchedulerConfig(
      `${header}profiles:\n- schedulerName: a\n- schedulerName: b\n  plugins:\n    filter:\n      enabled:\n      - name: Foo\n`,
    );
    expect(() => buildProfiles(broken, defaultRegistry())).toThrow(
      'creating profile for scheduler name b: FilterPlugin "Foo" does not exist',
    );
  });

  it("requires every profile to sort the shared queue the same way", () => {
    const registry = defaultRegistry();
    registry.register("OtherSort", () => fakePlugin("OtherSort", [], { less: () => false }));
    const config = parseSchedulerConfig(
      `${header}profiles:\n- schedulerName: a\n- schedulerName: b\n  plugins:\n    queueSort:\n      enabled:\n      - name: OtherSort\n      disabled:\n      - name: '*'\n`,
    );
    expect(() => buildProfiles(config, registry)).toThrow(
      'different queue sort plugins for profile "b": "OtherSort", first: "PrioritySort"',
    );
  });
});

describe("Registry", () => {
  it("refuses a name twice and an unknown name on unregister", () => {
    const registry = new Registry([["A", () => ({ name: "A" })]]);
    expect(() => registry.register("A", () => ({ name: "A" }))).toThrow(
      "a plugin named A already exists",
    );
    expect(() => registry.unregister("B")).toThrow("no plugin named B exists");
    const other = new Registry([["B", () => ({ name: "B" })]]);
    registry.merge(other);
    expect(registry.names()).toEqual(["A", "B"]);
    expect(() => registry.merge(other)).toThrow("a plugin named B already exists");
  });
});
