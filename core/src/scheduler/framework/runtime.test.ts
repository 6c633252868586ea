import { describe, expect, it } from "vitest";
import { fakeNode, fakeNodes, fakePlugin, fakePod } from "./fake-plugins.ts";
import { emptyProfile, type Profile } from "./profile.ts";
import { Framework, MAX_PERMIT_TIMEOUT_MS, mergePreFilterResults } from "./runtime.ts";
import { CycleState, type NodeInfo, type NodeScore, type Status, status } from "./types.ts";

const ok = status("Success");
const pod = fakePod();
const framework = (p: Partial<Profile>) => new Framework({ ...emptyProfile(), ...p });

describe("runPreFilterPlugins", () => {
  it("runs every plugin in order and intersects their node sets", () => {
    const log: string[] = [];
    const fw = framework({
      preFilter: [
        fakePlugin("A", log, {
          preFilter: () => ({ result: { nodeNames: new Set(["a", "b", "c"]) }, status: ok }),
        }),
        fakePlugin("B", log, { preFilter: () => ({ status: ok }) }),
        fakePlugin("C", log, {
          preFilter: () => ({ result: { nodeNames: new Set(["b", "c", "d"]) }, status: ok }),
        }),
      ],
    });
    const out = fw.runPreFilterPlugins(new CycleState(), pod, []);
    expect(log).toEqual(["A.preFilter", "B.preFilter", "C.preFilter"]);
    expect(out.status.code).toBe("Success");
    expect([...(out.result?.nodeNames ?? [])]).toEqual(["b", "c"]);
    expect([...out.pluginsWithNodes]).toEqual(["A", "C"]);
  });

  it("Skip marks the plugin's Filter skipped and ignores its result", () => {
    const log: string[] = [];
    const fw = framework({
      preFilter: [
        fakePlugin("A", log, {
          preFilter: () => ({ result: { nodeNames: new Set<string>() }, status: status("Skip") }),
        }),
      ],
      filter: [
        fakePlugin("A", log, { filter: () => status("Unschedulable", "A says no") }),
        fakePlugin("B", log, { filter: () => ok }),
      ],
    });
    const state = new CycleState();
    expect(fw.runPreFilterPlugins(state, pod, []).status.code).toBe("Success");
    expect(fw.runFilterPlugins(state, pod, fakeNode("a")).code).toBe("Success");
    expect(log).toEqual(["A.preFilter", "B.filter"]);
  });

  it("an empty intersection is UnschedulableAndUnresolvable naming the plugins", () => {
    const only = (names: string[]) => () => ({ result: { nodeNames: new Set(names) }, status: ok });
    const one = framework({ preFilter: [fakePlugin("NodeName", [], { preFilter: only([]) })] });
    expect(one.runPreFilterPlugins(new CycleState(), pod, []).status).toEqual(
      status("UnschedulableAndUnresolvable", "node(s) didn't satisfy plugin NodeName"),
    );
    const two = framework({
      preFilter: [
        fakePlugin("NodeName", [], { preFilter: only(["a"]) }),
        fakePlugin("NodeAffinity", [], { preFilter: only(["b"]) }),
      ],
    });
    expect(two.runPreFilterPlugins(new CycleState(), pod, []).status.reasons).toEqual([
      "node(s) didn't satisfy plugin(s) [NodeAffinity NodeName] simultaneously",
    ]);
  });

  it("Unschedulable lets the rest run; UnschedulableAndUnresolvable stops at once", () => {
    const log: string[] = [];
    const soft = framework({
      preFilter: [
        fakePlugin("A", log, { preFilter: () => ({ status: status("Unschedulable", "soft") }) }),
        fakePlugin("B", log, { preFilter: () => ({ status: ok }) }),
      ],
    });
    expect(soft.runPreFilterPlugins(new CycleState(), pod, []).status).toEqual({
      ...status("Unschedulable", "soft"),
      plugin: "A",
    });
    expect(log).toEqual(["A.preFilter", "B.preFilter"]);

    log.length = 0;
    const hard = framework({
      preFilter: [
        fakePlugin("A", log, {
          preFilter: () => ({ status: status("UnschedulableAndUnresolvable", "hard") }),
        }),
        fakePlugin("B", log, { preFilter: () => ({ status: ok }) }),
      ],
    });
    expect(hard.runPreFilterPlugins(new CycleState(), pod, []).status.plugin).toBe("A");
    expect(log).toEqual(["A.preFilter"]);
  });

  it("wraps an Error with the plugin's name", () => {
    const fw = framework({
      preFilter: [fakePlugin("A", [], { preFilter: () => ({ status: status("Error", "boom") }) })],
    });
    expect(fw.runPreFilterPlugins(new CycleState(), pod, []).status).toEqual({
      code: "Error",
      reasons: ['running PreFilter plugin "A": boom'],
      plugin: "A",
    });
  });
});

describe("mergePreFilterResults", () => {
  it("treats undefined as all nodes", () => {
    expect(mergePreFilterResults(undefined, undefined)).toBeUndefined();
    expect([
      ...(mergePreFilterResults({ nodeNames: new Set(["a"]) }, {})?.nodeNames ?? []),
    ]).toEqual(["a"]);
  });
});

describe("runFilterPlugins", () => {
  it("stops at the first rejection and names the plugin", () => {
    const log: string[] = [];
    const fw = framework({
      filter: [
        fakePlugin("A", log, { filter: () => ok }),
        fakePlugin("B", log, { filter: () => status("Unschedulable", "Insufficient cpu") }),
        fakePlugin("C", log, { filter: () => ok }),
      ],
    });
    expect(fw.runFilterPlugins(new CycleState(), pod, fakeNode("a"))).toEqual({
      ...status("Unschedulable", "Insufficient cpu"),
      plugin: "B",
    });
    expect(log).toEqual(["A.filter", "B.filter"]);
  });

  it("turns a code Filter may not return into an Error", () => {
    const fw = framework({ filter: [fakePlugin("A", [], { filter: () => status("Wait", "hm") })] });
    expect(fw.runFilterPlugins(new CycleState(), pod, fakeNode("a"))).toEqual({
      code: "Error",
      reasons: ['running "A" filter plugin: hm'],
      plugin: "A",
    });
  });
});

describe("runPostFilterPlugins", () => {
  it("returns the first success; otherwise joins reasons and names the first rejector", async () => {
    const log: string[] = [];
    const rejecting = (msg: string) => async () => ({ status: status("Unschedulable", msg) });
    const none = framework({
      postFilter: [
        fakePlugin("A", log, { postFilter: rejecting("a") }),
        fakePlugin("B", log, { postFilter: rejecting("b") }),
      ],
    });
    expect((await none.runPostFilterPlugins(new CycleState(), pod, new Map())).status).toEqual({
      ...status("Unschedulable", "a", "b"),
      plugin: "A",
    });
    const some = framework({
      postFilter: [
        fakePlugin("A", log, { postFilter: rejecting("a") }),
        fakePlugin("B", log, { postFilter: async () => ({ nominatedNodeName: "n1", status: ok }) }),
        fakePlugin("C", log, { postFilter: rejecting("c") }),
      ],
    });
    log.length = 0;
    expect(await some.runPostFilterPlugins(new CycleState(), pod, new Map())).toEqual({
      nominatedNodeName: "n1",
      status: ok,
    });
    expect(log).toEqual(["A.postFilter", "B.postFilter"]);
  });
});

describe("runScorePlugins", () => {
  const nodes = [fakeNode("a"), fakeNode("b")];
  const scoring = (
    name: string,
    by: Record<string, number>,
    normalize?: (s: NodeScore[]) => void,
  ) =>
    fakePlugin(name, [], {
      score: (_s: CycleState, _p: unknown, n: NodeInfo) => ({
        score: by[n.node.metadata.name ?? ""] ?? 0,
        status: ok,
      }),
      ...(normalize
        ? {
            normalizeScore: (_s: CycleState, _p: unknown, scores: NodeScore[]) => {
              normalize(scores);
              return ok;
            },
          }
        : {}),
    });

  it("normalises, weights and sums (the doc comment's example)", () => {
    // TaintToleration counts intolerable PreferNoSchedule taints, then reverses: fewer is better.
    const reverse = (scores: NodeScore[]) => {
      const max = Math.max(...scores.map((s) => s.score));
      for (const s of scores) s.score = max === 0 ? 100 : 100 - (s.score * 100) / max;
    };
    const fw = framework({
      score: [
        scoring("TaintToleration", { a: 0, b: 2 }, reverse),
        scoring("NodeResourcesFit", { a: 40, b: 90 }),
        scoring("ImageLocality", { a: 0, b: 100 }),
      ],
      scoreWeights: new Map([
        ["TaintToleration", 3],
        ["NodeResourcesFit", 1],
        ["ImageLocality", 1],
      ]),
    });
    const { scores, status: s } = fw.runScorePlugins(new CycleState(), pod, nodes);
    expect(s.code).toBe("Success");
    expect(scores).toEqual([
      {
        name: "a",
        scores: [
          { name: "TaintToleration", score: 300 },
          { name: "NodeResourcesFit", score: 40 },
          { name: "ImageLocality", score: 0 },
        ],
        totalScore: 340,
      },
      {
        name: "b",
        scores: [
          { name: "TaintToleration", score: 0 },
          { name: "NodeResourcesFit", score: 90 },
          { name: "ImageLocality", score: 100 },
        ],
        totalScore: 190,
      },
    ]);
  });

  it("rejects a score outside 0..100 after normalisation instead of clamping it", () => {
    const fw = framework({
      score: [scoring("Raw", { a: 150, b: 0 })],
      scoreWeights: new Map([["Raw", 1]]),
    });
    expect(fw.runScorePlugins(new CycleState(), pod, nodes).status).toEqual(
      status(
        "Error",
        'applying score defaultWeights on Score plugins: plugin "Raw" returns an invalid score 150, it should in the range of [0, 100] after normalizing',
      ),
    );
    const halved = framework({
      score: [
        scoring("Raw", { a: 150, b: 0 }, (ss) => {
          for (const s of ss) s.score /= 2;
        }),
      ],
      scoreWeights: new Map([["Raw", 1]]),
    });
    expect(
      halved.runScorePlugins(new CycleState(), pod, nodes).scores.map((s) => s.totalScore),
    ).toEqual([75, 0]);
  });

  it("leaves out plugins whose PreScore said Skip", () => {
    const log: string[] = [];
    const fw = framework({
      preScore: [
        fakePlugin("A", log, { preScore: () => status("Skip") }),
        fakePlugin("B", log, { preScore: () => ok }),
      ],
      score: [scoring("A", { a: 100 }), scoring("B", { a: 10 })],
      scoreWeights: new Map([
        ["A", 1],
        ["B", 1],
      ]),
    });
    const state = new CycleState();
    expect(fw.runPreScorePlugins(state, pod, nodes).code).toBe("Success");
    expect(fw.runScorePlugins(state, pod, nodes).scores[0]?.scores).toEqual([
      { name: "B", score: 10 },
    ]);
    expect(log).toEqual(["A.preScore", "B.preScore"]);
  });

  it("reports a failing Score plugin", () => {
    const fw = framework({
      score: [
        fakePlugin("A", [], { score: () => ({ score: 0, status: status("Error", "boom") }) }),
      ],
      scoreWeights: new Map([["A", 1]]),
    });
    expect(fw.runScorePlugins(new CycleState(), pod, nodes).status.reasons).toEqual([
      'running Score plugins: plugin "A" failed with: boom',
    ]);
  });
});

describe("Reserve, Permit and binding", () => {
  const reserving = (name: string, log: string[], result: Status = ok) =>
    fakePlugin(name, log, { reserve: () => result, unreserve: () => undefined });

  it("Reserve stops at the first failure; Unreserve runs all, in reverse", () => {
    const log: string[] = [];
    const fw = framework({
      reserve: [
        reserving("A", log),
        reserving("B", log, status("Unschedulable", "taken")),
        reserving("C", log),
      ],
    });
    const state = new CycleState();
    expect(fw.runReservePluginsReserve(state, pod, "n1")).toEqual({
      ...status("Unschedulable", "taken"),
      plugin: "B",
    });
    fw.runReservePluginsUnreserve(state, pod, "n1");
    expect(log).toEqual(["A.reserve", "B.reserve", "C.unreserve", "B.unreserve", "A.unreserve"]);
  });

  it("Permit collects waits, capping each timeout at 15 minutes", () => {
    const fw = framework({
      permit: [
        fakePlugin("Gang", [], {
          permit: () => ({ status: status("Wait"), timeoutMs: 60 * 60 * 1000 }),
        }),
        fakePlugin("Quick", [], { permit: () => ({ status: status("Wait"), timeoutMs: 5000 }) }),
        fakePlugin("Fine", [], { permit: () => ({ status: ok, timeoutMs: 0 }) }),
      ],
    });
    const out = fw.runPermitPlugins(new CycleState(), pod, "n1");
    expect(out.status).toEqual(
      status("Wait", 'one or more plugins asked to wait and no plugin rejected pod "p"'),
    );
    expect(out.waitTimeoutsMs).toEqual(
      new Map([
        ["Gang", MAX_PERMIT_TIMEOUT_MS],
        ["Quick", 5000],
      ]),
    );
  });

  it("Permit stops at a rejection", () => {
    const log: string[] = [];
    const fw = framework({
      permit: [
        fakePlugin("A", log, {
          permit: () => ({ status: status("Unschedulable", "no"), timeoutMs: 0 }),
        }),
        fakePlugin("B", log, { permit: () => ({ status: ok, timeoutMs: 0 }) }),
      ],
    });
    expect(fw.runPermitPlugins(new CycleState(), pod, "n1").status.plugin).toBe("A");
    expect(log).toEqual(["A.permit"]);
  });

  it("PreBind stops at a failure; the first Bind plugin that does not Skip binds", async () => {
    const log: string[] = [];
    const fw = framework({
      preBind: [fakePlugin("Volumes", log, { preBind: async () => ok })],
      bind: [
        fakePlugin("Custom", log, { bind: async () => status("Skip") }),
        fakePlugin("DefaultBinder", log, { bind: async () => ok }),
        fakePlugin("Never", log, { bind: async () => ok }),
      ],
      postBind: [fakePlugin("Notify", log, { postBind: () => undefined })],
    });
    const state = new CycleState();
    expect((await fw.runPreBindPlugins(state, pod, "n1")).code).toBe("Success");
    expect((await fw.runBindPlugins(state, pod, "n1")).code).toBe("Success");
    fw.runPostBindPlugins(state, pod, "n1");
    expect(log).toEqual([
      "Volumes.preBind",
      "Custom.bind",
      "DefaultBinder.bind",
      "Notify.postBind",
    ]);

    const failing = framework({
      preBind: [fakePlugin("V", [], { preBind: async () => status("Error", "disk") })],
    });
    expect((await failing.runPreBindPlugins(state, pod, "n1")).reasons).toEqual([
      'running PreBind plugin "V": disk',
    ]);
    const skipping = framework({
      bind: [fakePlugin("S", [], { bind: async () => status("Skip") })],
    });
    expect((await skipping.runBindPlugins(state, pod, "n1")).code).toBe("Skip");
  });
});

describe("one cycle across extension points", () => {
  it("visits the points in the framework's order", async () => {
    const log: string[] = [];
    const all = fakePlugin("All", log, {
      preFilter: () => ({ status: ok }),
      filter: () => ok,
      preScore: () => ok,
      score: () => ({ score: 1, status: ok }),
      reserve: () => ok,
      unreserve: () => undefined,
      permit: () => ({ status: ok, timeoutMs: 0 }),
      preBind: async () => ok,
      bind: async () => ok,
      postBind: () => undefined,
    });
    const fw = framework({
      preFilter: [all],
      filter: [all],
      preScore: [all],
      score: [all],
      reserve: [all],
      permit: [all],
      preBind: [all],
      bind: [all],
      postBind: [all],
      scoreWeights: new Map([["All", 1]]),
    });
    const state = new CycleState();
    const nodes = fakeNodes(1);
    fw.runPreFilterPlugins(state, pod, nodes);
    fw.runFilterPlugins(state, pod, nodes[0] as NodeInfo);
    fw.runPreScorePlugins(state, pod, nodes);
    fw.runScorePlugins(state, pod, nodes);
    fw.runReservePluginsReserve(state, pod, "n0");
    fw.runPermitPlugins(state, pod, "n0");
    await fw.runPreBindPlugins(state, pod, "n0");
    await fw.runBindPlugins(state, pod, "n0");
    fw.runPostBindPlugins(state, pod, "n0");
    expect(log).toEqual([
      "All.preFilter",
      "All.filter",
      "All.preScore",
      "All.score",
      "All.reserve",
      "All.permit",
      "All.preBind",
      "All.bind",
      "All.postBind",
    ]);
  });
});

describe("runFilterPluginsWithNominatedPods", () => {
  /** A node that holds at most one pod, and a PreFilter that counts the pods it is told about. */
  const onePodPerNode = (log: string[]) =>
    framework({
      preFilter: [
        fakePlugin("Count", log, {
          preFilter: () => ({ status: ok }),
          addPod: (state: CycleState, _p: unknown, other: { metadata: { name?: string } }) => {
            state.write("added", [...(state.read<string[]>("added") ?? []), other.metadata.name]);
            return ok;
          },
        }),
      ],
      filter: [
        fakePlugin("OnePod", log, {
          filter: (_s: CycleState, _p: unknown, node: NodeInfo) =>
            node.pods.length === 0 ? ok : status("Unschedulable", "node(s) were full"),
        }),
      ],
    });
  const withPriority = (name: string, priority: number) => {
    const p = fakePod(name);
    p.spec.priority = priority;
    return p;
  };
  const nominatedTo = (pods: ReturnType<typeof fakePod>[]) => ({
    nominatedPodsForNode: (node: string) => (node === "n0" ? pods : []),
  });

  it("counts a nominated pod of equal or higher priority, on a copy", () => {
    const log: string[] = [];
    const fw = new Framework(
      onePodPerNode(log).profile,
      nominatedTo([withPriority("preemptor", 100)]),
    );
    const node = fakeNode("n0");
    const state = new CycleState();
    const s = fw.runFilterPluginsWithNominatedPods(state, withPriority("low", 10), node);
    expect(s).toMatchObject({
      code: "Unschedulable",
      reasons: ["node(s) were full"],
      plugin: "OnePod",
    });
    expect(node.pods, "the node itself is untouched").toEqual([]);
    expect(state.read("added"), "the AddPod extension ran on a clone of the state").toBeUndefined();
    expect(log).toEqual(["Count.addPod", "OnePod.filter"]);
  });

  it("ignores nominated pods of lower priority, and the pod itself", () => {
    const log: string[] = [];
    const self = withPriority("p", 50);
    const fw = new Framework(
      onePodPerNode(log).profile,
      nominatedTo([withPriority("lower", 10), self]),
    );
    expect(fw.runFilterPluginsWithNominatedPods(new CycleState(), self, fakeNode("n0")).code).toBe(
      "Success",
    );
    expect(log, "nothing added: Filter runs once, on the node as it is").toEqual(["OnePod.filter"]);
  });

  it("with nominated pods added and fitting, Filter runs again without them", () => {
    const log: string[] = [];
    const fw = new Framework(
      framework({
        filter: [fakePlugin("Any", log, { filter: () => ok })],
      }).profile,
      nominatedTo([withPriority("preemptor", 100)]),
    );
    expect(
      fw.runFilterPluginsWithNominatedPods(new CycleState(), withPriority("x", 100), fakeNode("n0"))
        .code,
    ).toBe("Success");
    expect(log).toEqual(["Any.filter", "Any.filter"]);
  });
});
