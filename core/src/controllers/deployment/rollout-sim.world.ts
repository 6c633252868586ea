/**
 * The simulated cluster of rollout-sim.test.ts: one Deployment, its ReplicaSets and their pods,
 * moved by the modules under test exactly as the controllers would move them. Not an API: the
 * pods are plain records, the controllers are functions, and time advances by whole ticks.
 *   syncDeployment   one sync of the Deployment controller: isScalingEvent → scaleReplicaSets,
 *                    else rolloutStep (creating the new ReplicaSet when it is missing); every
 *                    write refreshes the desired/max-replicas annotations, as scaleReplicaSet does
 *   syncReplicaSets  one sync of every ReplicaSet: replicaDiff, slowStartBatches for creations,
 *                    podsToDelete for deletions; new pods are Running and not ready
 *   readiness        pods become ready (at random, or all pods older than a tick when calm) and,
 *                    in the chaos phase, some ready pods flip back
 * Statuses are never stale here, and available means ready (minReadySeconds 0).
 */
import { podsToDelete, type RankedPod } from "../replicaset/rank.ts";
import { replicaDiff, slowStartBatches } from "../replicaset/slow-start.ts";
import type { IntOrString } from "./int-or-percent.ts";
import {
  isScalingEvent,
  replicasAnnotations,
  type ScalableReplicaSet,
  scaleReplicaSets,
} from "./proportional.ts";
import { rolloutStep, type ScaleTo } from "./rolling-math.ts";

export interface Pod {
  uid: string;
  /** One of 3 nodes, round robin, so the rank of rule 5 varies. */
  node: string;
  /** Ready, and so available. */
  available: boolean;
  readySince?: number;
  created: number;
  /** Ticks since creation; a calm tick makes pods with at least 1 available. */
  ageTicks: number;
}
export interface RS {
  /** rs-<template>: each template has at most one ReplicaSet, reused on a rollback. */
  name: string;
  template: number;
  created: number;
  /** spec.replicas; after syncReplicaSets, pods.length equals it. */
  replicas: number;
  annotations: Record<string, string>;
  pods: Pod[];
}
export interface World {
  /** The Deployment's spec. */
  replicas: number;
  maxSurge: IntOrString;
  maxUnavailable: IntOrString;
  template: number;
  rses: RS[];
  /** The clock, ms; advance() moves it one tick. */
  now: number;
  /** The last pod number handed out. */
  seq: number;
}
/** What the user does in one tick of the chaos phase, and what the pods do. */
export type Change = { template: number } | { replicas: number } | null;
export interface Tick {
  change: Change;
  readyPercent: number;
  flips: number;
  seed: number;
}

const TICK_MS = 10_000;

export const spec = (w: World) => ({
  replicas: w.replicas,
  maxSurge: w.maxSurge,
  maxUnavailable: w.maxUnavailable,
  strategy: "RollingUpdate" as const,
});
export const available = (rs: RS) => rs.pods.filter((p) => p.available).length;
export const pods = (w: World) => w.rses.flatMap((rs) => rs.pods);
const view = (rs: RS): ScalableReplicaSet => ({ ...rs, available: available(rs) });
export const show = (w: World) =>
  `replicas ${w.replicas} (maxSurge ${w.maxSurge}, maxUnavailable ${w.maxUnavailable}), ` +
  `template ${w.template} | ${w.rses.map((rs) => `${rs.name}: ${rs.replicas} (${available(rs)} available)`).join(", ")}`;

function newPod(w: World): Pod {
  w.seq += 1;
  return {
    uid: `pod-${w.seq}`,
    node: `node-${w.seq % 3}`,
    available: false,
    created: w.now,
    ageTicks: 0,
  };
}

export function initialWorld(
  replicas: number,
  maxSurge: IntOrString,
  maxUnavailable: IntOrString,
): World {
  const w: World = { replicas, maxSurge, maxUnavailable, template: 0, rses: [], now: 0, seq: 0 };
  const rs = {
    name: "rs-0",
    template: 0,
    created: 0,
    replicas,
    annotations: replicasAnnotations(spec(w)),
    pods: [] as Pod[],
  };
  for (let i = 0; i < replicas; i++) rs.pods.push({ ...newPod(w), available: true, readySince: 0 });
  w.rses.push(rs);
  return w;
}

/** One syncDeployment. Returns the plan of a scaling event, or "rollout". */
export function syncDeployment(w: World): { scaled: ScaleTo[] } | "rollout" {
  const newRS = w.rses.find((rs) => rs.template === w.template);
  const olds = w.rses.filter((rs) => rs !== newRS);
  const write = (name: string, replicas: number) => {
    const rs = w.rses.find((r) => r.name === name);
    if (rs === undefined) throw new Error(`no ReplicaSet ${name}`);
    rs.replicas = replicas;
    rs.annotations = replicasAnnotations(spec(w));
  };
  if (isScalingEvent(w.replicas, w.rses.map(view))) {
    const statusReplicas = pods(w).length;
    const input = {
      ...spec(w),
      statusReplicas,
      newRS: newRS && view(newRS),
      oldRSes: olds.map(view),
    };
    const scaled = scaleReplicaSets(input);
    for (const s of scaled) write(s.name, s.replicas);
    return { scaled };
  }
  const newCounts = newRS && { replicas: newRS.replicas, available: available(newRS) };
  const step = rolloutStep({ ...spec(w), newRS: newCounts, oldRSes: olds.map(view) });
  if (newRS === undefined) {
    const name = `rs-${w.template}`;
    w.rses.push({
      name,
      template: w.template,
      created: w.now,
      replicas: step.newReplicas,
      annotations: replicasAnnotations(spec(w)),
      pods: [],
    });
  } else if (step.newReplicas !== newRS.replicas) {
    write(newRS.name, step.newReplicas);
  }
  for (const s of step.scaleDowns) write(s.name, s.replicas);
  return "rollout";
}

export function syncReplicaSets(w: World): void {
  const ranked = (p: Pod): RankedPod & { pod: Pod } => ({
    pod: p,
    uid: p.uid,
    nodeName: p.node,
    phase: "Running",
    ready: p.available,
    readySince: p.readySince,
    restarts: 0,
    created: p.created,
    deletionCost: 0,
  });
  const related = pods(w).map(ranked);
  for (const rs of w.rses) {
    const diff = replicaDiff(rs.pods.length, rs.replicas);
    if (diff.action === "create") {
      for (const batch of slowStartBatches(diff.count)) {
        for (let i = 0; i < batch; i++) rs.pods.push(newPod(w));
      }
    } else if (diff.action === "delete") {
      const doomed = new Set(
        podsToDelete(rs.pods.map(ranked), related, diff.count, w.now).map((r) => r.pod),
      );
      rs.pods = rs.pods.filter((p) => !doomed.has(p));
    }
  }
}

/** A small deterministic generator for the chaos phase's random choices. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function readiness(w: World, tick: Tick | "calm"): void {
  const random = tick === "calm" ? () => 0 : mulberry32(tick.seed);
  for (const p of pods(w)) {
    const becomesReady = tick === "calm" ? p.ageTicks >= 1 : random() * 100 < tick.readyPercent;
    if (!p.available && becomesReady) Object.assign(p, { available: true, readySince: w.now });
    p.ageTicks += 1;
  }
  if (tick === "calm") return;
  const ready = pods(w).filter((p) => p.available);
  for (let i = 0; i < tick.flips && ready.length > 0; i++) {
    const [p] = ready.splice(Math.floor(random() * ready.length), 1);
    if (p) Object.assign(p, { available: false, readySince: undefined });
  }
}

/** Starts a tick: the clock moves on. */
export function advance(w: World): void {
  w.now += TICK_MS;
}
