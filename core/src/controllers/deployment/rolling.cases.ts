/**
 * The contract of one rolling-update sync (rolloutStep in rolling-math.ts), run against the
 * core's implementation (rolling-math.test.ts) and a reader's in Lab 4. Each case is one sync;
 * its name says what Kubernetes does and why, with the numbers, and a failure repeats the input,
 * the expected outcome and what came back.
 */
import { describe, expect, it } from "vitest";
import type { IntOrString } from "./int-or-percent.ts";
import type { ReplicaSetCounts } from "./replica-sets.ts";
import type { RolloutInput, RolloutStep } from "./rolling-math.ts";

export type RolloutStepFn = (input: RolloutInput) => RolloutStep;

interface StepCase {
  name: string;
  input: RolloutInput;
  /** The expected step, or the start of the error message. */
  expected: RolloutStep | { throws: RegExp };
}

/** A creation time of 2025-01-01 at hh:mm UTC. */
const at = (hhmm: string) => Date.parse(`2025-01-01T${hhmm}:00Z`);
const old = (name: string, replicas: number, available: number, created = at("10:00")) =>
  ({ name, replicas, available, created }) satisfies ReplicaSetCounts;
const step = (newReplicas: number, ...scaleDowns: [string, number][]): RolloutStep => ({
  newReplicas,
  scaleDowns: scaleDowns.map(([name, replicas]) => ({ name, replicas })),
});
/** rolling.go's example: 10 replicas, maxSurge 3, maxUnavailable 2 (at most 13, at least 8). */
const tenThreeTwo = { replicas: 10, maxSurge: 3, maxUnavailable: 2 };
/** rolling.go's Deployment with a new ReplicaSet [replicas, available] (or none) and old ones. */
const ten = (
  newRS: [number, number] | undefined,
  ...oldRSes: ReplicaSetCounts[]
): RolloutInput => ({
  ...tenThreeTwo,
  newRS: newRS && { replicas: newRS[0], available: newRS[1] },
  oldRSes,
});
/** Another Deployment: replicas, maxSurge, maxUnavailable, new ReplicaSet, old ones. */
const deployment = (
  [replicas, maxSurge, maxUnavailable]: [number, IntOrString, IntOrString],
  newRS: [number, number] | undefined,
  ...oldRSes: ReplicaSetCounts[]
): RolloutInput => ({
  replicas,
  maxSurge,
  maxUnavailable,
  newRS: newRS && { replicas: newRS[0], available: newRS[1] },
  oldRSes,
});

export function describeRolloutStepContract(name: string, rolloutStep: RolloutStepFn): void {
  describe(`one rolling-update sync: ${name}`, () => {
    for (const [topic, cases] of Object.entries(CASES)) {
      describe(topic, () => {
        for (const c of cases) {
          it(c.name, () => {
            const given = `given ${showInput(c.input)}`;
            if ("throws" in c.expected) {
              expect(() => rolloutStep(c.input), `${c.name}\n${given}`).toThrow(c.expected.throws);
              return;
            }
            const got = rolloutStep(c.input);
            expect(showStep(got), `${c.name}\n${given}`).toBe(showStep(c.expected));
          });
        }
      });
    }

    it("the worked example of rolling.go, sync by sync, every new pod available in between", () => {
      let newRS: { replicas: number; available: number } | undefined;
      let v1 = old("web-v1", 10, 10);
      const syncs: string[] = [];
      for (let sync = 1; sync <= 6; sync++) {
        const got = rolloutStep({ ...tenThreeTwo, newRS, oldRSes: [v1] });
        syncs.push(`sync ${sync}: ${showStep(got)}`);
        newRS = { replicas: got.newReplicas, available: got.newReplicas };
        const to = got.scaleDowns.find((s) => s.name === "web-v1")?.replicas ?? v1.replicas;
        v1 = old("web-v1", to, to);
      }
      expect(syncs, "see the table in rolling-math.ts").toEqual([
        "sync 1: new RS 3; scale down web-v1 → 8",
        "sync 2: new RS 5; no old ReplicaSet scaled down",
        "sync 3: new RS 5; scale down web-v1 → 3",
        "sync 4: new RS 10; no old ReplicaSet scaled down",
        "sync 5: new RS 10; scale down web-v1 → 0",
        "sync 6: new RS 10; no old ReplicaSet scaled down",
      ]);
    });
  });
}

function showStep(s: RolloutStep): string {
  const downs = s.scaleDowns.map((d) => `${d.name} → ${d.replicas}`).join(", ");
  return `new RS ${s.newReplicas}; ${downs ? `scale down ${downs}` : "no old ReplicaSet scaled down"}`;
}

function showInput(i: RolloutInput): string {
  const json = (v: unknown) => JSON.stringify(v);
  const newRS = i.newRS
    ? `new RS ${i.newRS.replicas} (${i.newRS.available} available)`
    : "no new RS yet";
  const olds = i.oldRSes
    .map(
      (rs) =>
        `${rs.name} ${rs.replicas} (${rs.available} available, created ` +
        `${new Date(rs.created).toISOString().slice(11, 16)})`,
    )
    .join(", ");
  return (
    `${i.replicas} replicas, maxSurge ${json(i.maxSurge)}, maxUnavailable ${json(i.maxUnavailable)}; ` +
    `${newRS}; old: ${olds || "none"}`
  );
}

const CASES: Record<string, StepCase[]> = {
  "rolling.go's example: 10 replicas, maxSurge 3, maxUnavailable 2": [
    {
      name: "the template changed: the new ReplicaSet is created at 13 − 10 = 3, and in the same sync web-v1 goes 10 → 8 (10 available − 8 minimum)",
      input: ten(undefined, old("web-v1", 10, 10)),
      expected: step(3, ["web-v1", 8]),
    },
    {
      name: "room for 13 − 11 = 2 more: the new ReplicaSet grows 3 → 5, and nothing else happens in a sync that scaled up",
      input: ten([3, 3], old("web-v1", 8, 8)),
      expected: step(5),
    },
    {
      name: "13 pods, no room: 13 available − 8 = 5 old pods go, web-v1 8 → 3",
      input: ten([5, 5], old("web-v1", 8, 8)),
      expected: step(5, ["web-v1", 3]),
    },
    {
      name: "room for 5, and 5 still wanted: the new ReplicaSet grows 5 → 10, never past replicas",
      input: ten([5, 5], old("web-v1", 3, 3)),
      expected: step(10),
    },
    {
      name: "the new ReplicaSet is full: the last old pods go, 13 available − 8 = 5 ≥ 3, web-v1 3 → 0",
      input: ten([10, 10], old("web-v1", 3, 3)),
      expected: step(10, ["web-v1", 0]),
    },
    {
      name: "the rollout is complete: an old ReplicaSet at 0 is left alone",
      input: ten([10, 10], old("web-v1", 0, 0)),
      expected: step(10),
    },
    {
      name: "a brand-new Deployment: the first ReplicaSet is created with all 10 replicas",
      input: ten(undefined),
      expected: step(10),
    },
  ],
  "unavailable pods": [
    {
      name: "crashlooping new pods use up the budget: 13 − 8 − 5 unavailable new = 0, so no old pod goes",
      input: ten([5, 0], old("web-v1", 8, 7)),
      expected: step(5),
    },
    {
      name: "rollout undo back to web-v1 (8 pods, 7 available): 13 − 8 − 1 = 4 of the 5 crashlooping web-v2 pods go",
      input: ten([8, 7], old("web-v2", 5, 0, at("10:05"))),
      expected: step(8, ["web-v2", 1]),
    },
    {
      name: "after the undo, 9 pods: web-v1 grows 8 → 10 (room 4, but only 2 wanted)",
      input: ten([8, 8], old("web-v2", 1, 0, at("10:05"))),
      expected: step(10),
    },
    {
      name: "roll over to a third template while web-v2 crashloops: created at 0 (13 pods already), and 13 − 8 − 0 = 5 unavailable web-v2 pods go",
      input: ten(undefined, old("web-v1", 8, 8), old("web-v2", 5, 0, at("10:05"))),
      expected: step(0, ["web-v2", 0]),
    },
    {
      name: "roll over with healthy pods: the 13 − 8 = 5 that may go come from the oldest ReplicaSet, web-v1 8 → 3",
      input: ten(undefined, old("web-v2", 5, 5, at("10:05")), old("web-v1", 8, 8)),
      expected: step(0, ["web-v1", 3]),
    },
    {
      name: "unavailable old pods go first (oldest ReplicaSet first), then available ones above 8: web-v1 4 → 2 → 1, web-v2 5 → 3",
      input: ten([4, 4], old("web-v1", 4, 2), old("web-v2", 5, 3, at("10:05"))),
      expected: step(4, ["web-v1", 1], ["web-v2", 3]),
    },
    {
      name: "the cleanup stops at 13 − 8 − 2 = 3 pods, all from the oldest ReplicaSet: web-v1 4 → 1",
      input: ten([4, 2], old("web-v1", 4, 1), old("web-v2", 5, 5, at("10:05"))),
      expected: step(4, ["web-v1", 1]),
    },
    {
      name: "ReplicaSets at 0 are skipped, and their lingering available pods are not counted: 6 + 3 − 8 = 1, web-v2 3 → 2",
      input: ten([10, 6], old("web-v1", 0, 3), old("web-v2", 3, 3, at("10:05"))),
      expected: step(10, ["web-v2", 2]),
    },
    {
      name: "an old ReplicaSet reporting more available pods (5) than its spec (3) stops the scale-down: its status has not caught up",
      input: ten([5, 5], old("web-v1", 3, 5), old("web-v2", 5, 5, at("10:05"))),
      expected: step(5),
    },
  ],
  "ordering and direction": [
    {
      name: "ReplicaSets created in the same second are visited by name: 5 − 3 = 2 go, web-a 1 → 0 then web-b 2 → 1",
      input: deployment([4, 1, 1], [2, 2], old("web-b", 2, 2), old("web-a", 1, 1)),
      expected: step(2, ["web-a", 0], ["web-b", 1]),
    },
    {
      name: "a new ReplicaSet above replicas (the Deployment shrank) goes down to replicas, and nothing else this sync",
      input: deployment([5, 1, 1], [7, 7], old("web-v1", 2, 2)),
      expected: step(5),
    },
    {
      name: "scaled to 0 mid-rollout: no pod may be unavailable (0 of 0), yet every old pod goes",
      input: deployment([0, "25%", "25%"], [0, 0], old("web-v1", 3, 3)),
      expected: step(0, ["web-v1", 0]),
    },
  ],
  percentages: [
    {
      name: "25% of 4: maxSurge rounds up to 1, maxUnavailable down to 1: created at 1, web-v1 4 → 3",
      input: deployment([4, "25%", "25%"], undefined, old("web-v1", 4, 4)),
      expected: step(1, ["web-v1", 3]),
    },
    {
      name: "35% of 10: maxSurge ceil(3.5) = 4, maxUnavailable floor(3.5) = 3: created at 4, web-v1 10 → 7",
      input: deployment([10, "35%", "35%"], undefined, old("web-v1", 10, 10)),
      expected: step(4, ["web-v1", 7]),
    },
    {
      name: "0% and 10% of 3 both round to 0, so maxUnavailable becomes 1: created at 0, web-v1 3 → 2",
      input: deployment([3, "0%", "10%"], undefined, old("web-v1", 3, 3)),
      expected: step(0, ["web-v1", 2]),
    },
    {
      name: 'maxSurge "5" (a string without %) is rejected: invalid value for IntOrString',
      input: deployment([10, "5", 2], undefined, old("web-v1", 10, 10)),
      expected: { throws: /^invalid value for IntOrString: / },
    },
    {
      name: 'maxUnavailable "abc%" is rejected: invalid value for IntOrString',
      input: deployment([10, 3, "abc%"], [10, 10]),
      expected: { throws: /^invalid value for IntOrString: / },
    },
  ],
};
