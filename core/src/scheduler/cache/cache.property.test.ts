/**
 * Random sequences of scheduler and informer events against a model that knows only, per pod,
 * its node and whether it is assumed, and which nodes exist. After every step the cache must count
 * each pod once, on the model's node, with each node's requested resources equal to the sum over
 * its pods; and a snapshot, whenever taken, must list exactly the existing nodes and their pods.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { FakeClock } from "../../util/clock.ts";
import { nonZeroRequests, podRequests } from "../framework/resources.ts";
import { makePod } from "../plugins/testing-nodes.ts";
import { SchedulerCache } from "./cache.ts";
import { CacheError } from "./errors.ts";
import { Snapshot } from "./snapshot.ts";
import { node, on } from "./testing.ts";

const NODES = ["n0", "n1", "n2", "n3"];
const POD_COUNT = 6;
const TTL_MS = 5000;

const nodeArb = fc.constantFrom(...NODES);
const podArb = fc.nat(POD_COUNT - 1);
const op = fc.oneof(
  fc.record({ kind: fc.constant("addNode" as const), node: nodeArb }),
  fc.record({ kind: fc.constant("removeNode" as const), node: nodeArb }),
  fc.record({ kind: fc.constant("assume" as const), pod: podArb, node: nodeArb }),
  fc.record({ kind: fc.constant("finishBinding" as const), pod: podArb }),
  fc.record({ kind: fc.constant("forget" as const), pod: podArb }),
  fc.record({ kind: fc.constant("informerAdd" as const), pod: podArb, node: nodeArb }),
  fc.record({ kind: fc.constant("informerRemove" as const), pod: podArb }),
  fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 2 * TTL_MS }) }),
  fc.record({ kind: fc.constant("snapshot" as const) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

interface ModelPod {
  node: string;
  assumed: boolean;
  deadline: number | undefined;
}

interface Model {
  nodes: Set<string>;
  pods: Map<string, ModelPod>;
}

/** Applies `step` to cache and model; the cache must throw exactly when the model says invalid. */
function apply(
  step: Op,
  env: { cache: SchedulerCache; clock: FakeClock; snapshot: Snapshot; pods: Pod[]; model: Model },
) {
  const { cache, clock, snapshot, pods, model } = env;
  const valid = (ok: boolean, run: () => void) => {
    if (ok) run();
    else expect(run, `${JSON.stringify(step)} must be refused`).toThrow(CacheError);
  };
  const uidOf = (i: number) => pods[i]?.metadata.uid ?? "";
  const podOn = (i: number, nodeName: string) => on(pods[i] as Pod, nodeName);
  switch (step.kind) {
    case "addNode":
      cache.addNode(node(step.node));
      model.nodes.add(step.node);
      return;
    case "removeNode":
      valid(model.nodes.has(step.node), () => cache.removeNode(node(step.node)));
      model.nodes.delete(step.node);
      return;
    case "assume":
      valid(!model.pods.has(uidOf(step.pod)), () => cache.assumePod(podOn(step.pod, step.node)));
      if (!model.pods.has(uidOf(step.pod)))
        model.pods.set(uidOf(step.pod), { node: step.node, assumed: true, deadline: undefined });
      return;
    case "finishBinding": {
      const m = model.pods.get(uidOf(step.pod));
      cache.finishBinding(podOn(step.pod, m?.node ?? "n0"));
      if (m?.assumed) m.deadline = clock.now() + TTL_MS;
      return;
    }
    case "forget": {
      const m = model.pods.get(uidOf(step.pod));
      valid(m?.assumed === true, () => cache.forgetPod(podOn(step.pod, m?.node ?? "n0")));
      if (m?.assumed) model.pods.delete(uidOf(step.pod));
      return;
    }
    case "informerAdd": {
      const m = model.pods.get(uidOf(step.pod));
      valid(m === undefined || m.assumed, () => cache.addPod(podOn(step.pod, step.node)));
      if (m === undefined || m.assumed)
        model.pods.set(uidOf(step.pod), { node: step.node, assumed: false, deadline: undefined });
      return;
    }
    case "informerRemove": {
      const m = model.pods.get(uidOf(step.pod));
      valid(m !== undefined, () => cache.removePod(podOn(step.pod, m?.node ?? "n0")));
      model.pods.delete(uidOf(step.pod));
      return;
    }
    case "tick":
      clock.advance(step.ms);
      cache.cleanupExpiredAssumedPods();
      for (const [uid, m] of model.pods) {
        if (m.assumed && m.deadline !== undefined && clock.now() > m.deadline)
          model.pods.delete(uid);
      }
      return;
    case "snapshot": {
      cache.updateSnapshot(snapshot);
      const listed = snapshot.nodeInfos().map((i) => i.node.metadata.name ?? "");
      expect(new Set(listed)).toEqual(model.nodes);
      expect(listed).toHaveLength(model.nodes.size);
      for (const info of snapshot.nodeInfos()) {
        const name = info.node.metadata.name ?? "";
        const expected = [...model.pods].filter(([, m]) => m.node === name).map(([uid]) => uid);
        expect(new Set(info.pods.map((p) => p.metadata.uid))).toEqual(new Set(expected));
      }
      return;
    }
  }
}

function checkInvariants(cache: SchedulerCache, model: Model) {
  const dump = cache.dump();
  const seen = new Set<string>();
  for (const [name, info] of dump.nodes) {
    let milliCPU = 0;
    let memory = 0;
    let nonZeroCPU = 0;
    for (const p of info.pods) {
      const uid = p.metadata.uid ?? "";
      expect(seen.has(uid), `pod ${uid} counted twice`).toBe(false);
      seen.add(uid);
      expect(model.pods.get(uid)?.node, `pod ${uid}'s node`).toBe(name);
      milliCPU += podRequests(p).milliCPU;
      memory += podRequests(p).memory;
      nonZeroCPU += nonZeroRequests(p).milliCPU;
    }
    expect(info.requested.milliCPU, `${name} requested cpu`).toBe(milliCPU);
    expect(info.requested.memory, `${name} requested memory`).toBe(memory);
    expect(info.requested.allowedPodNumber, `${name} pod count`).toBe(info.pods.length);
    expect(info.nonZeroRequested.milliCPU, `${name} non-zero cpu`).toBe(nonZeroCPU);
    expect(dump.nodesWithoutNode.has(name), `${name} without Node`).toBe(!model.nodes.has(name));
  }
  expect(seen).toEqual(new Set(model.pods.keys()));
  // An entry exists exactly for a known node or a node some pod is on.
  const expectedNodes = new Set([...model.nodes, ...[...model.pods.values()].map((m) => m.node)]);
  expect(new Set(dump.nodes.keys())).toEqual(expectedNodes);
  const assumed = [...model.pods].filter(([, m]) => m.assumed).map(([uid]) => uid);
  expect(dump.assumedPods).toEqual(new Set(assumed));
}

describe("SchedulerCache against a model", () => {
  it("counts every pod once, on its node, whatever order events arrive in", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (steps) => {
        const clock = new FakeClock();
        const cache = new SchedulerCache({ clock, assumedPodTtlMs: TTL_MS });
        const snapshot = new Snapshot();
        const pods = Array.from({ length: POD_COUNT }, (_, i) =>
          makePod(`p${i}`, {
            requests: [i % 3 === 0 ? {} : { cpu: `${i * 100}m`, memory: `${i}Mi` }],
          }),
        );
        const model: Model = { nodes: new Set(), pods: new Map() };
        for (const step of steps) {
          apply(step, { cache, clock, snapshot, pods, model });
          checkInvariants(cache, model);
        }
        apply({ kind: "snapshot" }, { cache, clock, snapshot, pods, model });
      }),
      { numRuns: 300 },
    );
  });
});
