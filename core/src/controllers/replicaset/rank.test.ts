import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareForDeletion,
  deletionCostOf,
  isPodActive,
  POD_DELETION_COST_ANNOTATION,
  podsToDelete,
  type RankedPod,
} from "./rank.ts";

const S = 1000; // ms in a second
const NOW = 1_000 * S;

function pod(uid: string, fields: Partial<RankedPod> = {}): RankedPod {
  return {
    uid,
    nodeName: "node-1",
    phase: "Running",
    ready: true,
    readySince: 500 * S,
    restarts: 0,
    created: 400 * S,
    deletionCost: 0,
    ...fields,
  };
}

/** Sorts pods the way a ReplicaSet would pick them for deletion, all with the same rank. */
const order = (pods: RankedPod[], ranks: number[] = []) =>
  pods
    .map((p, i) => ({ ...p, rank: ranks[i] ?? 0 }))
    .sort((a, b) => compareForDeletion(a, b, NOW))
    .map((p) => p.uid);

describe("compareForDeletion: each rule, with the later rules pointing the other way", () => {
  it("1. an unscheduled pod goes before a scheduled one", () => {
    const scheduled = pod("scheduled", { phase: "Pending", ready: false, restarts: 0 });
    const unscheduled = pod("unscheduled", { nodeName: "", phase: "Running", restarts: 9 });
    expect(order([scheduled, unscheduled])).toEqual(["unscheduled", "scheduled"]);
  });

  it("2. Pending before Unknown before Running", () => {
    const running = pod("running", { ready: false });
    const unknown = pod("unknown", { phase: "Unknown" });
    const pending = pod("pending", { phase: "Pending" });
    expect(order([running, unknown, pending])).toEqual(["pending", "unknown", "running"]);
  });

  it("3. not ready before ready", () => {
    const ready = pod("ready", { restarts: 5, deletionCost: -10 });
    const notReady = pod("not-ready", { ready: false, readySince: undefined, deletionCost: 10 });
    expect(order([ready, notReady])).toEqual(["not-ready", "ready"]);
  });

  it("4. lower pod-deletion-cost first", () => {
    const cheap = pod("cheap", { deletionCost: -1 });
    const dear = pod("dear", { deletionCost: 5, restarts: 9 });
    expect(order([dear, cheap], [5, 1])).toEqual(["cheap", "dear"]);
  });

  it("5. more pods on the same node first", () => {
    expect(order([pod("alone", { restarts: 9 }), pod("crowded")], [1, 3])).toEqual([
      "crowded",
      "alone",
    ]);
  });

  it("6. both ready: ready more recently first, on a log2 scale of the age", () => {
    const old = pod("old", { readySince: 100 * S, restarts: 9 });
    const young = pod("young", { readySince: 990 * S });
    expect(order([old, young])).toEqual(["young", "old"]);
    // 10 s and 12 s: 2^33.2 and 2^33.5 ns, the same bucket: the smaller UID goes first.
    const b = pod("b", { readySince: NOW - 10 * S });
    const a = pod("a", { readySince: NOW - 12 * S });
    expect(order([b, a])).toEqual(["a", "b"]);
  });

  it("7. more restarts first", () => {
    expect(order([pod("calm", { created: 900 * S }), pod("flaky", { restarts: 3 })])).toEqual([
      "flaky",
      "calm",
    ]);
  });

  it("8. newer first, a missing creation time first of all, same bucket by UID", () => {
    const old = pod("old", { created: 1 * S });
    const young = pod("young", { created: 999 * S });
    const unknown = pod("unknown", { created: undefined });
    expect(order([old, young, unknown])).toEqual(["unknown", "young", "old"]);
    // 399 s and 400 s old: the same bucket (2^38.5 ns), so y goes first although z is newer.
    expect(order([pod("z", { created: 601 * S }), pod("y", { created: 600 * S })])).toEqual([
      "y",
      "z",
    ]);
  });

  it("keeps the input order when every rule ties", () => {
    expect(order([pod("x"), pod("x")]).length).toBe(2);
    expect(compareForDeletion({ ...pod("x"), rank: 0 }, { ...pod("x"), rank: 0 }, NOW)).toBe(0);
  });

  it("is a consistent order: antisymmetric and transitive", () => {
    const arbPod = fc.record({
      nodeName: fc.constantFrom("", "n1", "n2"),
      phase: fc.constantFrom("Pending", "Running", "Unknown" as const),
      ready: fc.boolean(),
      readySince: fc.option(fc.integer({ min: 0, max: NOW }), { nil: undefined }),
      restarts: fc.nat(3),
      created: fc.option(fc.integer({ min: 0, max: NOW }), { nil: undefined }),
      deletionCost: fc.integer({ min: -1, max: 1 }),
      rank: fc.nat(3),
    });
    fc.assert(
      fc.property(arbPod, arbPod, arbPod, (x, y, z) => {
        // UIDs are unique in a cluster; with equal UIDs rules 6 and 8 could call two pods equal.
        const [a, b, c] = [
          { ...x, uid: "a" },
          { ...y, uid: "b" },
          { ...z, uid: "c" },
        ];
        const cmp = (p: typeof a, q: typeof a) => Math.sign(compareForDeletion(p, q, NOW));
        expect(cmp(a, b)).toBe(-cmp(b, a) || 0);
        if (cmp(a, b) <= 0 && cmp(b, c) <= 0) expect(cmp(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("podsToDelete", () => {
  it("follows the module comment's trace: c, d, a, b", () => {
    const a = pod("a", { readySince: 990 * S });
    const b = pod("b", { readySince: 100 * S });
    const c = pod("c", { nodeName: "node-2", ready: false, readySince: undefined });
    const d = pod("d", { nodeName: "node-2", readySince: 996 * S });
    expect(podsToDelete([a, b, c, d], [a, b, c, d], 3, NOW).map((p) => p.uid)).toEqual([
      "c",
      "d",
      "a",
    ]);
  });

  it("ranks by active pods of the whole owner on the node, not counting terminating ones", () => {
    const mine = [pod("m1", { nodeName: "node-1" }), pod("m2", { nodeName: "node-2" })];
    const sibling = [
      pod("s1", { nodeName: "node-2" }),
      pod("s2", { nodeName: "node-1", terminating: true }),
      pod("s3", { nodeName: "node-1", phase: "Succeeded" }),
    ];
    // node-2 has m2 and s1 (2 active), node-1 only m1: m2 goes first.
    expect(podsToDelete(mine, [...mine, ...sibling], 1, NOW).map((p) => p.uid)).toEqual(["m2"]);
  });

  it("returns every pod, unsorted, when all of them go", () => {
    const pods = [pod("ready"), pod("not-ready", { ready: false })];
    expect(podsToDelete(pods, pods, 5, NOW).map((p) => p.uid)).toEqual(["ready", "not-ready"]);
  });
});

describe("deletionCostOf and isPodActive", () => {
  it.each([
    [undefined, 0],
    ["0", 0],
    ["10", 10],
    ["-5", -5],
    ["-007", -7],
    ["+10", 0],
    ["007", 0],
    ["", 0],
    ["1.5", 0],
    ["2147483647", 2147483647],
    ["2147483648", 0],
  ] as const)("%j → %i", (value, expected) => {
    const annotations: Record<string, string> =
      value === undefined ? {} : { [POD_DELETION_COST_ANNOTATION]: value };
    expect(deletionCostOf(annotations)).toBe(expected);
  });

  it("treats Succeeded, Failed and terminating pods as inactive", () => {
    expect(isPodActive({ phase: "Running" })).toBe(true);
    expect(isPodActive({ phase: "Pending" })).toBe(true);
    expect(isPodActive({ phase: "Succeeded" })).toBe(false);
    expect(isPodActive({ phase: "Failed" })).toBe(false);
    expect(isPodActive({ phase: "Running", terminating: true })).toBe(false);
  });
});
