/**
 * Placement end to end: nodes and pods created through the API server, the default profile
 * deciding, and each case asserting the node (or the FailedScheduling message) Kubernetes would
 * give. Where several nodes pass Filter, the expected winner is worked out from the default
 * weights (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2, InterPodAffinity 2,
 * NodeResourcesFit 1 with LeastAllocated, BalancedAllocation 1, ImageLocality 1) so that it wins
 * by a margin, never by a tie (a tie is broken at random, as selectHost does).
 *
 * Every failure message ends with DefaultPreemption's PostFilter summary, as in Kubernetes. All
 * pods here have priority 0, so there is never a lower-priority victim: a node rejected as
 * UnschedulableAndUnresolvable (untolerated taint, node affinity/selector, required pod affinity)
 * counts as "Preemption is not helpful for scheduling", and a node rejected as Unschedulable
 * (resources, pod anti-affinity, topology spread) as "No preemption victims found for incoming
 * pod" — the second tally need not line up with the first.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { milliValue, parseQuantity } from "../api/quantity.ts";
import type { Affinity, NodeSelectorRequirement, Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import {
  e2eNode,
  e2ePod,
  HOSTNAME,
  type SchedulerE2E,
  startSchedulerE2E,
  unschedulableCondition,
  ZONE,
} from "./e2e-testing.ts";

let c: SchedulerE2E;

beforeEach(async () => {
  c = await startSchedulerE2E();
});

afterEach(async () => {
  await c?.stop();
});

describe("placement through the API server", () => {
  it("requests against capacity: only nodes with room pass, and a pod that fits nowhere says so", async () => {
    await c.nodes().create(e2eNode("one", { cpu: "1" }));
    await c.nodes().create(e2eNode("two", { cpu: "2" }));
    // 1500m fits only on "two"; it leaves 1000m free on "one" and 500m on "two".
    expect(await c.schedule(e2ePod("a", { cpu: "1500m" }))).toBe("two");
    expect(await c.schedule(e2ePod("b", { cpu: "600m" }))).toBe("one");
    // Now 400m free on "one" and 500m on "two".
    await c.pods().create(e2ePod("c", { cpu: "600m" }));
    expect(await c.waitUnschedulable("c")).toBe(
      "0/2 nodes are available: 2 Insufficient cpu. " +
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
    await c.pods().create(e2ePod("d", { memory: "9Gi" }));
    expect(await c.waitUnschedulable("d")).toBe(
      "0/2 nodes are available: 2 Insufficient memory. " +
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
  });

  it("a NoSchedule taint keeps off pods without a matching toleration", async () => {
    const taints = [{ key: "dedicated", value: "gpu", effect: "NoSchedule" as const }];
    await c.nodes().create(e2eNode("gpu", { cpu: "8", taints }));
    await c.nodes().create(e2eNode("plain", { cpu: "2" }));
    // Without the toleration "gpu" is filtered out, though it is far less allocated.
    expect(await c.schedule(e2ePod("plain-pod", { cpu: "500m" }))).toBe("plain");
    // With it, both pass and LeastAllocated prefers the emptier, larger "gpu".
    const tolerations = [
      { key: "dedicated", operator: "Equal" as const, value: "gpu", effect: "NoSchedule" as const },
    ];
    expect(await c.schedule(e2ePod("gpu-pod", { cpu: "500m", tolerations }))).toBe("gpu");
    // A toleration for another value does not match.
    const wrong = [{ ...tolerations[0], value: "tpu" }];
    await c.pods().create(e2ePod("big", { cpu: "3", tolerations: wrong }));
    expect(await c.waitUnschedulable("big")).toBe(
      "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s). " +
        "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
    );
  });

  it("a PreferNoSchedule taint steers pods away while an untainted node is nearly as good", async () => {
    const taints = [{ key: "spot", value: "true", effect: "PreferNoSchedule" as const }];
    await c.nodes().create(e2eNode("spot", { taints }));
    await c.nodes().create(e2eNode("steady"));
    expect(await c.schedule(e2ePod("first", { cpu: "1" }))).toBe("steady");
    // Scored with the new pod added (non-zero defaults: memory counts as 200Mi per pod of 8Gi):
    //   LeastAllocated     steady (50 + 95) / 2 = 72    spot (75 + 97) / 2 = 86
    //   BalancedAllocation steady 100 - |0.5 - 0| / 2 * 100 = 75 (real requests: no memory)
    //                      spot   100 - |0.25 - 0| / 2 * 100 = 87.5
    // "spot" leads by about 26 points there; but TaintToleration gives "steady" 100 and "spot" 0,
    // times weight 3: a 300-point lead the resources cannot make up.
    expect(await c.schedule(e2ePod("second", { cpu: "1" }))).toBe("steady");
    // A pod that tolerates the taint sees no difference there, and the emptier node wins.
    const tolerations = [{ key: "spot", operator: "Exists" as const }];
    expect(await c.schedule(e2ePod("tolerant", { cpu: "1", tolerations }))).toBe("spot");
  });

  it("nodeSelector and required node affinity (In, NotIn, Exists, DoesNotExist, Gt) pick the one matching node", async () => {
    await c.nodes().create(e2eNode("n-a", { labels: { zone: "a", disk: "ssd", cores: "8" } }));
    await c.nodes().create(e2eNode("n-b", { labels: { zone: "b", cores: "4" } }));
    await c.nodes().create(e2eNode("n-c", { labels: { zone: "c", disk: "hdd", cores: "16" } }));
    const required = (...matchExpressions: NodeSelectorRequirement[]): Affinity => ({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions }],
        },
      },
    });
    expect(await c.schedule(e2ePod("selector", { nodeSelector: { zone: "b" } }))).toBe("n-b");
    expect(
      await c.schedule(
        e2ePod("in-notin", {
          affinity: required(
            { key: "zone", operator: "In", values: ["a", "c"] },
            { key: "disk", operator: "NotIn", values: ["hdd"] },
          ),
        }),
      ),
    ).toBe("n-a");
    expect(
      await c.schedule(
        e2ePod("exists-gt", {
          affinity: required(
            { key: "disk", operator: "Exists" },
            { key: "cores", operator: "Gt", values: ["10"] },
          ),
        }),
      ),
    ).toBe("n-c");
    expect(
      await c.schedule(
        e2ePod("does-not-exist", {
          affinity: required({ key: "disk", operator: "DoesNotExist" }),
        }),
      ),
    ).toBe("n-b");
    // Terms are ORed: either one is enough, and only n-c matches the second.
    expect(
      await c.schedule(
        e2ePod("or-terms", {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: "zone", operator: "In", values: ["z"] }] },
                  { matchExpressions: [{ key: "cores", operator: "Gt", values: ["8"] }] },
                ],
              },
            },
          },
        }),
      ),
    ).toBe("n-c");
    // nodeSelector and affinity are ANDed: zone=a but no ssd-less node in zone a.
    await c.pods().create(
      e2ePod("nowhere", {
        nodeSelector: { zone: "a" },
        affinity: required({ key: "disk", operator: "DoesNotExist" }),
      }),
    );
    expect(await c.waitUnschedulable("nowhere")).toBe(
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. " +
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });

  it("preferred node affinity: the node with the highest sum of matching weights wins", async () => {
    await c.nodes().create(e2eNode("n1", { labels: { a: "1" } }));
    await c.nodes().create(e2eNode("n2", { labels: { b: "1", c: "1" } }));
    await c.nodes().create(e2eNode("n3"));
    const prefer = (weight: number, key: string) => ({
      weight,
      preference: { matchExpressions: [{ key, operator: "Exists" as const }] },
    });
    // n1 scores 80; n2 scores 20 + 70 = 90; n3 0. Normalized to 0-100: n2 100, n1 88, n3 0; times
    // NodeAffinity's weight 2, n2 beats n1 by 24 with every other score equal.
    const pod = e2ePod("picky", {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            prefer(80, "a"),
            prefer(20, "b"),
            prefer(70, "c"),
          ],
        },
      },
    });
    expect(await c.schedule(pod)).toBe("n2");
  });

  it("required pod anti-affinity on the hostname spreads replicas one per node, and the extra one waits", async () => {
    for (const n of ["n1", "n2", "n3"]) await c.nodes().create(e2eNode(n));
    const replica = (name: string) =>
      e2ePod(name, {
        labels: { app: "web" },
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: "web" } }, topologyKey: HOSTNAME },
            ],
          },
        },
      });
    // All four at once: the scheduler assumes each placement before the next cycle, so the
    // anti-affinity sees replicas whose bindings are still in flight.
    await Promise.all(["w1", "w2", "w3", "w4"].map((n) => c.pods().create(replica(n))));
    const list = await eventually(
      async () => (await c.pods().list()).items,
      (ps) =>
        ps.filter((p) => p.spec.nodeName).length === 3 &&
        ps.some((p) => !p.spec.nodeName && unschedulableCondition(p) !== undefined),
      "3 bound, 1 unschedulable",
    );
    expect(new Set(list.map((p) => p.spec.nodeName).filter(Boolean))).toEqual(
      new Set(["n1", "n2", "n3"]),
    );
    const waiting = list.find((p) => !p.spec.nodeName) as Pod;
    expect(unschedulableCondition(waiting)?.message).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. " +
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
  });

  it("required pod affinity by zone co-locates with a labelled pod's zone, not its node", async () => {
    await c.nodes().create(e2eNode("a1", { labels: { [ZONE]: "a" } }));
    await c.nodes().create(e2eNode("a2", { labels: { [ZONE]: "a" } }));
    await c.nodes().create(e2eNode("b1", { labels: { [ZONE]: "b" } }));
    await c.nodes().create(e2eNode("b2", { labels: { [ZONE]: "b" } }));
    // Placed by hand (spec.nodeName), as a kubelet-bound pod would be; the cache learns of it.
    await c.pods().create(e2ePod("db", { cpu: "2", labels: { app: "db" }, nodeName: "b1" }));
    // The pod informer delivers db before any pod created after it, so the cache holds db when
    // the next pod is scheduled.
    const withAffinity = (name: string, app: string) =>
      e2ePod(name, {
        cpu: "500m",
        affinity: {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app } }, topologyKey: ZONE },
            ],
          },
        },
      });
    // Zone b passes Filter; within it, b2 is emptier than b1 (which holds db's 2 CPUs).
    expect(await c.schedule(withAffinity("cache", "db"))).toBe("b2");
    // Nothing is labelled app=queue and the pod is not itself: no node can satisfy the term.
    await c.pods().create(withAffinity("lonely", "queue"));
    expect(await c.waitUnschedulable("lonely")).toBe(
      "0/4 nodes are available: 4 node(s) didn't match pod affinity rules. " +
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
    );
  });

  it("topology spread DoNotSchedule with maxSkew 1 balances zones, explains when it cannot, and schedules once a node joins", async () => {
    await c.nodes().create(e2eNode("a1", { labels: { [ZONE]: "a" } }));
    await c.nodes().create(e2eNode("a2", { labels: { [ZONE]: "a" } }));
    // Zone b has room for one 600m pod only.
    await c.nodes().create(e2eNode("b1", { cpu: "1", labels: { [ZONE]: "b" } }));
    const spread = (name: string) =>
      e2ePod(name, {
        cpu: "600m",
        labels: { app: "spread" },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: ZONE,
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { app: "spread" } },
          },
        ],
      });
    // Whatever the order: the first two take one zone each (b1 is then full), the third goes to
    // zone a (2-1), and the fourth may go to neither: zone a would make the skew 3-1 = 2 > 1,
    // and b1 has 400m left.
    await Promise.all(["s1", "s2", "s3", "s4"].map((n) => c.pods().create(spread(n))));
    const list = await eventually(
      async () => (await c.pods().list()).items,
      (ps) =>
        ps.filter((p) => p.spec.nodeName).length === 3 &&
        ps.some((p) => !p.spec.nodeName && unschedulableCondition(p) !== undefined),
      "3 bound, 1 unschedulable",
    );
    const zoneOf = (node: string | undefined) => (node?.startsWith("a") ? "a" : "b");
    const bound = list.filter((p) => p.spec.nodeName);
    expect(bound.filter((p) => zoneOf(p.spec.nodeName) === "a")).toHaveLength(2);
    expect(bound.filter((p) => p.spec.nodeName === "b1")).toHaveLength(1);
    const waiting = list.find((p) => !p.spec.nodeName) as Pod;
    expect(unschedulableCondition(waiting)?.message).toBe(
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match pod topology spread constraints. " +
        "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    // A node in zone b appears (NodeAdd): the waiting pod goes there at once.
    await c.nodes().create(e2eNode("b2", { labels: { [ZONE]: "b" } }));
    expect(await c.waitBound(waiting.metadata.name as string, 5000)).toBe("b2");
  });

  it("the FailedScheduling message counts each reason once per node and sorts the entries as strings", async () => {
    const taints = [{ key: "dedicated", value: "infra", effect: "NoSchedule" as const }];
    await c.nodes().create(e2eNode("small", { cpu: "1", labels: { disk: "ssd" } }));
    await c.nodes().create(e2eNode("tainted", { labels: { disk: "ssd" }, taints }));
    await c.nodes().create(e2eNode("hdd-1", { labels: { disk: "hdd" } }));
    await c.nodes().create(e2eNode("hdd-2", { labels: { disk: "hdd" } }));
    await c.pods().create(e2ePod("fussy", { cpu: "2", nodeSelector: { disk: "ssd" } }));
    // Each node reports the first Filter that rejects it (TaintToleration, NodeAffinity, then
    // NodeResourcesFit, in the default profile's order).
    expect(await c.waitUnschedulable("fussy")).toBe(
      "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. " +
        "preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.",
    );
  });

  it("sorting as strings puts '10 node(s)' before '2 Insufficient cpu', as Go's sort.Strings does", async () => {
    for (let i = 0; i < 2; i++) await c.nodes().create(e2eNode(`small-${i}`, { cpu: "1" }));
    for (let i = 0; i < 10; i++) {
      await c.nodes().create(
        e2eNode(`gpu-${i}`, {
          taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }],
        }),
      );
    }
    await c.pods().create(e2ePod("wide", { cpu: "2" }));
    expect(await c.waitUnschedulable("wide")).toBe(
      "0/12 nodes are available: 10 node(s) had untolerated taint(s), 2 Insufficient cpu. " +
        "preemption: 0/12 nodes are available: 10 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
  });

  it("a pending pod is bound as soon as a node gains the label it needs (NodeLabelChange)", async () => {
    await c.nodes().create(e2eNode("n1", { labels: { disk: "hdd" } }));
    await c.pods().create(e2ePod("needs-ssd", { nodeSelector: { disk: "ssd" } }));
    expect(await c.waitUnschedulable("needs-ssd")).toBe(
      "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. " +
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
    );
    await c.nodes().patch("n1", { metadata: { labels: { disk: "ssd" } } }, "merge");
    // Well inside the 5-minute unschedulable flush: only the label event can have moved it.
    expect(await c.waitBound("needs-ssd", 5000)).toBe("n1");
  });
});

describe("no over-commit under concurrency", () => {
  it("2,000 pods of 50m from five clients at once on 20 nodes of 4 CPUs: exactly 1,600 bound, none over allocatable", async () => {
    // 4 CPUs = 4000m per node, 80 pods of 50m each; 20 nodes hold 1,600 (the pods limit,
    // 110, is never reached first). The scheduler assumes every placement in its cache before
    // the binding is written, so cycle N+1 sees cycle N's pod even while its binding request is still in flight.
    const NODES = 20;
    const PODS = 2000;
    const CLIENTS = 5;
    for (let i = 0; i < NODES; i++) await c.nodes().create(e2eNode(`node-${i}`, { cpu: "4" }));
    const clients = Array.from(
      { length: CLIENTS },
      () =>
        new RestClient({
          server: c.api.url,
          caPem: c.api.caCertPem,
          token: c.api.tokenFor("admin"),
          qps: 0,
        }),
    );
    try {
      await Promise.all(
        clients.map(async (client, k) => {
          const pods = client.resource<Pod>(builtinType("pods"), "default");
          for (let i = k; i < PODS; i += CLIENTS)
            await pods.create(e2ePod(`p-${i}`, { cpu: "50m" }));
        }),
      );
    } finally {
      for (const client of clients) client.close();
    }
    const list = await eventually(
      async () => (await c.pods().list()).items,
      // Every pod tried at least once: bound, or marked PodScheduled=False. Waiting only for
      // 1,600 bound could stop looking before an over-committing binding lands.
      (ps) =>
        ps.length === PODS &&
        ps.every((p) => p.spec.nodeName || unschedulableCondition(p) !== undefined),
      "every pod bound or unschedulable",
      45_000,
    );
    const milliCpu = new Map<string, bigint>();
    for (const p of list) {
      if (!p.spec.nodeName) continue;
      // Summed here from the pod as stored, independently of the scheduler's own accounting.
      const resources = p.spec.containers[0]?.resources as { requests: { cpu: string } };
      const cpu = resources.requests.cpu;
      milliCpu.set(
        p.spec.nodeName,
        (milliCpu.get(p.spec.nodeName) ?? 0n) + milliValue(parseQuantity(cpu)),
      );
    }
    const allocatable = milliValue(parseQuantity("4"));
    const over = [...milliCpu].filter(([, m]) => m > allocatable);
    expect(over, "nodes whose bound pods request more than allocatable").toEqual([]);
    expect(list.filter((p) => p.spec.nodeName)).toHaveLength(1600);
    expect(milliCpu.size).toBe(NODES);
  }, 60_000);
});
