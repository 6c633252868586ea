/**
 * The probe worker on a fake clock with a scripted prober: thresholds, the initial delay, startup
 * gating, the hold after a liveness failure, new container IDs, the jitter, triggers and the
 * ticker's dropped ticks. Every probe the worker makes is recorded, so a test can say how many.
 */
import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { FakeClock } from "../../util/clock.ts";
import type { ProbedContainer } from "./observed.ts";
import type { ProbeVerdict } from "./prober.ts";
import { ResultsManager, type ResultUpdate } from "./results.ts";
import type { Probe, ProbeType } from "./spec.ts";
import { ProbeWorker, type WorkerHost } from "./worker.ts";

const FIELD = { Liveness: "livenessProbe", Readiness: "readinessProbe", Startup: "startupProbe" };

/** Lets the worker's promise chains run: what a probe set in motion has happened after it. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

function setup({
  type = "Liveness" as ProbeType,
  probe = {} as Probe,
  restartPolicy = "Always",
  startedAgoMs = 60_000,
  managerAgeMs = 60_000,
  random = (): number => 0.5,
  deleting = false,
} = {}) {
  const clock = new FakeClock();
  const container = { name: "app", [FIELD[type]]: { exec: { command: ["check"] }, ...probe } };
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-0",
      namespace: "shop",
      uid: "uid-1",
      ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: { containers: [container], restartPolicy },
  };
  const state = {
    phase: "Running" as string | undefined,
    started: true,
    container: {
      name: "app",
      id: "c-1",
      state: "running",
      startedAt: clock.now() - startedAgoMs,
    } as ProbedContainer,
    removed: 0,
  };
  const host: WorkerHost = {
    podStatus: () => ({ phase: state.phase, podIP: "10.244.0.5", containers: [state.container] }),
    isStarted: () => state.started,
    startedAt: clock.now() - managerAgeMs,
    removeWorker: () => {
      state.removed++;
    },
    log: (line) => {
      throw new Error(`unexpected log: ${line}`);
    },
  };
  /** What the next probes answer, in order; once used up, the last answer again. */
  const answers: ProbeVerdict[] = [{ result: "Success" }];
  const probes: { at: number; containerId: string }[] = [];
  /** While set, the next probe waits for it before it answers. */
  const gate: { next?: Promise<void> } = {};
  const prober = {
    probe: async (_: ProbeType, target: { containerId: string }) => {
      probes.push({ at: clock.now(), containerId: target.containerId });
      const wait = gate.next;
      gate.next = undefined;
      if (wait) await wait;
      return (answers.length > 1 ? answers.shift() : answers[0]) as ProbeVerdict;
    },
  };
  const updates: ResultUpdate[] = [];
  const results = new ResultsManager((u) => updates.push(u));
  const worker = new ProbeWorker({
    host,
    prober,
    probeType: type,
    pod,
    container,
    results,
    clock,
    random,
  });
  /** Sets what the next probes answer: "S" Success, "F" Failure, "E" an error. */
  const answer = (script: string) => {
    answers.splice(
      0,
      answers.length,
      ...[...script].map(
        (c): ProbeVerdict =>
          c === "S"
            ? { result: "Success" }
            : c === "F"
              ? { result: "Failure" }
              : { result: "Failure", error: new Error("could not probe") },
      ),
    );
  };
  /** Starts the worker and lets it make its first probe. */
  const start = async () => {
    worker.start();
    await settle();
  };
  /** Moves the clock a period (10 s by default) at a time, `n` times. */
  const periods = async (n = 1, ms = 10_000) => {
    for (let i = 0; i < n; i++) {
      clock.advance(ms);
      await settle();
    }
  };
  const result = () => results.get(state.container.id);
  return { clock, worker, state, probes, updates, results, answer, start, periods, result, gate };
}

describe("ProbeWorker: results and thresholds", () => {
  it("liveness: Success at first; 3 failures in a row make it Failure (failureThreshold 3)", async () => {
    const t = setup();
    t.answer("FFF");
    await t.start();
    expect(t.result(), "after the first failure").toBe("Success");
    await t.periods(1);
    expect(t.result(), "after the second").toBe("Success");
    await t.periods(1);
    expect(t.result(), "after the third").toBe("Failure");
    expect(t.probes).toHaveLength(3);
    expect(t.updates.map((u) => u.result)).toEqual(["Success", "Failure"]);
  });

  it("a success breaks a run of failures: F F S F F stays Success, the next F makes Failure", async () => {
    const t = setup();
    t.answer("FFSFFF");
    await t.start();
    await t.periods(4);
    expect(t.result(), "after F F S F F").toBe("Success");
    await t.periods(1);
    expect(t.result(), "after the sixth probe").toBe("Failure");
  });

  it("readiness: Failure at first; Success after successThreshold successes in a row", async () => {
    const t = setup({ type: "Readiness", probe: { successThreshold: 2 } });
    t.answer("SFSS");
    await t.start();
    expect(t.result(), "initial value, one success is not enough").toBe("Failure");
    await t.periods(2);
    expect(t.result(), "S F S: the F broke the run").toBe("Failure");
    await t.periods(1);
    expect(t.result(), "S S").toBe("Success");
  });

  it("a probe that errors changes nothing and does not count", async () => {
    const t = setup();
    t.answer("FFEEF");
    await t.start();
    await t.periods(3);
    expect(t.result(), "F F E E: two failures counted").toBe("Success");
    await t.periods(1);
    expect(t.result(), "the third failure").toBe("Failure");
  });
});

describe("ProbeWorker: when it probes", () => {
  it("waits initialDelaySeconds from the container's start (whole seconds, truncated)", async () => {
    const t = setup({ probe: { initialDelaySeconds: 15 }, startedAgoMs: 0 });
    await t.start();
    await t.periods(1);
    expect(t.probes, "at 0 s and 10 s: too early").toHaveLength(0);
    await t.periods(1);
    expect(t.probes.map((p) => p.at - t.state.container.startedAt)).toEqual([20_000]);
  });

  it("counts whole seconds, truncated: 15.999 s is 15, 14.999 s is 14", async () => {
    // The container started 1 ms after the worker's first probe; ticks come every second.
    const t = setup({ probe: { initialDelaySeconds: 15, periodSeconds: 1 }, startedAgoMs: -1 });
    await t.start();
    await t.periods(15, 1000);
    expect(t.probes, "up to 14.999 s after the start: too early").toHaveLength(0);
    await t.periods(1, 1000);
    expect(t.probes.map((p) => p.at - t.state.container.startedAt)).toEqual([15_999]);
  });

  it("liveness and readiness wait for the startup probe; the startup worker stops once started", async () => {
    const liveness = setup();
    liveness.state.started = false;
    await liveness.start();
    await liveness.periods(2);
    expect(liveness.probes, "liveness before the container started").toHaveLength(0);
    liveness.state.started = true;
    await liveness.periods(1);
    expect(liveness.probes).toHaveLength(1);

    const startup = setup({ type: "Startup" });
    startup.state.started = false;
    await startup.start();
    expect(startup.results.get("c-1"), "its first probe succeeded").toBe("Success");
    startup.state.started = true;
    await startup.periods(2);
    expect(startup.probes, "no startup probes once started").toHaveLength(1);
  });

  it("ticks every period from its start; a probe that outlasts periods runs the next one at once, once", async () => {
    const t = setup();
    const t0 = t.clock.now();
    await t.start(); // probe 1 at 0 s
    let release: () => void = () => undefined;
    t.gate.next = new Promise((resolve) => {
      release = resolve;
    });
    await t.periods(1); // probe 2 at 10 s, which hangs
    await t.periods(2); // the ticks at 20 s and 30 s: the ticker keeps one
    release();
    await t.periods(1, 0); // probe 3 at once, for the kept tick
    await t.periods(1); // probe 4 at 40 s
    expect(t.probes.map((p) => (p.at - t0) / 1000)).toEqual([0, 10, 30, 40]);
  });

  it("a worker started within a period of the manager's start waits a random part of a period", async () => {
    const t = setup({ managerAgeMs: 3_000, random: () => 0.25 });
    t.worker.start();
    t.clock.advance(2_499);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.probes, "before 2.5 s (0.25 of the 10 s period)").toHaveLength(0);
    t.clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.probes).toHaveLength(1);
  });

  it("trigger() probes now, without waiting for the tick", async () => {
    const t = setup();
    await t.start();
    t.clock.advance(4_000);
    t.worker.trigger();
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.probes.map((p) => p.at - (t.probes[0]?.at ?? 0))).toEqual([0, 4_000]);
  });
});

describe("ProbeWorker: holds, new containers, the end", () => {
  it("after a liveness failure it holds until a new container ID, which starts over", async () => {
    const t = setup();
    t.answer("FFF");
    await t.start();
    await t.periods(2);
    expect(t.result()).toBe("Failure");
    await t.periods(3);
    expect(t.probes, "on hold: no probes of the failed container").toHaveLength(3);

    t.state.container = { ...t.state.container, id: "c-2" };
    t.answer("S");
    await t.periods(1);
    expect(t.results.get("c-1"), "the old container's result is gone").toBeUndefined();
    expect(t.results.get("c-2"), "the new container's result").toBe("Success");
    expect(t.probes.at(-1)?.containerId, "probing resumed on the new container").toBe("c-2");
  });

  it("a new container ID resets readiness to Failure until a probe succeeds", async () => {
    const t = setup({ type: "Readiness" });
    t.answer("SFS");
    await t.start();
    expect(t.results.get("c-1")).toBe("Success");
    t.state.container = { ...t.state.container, id: "c-2", state: "created" };
    await t.periods(1);
    expect(t.results.get("c-2"), "the new container, not running").toBe("Failure");
    t.state.container = { ...t.state.container, state: "running" };
    await t.periods(1);
    expect(t.results.get("c-2"), "one failure: still the initial Failure").toBe("Failure");
    await t.periods(1);
    expect(t.results.get("c-2")).toBe("Success");
  });

  it("a container that exited under restartPolicy Never ends the worker, which cleans up", async () => {
    const t = setup({ restartPolicy: "Never" });
    await t.start();
    t.state.container = { ...t.state.container, state: "exited" };
    await t.periods(1);
    expect(t.state.removed, "the worker removed itself").toBe(1);
    expect(t.results.get("c-1"), "and its result").toBeUndefined();
    await t.periods(3);
    expect(t.probes).toHaveLength(1);
  });

  it("an exited container that will be restarted is Failure and the worker goes on", async () => {
    const t = setup({ type: "Readiness" });
    await t.start();
    t.state.container = { ...t.state.container, state: "exited" };
    await t.periods(1);
    expect(t.result()).toBe("Failure");
    expect(t.state.removed).toBe(0);
  });

  it("a Succeeded or Failed pod ends it", async () => {
    const t = setup();
    await t.start();
    t.state.phase = "Succeeded";
    await t.periods(1);
    expect(t.state.removed).toBe(1);
  });

  it("a pod being deleted: startup (and liveness) say Success and end", async () => {
    const t = setup({ type: "Startup", deleting: true });
    t.state.started = false;
    await t.start();
    expect(t.probes, "no probe of a pod being deleted").toHaveLength(0);
    expect(t.state.removed, "the worker ended").toBe(1);
    expect(
      t.updates.map((u) => u.result),
      "the initial Unknown, then Success",
    ).toEqual(["Unknown", "Success"]);
  });

  it("stop() ends it and removes its result", async () => {
    const t = setup();
    await t.start();
    t.worker.stop();
    await t.periods(2);
    expect(t.state.removed).toBe(1);
    expect(t.results.get("c-1")).toBeUndefined();
    expect(t.probes).toHaveLength(1);
  });
});
