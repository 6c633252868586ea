import { describe, expect, it } from "vitest";
import type { Affinity, Namespace, Pod, PodAffinityTerm } from "../../../api/types.ts";
import { labeledPod, runFilter, runScore, snapshot } from "../testing-pods.ts";
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH as AFFINITY,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH as ANTI,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH as EXISTING,
} from "./filtering.ts";
import {
  type InterPodAffinityOptions,
  listerOf,
  newInterPodAffinity,
} from "./inter-pod-affinity.ts";
import { cache, HOST, nodes, requiredAffinity, requiredAnti, term, web, ZONE } from "./testing.ts";

const fits = { code: "Success", reasons: [] as string[] };
const noAffinity = { code: "UnschedulableAndUnresolvable", reasons: [AFFINITY] };
const anti = { code: "Unschedulable", reasons: [ANTI] };
const existing = { code: "Unschedulable", reasons: [EXISTING] };

const namespaces = (...list: [string, Record<string, string>][]) => ({
  list: (): Namespace[] =>
    list.map(([name, labels]) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels },
    })),
});

describe("InterPodAffinity filter (required terms)", () => {
  const cases: {
    name: string;
    pod: Pod;
    pods: Pod[];
    options?: Partial<InterPodAffinityOptions>;
    want: Record<string, { code: string; reasons: string[] }>;
  }[] = [
    {
      name: "affinity to a cache pod in the same zone: zone a only, not a node without a zone",
      pod: labeledPod("in", { labels: web, affinity: requiredAffinity(term(ZONE, cache)) }),
      pods: [labeledPod("c", { labels: cache, nodeName: "n1" })],
      want: { n1: fits, n2: fits, n3: noAffinity, n4: noAffinity },
    },
    {
      name: "the first pod of a group that matches its own affinity may go to any node with the key",
      pod: labeledPod("in", { labels: cache, affinity: requiredAffinity(term(ZONE, cache)) }),
      pods: [],
      want: { n1: fits, n2: fits, n3: fits, n4: noAffinity },
    },
    {
      name: "no exception for a pod that does not match its own affinity",
      pod: labeledPod("in", { labels: web, affinity: requiredAffinity(term(ZONE, cache)) }),
      pods: [],
      want: { n1: noAffinity, n2: noAffinity, n3: noAffinity, n4: noAffinity },
    },
    {
      name: "no exception once a matching pod exists somewhere: it must join that zone",
      pod: labeledPod("in", { labels: cache, affinity: requiredAffinity(term(ZONE, cache)) }),
      pods: [labeledPod("c", { labels: cache, nodeName: "n3" })],
      want: { n1: noAffinity, n2: noAffinity, n3: fits, n4: noAffinity },
    },
    {
      name: "with two affinity terms one existing pod must match both",
      pod: labeledPod("in", {
        labels: web,
        affinity: requiredAffinity(term(ZONE, cache), term(HOST, { tier: "db" })),
      }),
      pods: [
        labeledPod("c", { labels: cache, nodeName: "n1" }),
        labeledPod("d", { labels: { tier: "db" }, nodeName: "n1" }),
        labeledPod("both", { labels: { ...cache, tier: "db" }, nodeName: "n3" }),
      ],
      want: { n1: noAffinity, n2: noAffinity, n3: fits, n4: noAffinity },
    },
    {
      name: "anti-affinity per hostname keeps the pod off the web pod's node only",
      pod: labeledPod("in", { labels: web, affinity: requiredAnti(term(HOST, web)) }),
      pods: [labeledPod("w", { labels: web, nodeName: "n1" })],
      want: { n1: anti, n2: fits, n3: fits, n4: fits },
    },
    {
      name: "anti-affinity per zone keeps it out of zone a; a node without the key is not in it",
      pod: labeledPod("in", { labels: web, affinity: requiredAnti(term(ZONE, web)) }),
      pods: [labeledPod("w", { labels: web, nodeName: "n1" })],
      want: { n1: anti, n2: anti, n3: fits, n4: fits },
    },
    {
      name: "an existing pod's anti-affinity keeps a plain incoming pod out of its zone",
      pod: labeledPod("in", { labels: web }),
      pods: [labeledPod("e", { nodeName: "n1", affinity: requiredAnti(term(ZONE, web)) })],
      want: { n1: existing, n2: existing, n3: fits, n4: fits },
    },
    {
      name: "affinity is checked before anti-affinity",
      pod: labeledPod("in", {
        labels: web,
        affinity: { ...requiredAffinity(term(ZONE, cache)), ...requiredAnti(term(HOST, web)) },
      }),
      pods: [labeledPod("w", { labels: web, nodeName: "n3" })],
      want: { n1: noAffinity, n2: noAffinity, n3: noAffinity, n4: noAffinity },
    },
    {
      name: "terms look only in the pod's own namespace by default",
      pod: labeledPod("in", { labels: web, affinity: requiredAffinity(term(ZONE, cache)) }),
      pods: [labeledPod("c", { labels: cache, nodeName: "n1", namespace: "other" })],
      want: { n1: noAffinity, n2: noAffinity, n3: noAffinity, n4: noAffinity },
    },
    {
      name: "namespaces lists where to look",
      pod: labeledPod("in", {
        labels: web,
        affinity: requiredAffinity(term(ZONE, cache, { namespaces: ["other"] })),
      }),
      pods: [labeledPod("c", { labels: cache, nodeName: "n1", namespace: "other" })],
      want: { n1: fits, n2: fits, n3: noAffinity, n4: noAffinity },
    },
    {
      name: "namespaceSelector picks namespaces by their labels",
      pod: labeledPod("in", {
        labels: web,
        affinity: requiredAffinity(
          term(ZONE, cache, { namespaceSelector: { matchLabels: { team: "x" } } }),
        ),
      }),
      pods: [labeledPod("c", { labels: cache, nodeName: "n3", namespace: "other" })],
      options: { namespaces: namespaces(["other", { team: "x" }], ["default", {}]) },
      want: { n1: noAffinity, n2: noAffinity, n3: fits, n4: noAffinity },
    },
    {
      name: "an existing pod's namespaceSelector is matched against the incoming pod's namespace labels",
      pod: labeledPod("in", { labels: web }),
      pods: [
        labeledPod("e", {
          nodeName: "n3",
          namespace: "other",
          affinity: requiredAnti(
            term(ZONE, web, { namespaceSelector: { matchLabels: { env: "prod" } } }),
          ),
        }),
      ],
      options: { namespaces: namespaces(["default", { env: "prod" }]) },
      want: { n1: fits, n2: fits, n3: existing, n4: fits },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot(nodes, c.pods);
      const plugin = newInterPodAffinity({ nodeInfos: listerOf(() => infos), ...c.options });
      const run = runFilter(plugin, c.pod, infos);
      expect(run.preFilter.code).toBe("Success");
      const got = Object.fromEntries(
        Object.entries(run.filter).map(([n, s]) => [n, { code: s.code, reasons: s.reasons }]),
      );
      expect(got).toEqual(c.want);
    });
  }

  it("PreFilter skips when neither the pod nor any existing pod has required terms", () => {
    const infos = snapshot(nodes, [labeledPod("w", { labels: web, nodeName: "n1" })]);
    const plugin = newInterPodAffinity({ nodeInfos: listerOf(() => infos) });
    expect(runFilter(plugin, labeledPod("in", { labels: web }), infos).preFilter.code).toBe("Skip");
  });

  it("reads existing pods' anti-affinity only from the nodes the snapshot lists as holding it", () => {
    // The snapshot keeps that list (havePodsWithRequiredAntiAffinityList); PreFilter trusts it
    // instead of walking every pod, as Kubernetes' does. A lister that lists n1 makes n1's
    // anti-affinity count; one that lists nothing, though n1 holds the pod, makes it invisible.
    const infos = snapshot(nodes, [
      labeledPod("c", { labels: cache, nodeName: "n1", affinity: requiredAnti(term(HOST, web)) }),
    ]);
    const incoming = labeledPod("in", { labels: web });
    const listed = newInterPodAffinity({ nodeInfos: listerOf(() => infos) });
    expect(runFilter(listed, incoming, infos).filter.n1).toMatchObject(existing);
    const unlisted = newInterPodAffinity({
      nodeInfos: { ...listerOf(() => infos), havePodsWithRequiredAntiAffinityList: () => [] },
    });
    expect(runFilter(unlisted, incoming, infos).preFilter.code).toBe("Skip");
  });

  it("PreScore walks only nodes listed as holding pods with affinity, unless the pod has preferences", () => {
    // c on n1 prefers web pods in its zone: a web pod without preferences gets zone a's points only
    // while n1 is listed; a pod with preferences of its own walks every node regardless.
    const prefersWeb: Affinity = {
      podAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, podAffinityTerm: term(ZONE, web) },
        ],
      },
    };
    const infos = snapshot(nodes, [
      labeledPod("c", { labels: cache, nodeName: "n1", affinity: prefersWeb }),
    ]);
    const incoming = labeledPod("in", { labels: web });
    const listed = newInterPodAffinity({ nodeInfos: listerOf(() => infos) });
    expect(runScore(listed, incoming, infos).raw).toEqual({ n1: 10, n2: 10, n3: 0, n4: 0 });
    const unlisted = newInterPodAffinity({
      nodeInfos: { ...listerOf(() => infos), havePodsWithAffinityList: () => [] },
    });
    expect(runScore(unlisted, incoming, infos).preScore.code).toBe("Skip");
    const withOwn = labeledPod("in2", { labels: web, affinity: prefersWeb });
    expect(runScore(unlisted, withOwn, infos).raw).toEqual({ n1: 10, n2: 10, n3: 0, n4: 0 });
  });

  it("a selector that does not parse makes the pod unschedulable, with the parse error", () => {
    const infos = snapshot(nodes);
    const plugin = newInterPodAffinity({ nodeInfos: listerOf(() => infos) });
    const pod = labeledPod("in", {
      affinity: requiredAffinity({
        topologyKey: ZONE,
        labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: [] }] },
      }),
    });
    const s = runFilter(plugin, pod, infos).preFilter;
    expect(s.code).toBe("UnschedulableAndUnresolvable");
    expect(s.reasons[0]).toMatch(/^parsing pod: /);
  });

  it("names its plugin and reasons as Kubernetes does", () => {
    expect(newInterPodAffinity({ nodeInfos: listerOf(() => []) }).name).toBe("InterPodAffinity");
    expect([AFFINITY, ANTI, EXISTING]).toEqual([
      "node(s) didn't match pod affinity rules",
      "node(s) didn't match pod anti-affinity rules",
      "node(s) didn't satisfy existing pods anti-affinity rules",
    ]);
  });
});

describe("InterPodAffinity score (preferred terms)", () => {
  const three = nodes.slice(0, 3);
  const preferred = (
    sign: "podAffinity" | "podAntiAffinity",
    weight: number,
    t: PodAffinityTerm,
  ): Affinity => ({
    [sign]: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight, podAffinityTerm: t }] },
  });
  const cases: {
    name: string;
    pod: Pod;
    pods: Pod[];
    options?: Partial<InterPodAffinityOptions>;
    raw: Record<string, number>;
    normalized: Record<string, number>;
  }[] = [
    {
      name: "near cache per zone (+10), away from web per host (−5): the doc comment's example",
      pod: labeledPod("in", {
        affinity: {
          ...preferred("podAffinity", 10, term(ZONE, cache)),
          ...preferred("podAntiAffinity", 5, term(HOST, web)),
        },
      }),
      pods: [
        labeledPod("c", { labels: cache, nodeName: "n1" }),
        labeledPod("w", { labels: web, nodeName: "n2" }),
      ],
      raw: { n1: 10, n2: 5, n3: 0 },
      normalized: { n1: 100, n2: 50, n3: 0 },
    },
    {
      name: "an existing pod's required affinity to the incoming pod credits its zone by hardPodAffinityWeight",
      pod: labeledPod("in", { labels: web }),
      pods: [labeledPod("e", { nodeName: "n3", affinity: requiredAffinity(term(ZONE, web)) })],
      raw: { n1: 0, n2: 0, n3: 1 },
      normalized: { n1: 0, n2: 0, n3: 100 },
    },
    {
      name: "an existing pod's preferred anti-affinity lowers its own node",
      pod: labeledPod("in", { labels: web }),
      pods: [
        labeledPod("e", {
          nodeName: "n1",
          affinity: preferred("podAntiAffinity", 7, term(HOST, web)),
        }),
      ],
      raw: { n1: -7, n2: 0, n3: 0 },
      normalized: { n1: 0, n2: 100, n3: 100 },
    },
    {
      name: "an existing pod's preferred affinity raises its zone",
      pod: labeledPod("in", { labels: web }),
      pods: [
        labeledPod("e", { nodeName: "n1", affinity: preferred("podAffinity", 3, term(ZONE, web)) }),
      ],
      raw: { n1: 3, n2: 3, n3: 0 },
      normalized: { n1: 100, n2: 100, n3: 0 },
    },
    {
      name: "truncation: raw 0, 2, 3 normalize to 0, 66 (66.7 truncated), 100",
      pod: labeledPod("in", {
        affinity: {
          podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 2, podAffinityTerm: term(HOST, cache) },
              { weight: 1, podAffinityTerm: term(HOST, { tier: "db" }) },
            ],
          },
        },
      }),
      pods: [
        labeledPod("a", { labels: cache, nodeName: "n2" }),
        labeledPod("b", { labels: { ...cache, tier: "db" }, nodeName: "n3" }),
      ],
      raw: { n1: 0, n2: 2, n3: 3 },
      normalized: { n1: 0, n2: 66, n3: 100 },
    },
    {
      name: "all nodes equal: every score 0",
      pod: labeledPod("in", { affinity: preferred("podAffinity", 10, term(ZONE, cache)) }),
      pods: [
        labeledPod("a", { labels: cache, nodeName: "n1" }),
        labeledPod("b", { labels: cache, nodeName: "n3" }),
      ],
      raw: { n1: 10, n2: 10, n3: 10 },
      normalized: { n1: 0, n2: 0, n3: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const infos = snapshot(three, c.pods);
      const plugin = newInterPodAffinity({ nodeInfos: listerOf(() => infos), ...c.options });
      const run = runScore(plugin, c.pod, infos);
      expect(run.preScore.code).toBe("Success");
      expect(run.raw).toEqual(c.raw);
      expect(run.normalized).toEqual(c.normalized);
    });
  }

  it("pods on nodes that are not candidates still count for their domain", () => {
    const infos = snapshot(three, [labeledPod("c", { labels: cache, nodeName: "n2" })]);
    const plugin = newInterPodAffinity({ nodeInfos: listerOf(() => infos) });
    const pod = labeledPod("in", { affinity: preferred("podAffinity", 4, term(ZONE, cache)) });
    const run = runScore(
      plugin,
      pod,
      [infos[0], infos[2]].filter((i) => i !== undefined),
    );
    expect(run.raw).toEqual({ n1: 4, n3: 0 });
    expect(run.normalized).toEqual({ n1: 100, n3: 0 });
  });

  const symmetricAndPreferred = () => [
    labeledPod("e", { nodeName: "n3", affinity: requiredAffinity(term(ZONE, web)) }),
    labeledPod("f", { nodeName: "n1", affinity: preferred("podAffinity", 3, term(ZONE, web)) }),
  ];

  it("PreScore skips when no term anywhere gives points", () => {
    const infos = snapshot(three, [labeledPod("w", { labels: web, nodeName: "n1" })]);
    const plugin = newInterPodAffinity({ nodeInfos: listerOf(() => infos) });
    expect(runScore(plugin, labeledPod("in", { labels: web }), infos).preScore.code).toBe("Skip");
  });

  it("hardPodAffinityWeight 0 turns the symmetric credit off: only the preferred term counts", () => {
    const infos = snapshot(three, symmetricAndPreferred());
    const plugin = newInterPodAffinity({
      nodeInfos: listerOf(() => infos),
      hardPodAffinityWeight: 0,
    });
    expect(runScore(plugin, labeledPod("in", { labels: web }), infos).raw).toEqual({
      n1: 3,
      n2: 3,
      n3: 0,
    });
  });

  it("ignorePreferredTermsOfExistingPods: a pod without preferences of its own is skipped", () => {
    const infos = snapshot(three, symmetricAndPreferred());
    const plugin = newInterPodAffinity({
      nodeInfos: listerOf(() => infos),
      ignorePreferredTermsOfExistingPods: true,
    });
    expect(runScore(plugin, labeledPod("in", { labels: web }), infos).preScore.code).toBe("Skip");
  });
});
