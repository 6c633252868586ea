/**
 * The controllers benchmark's two children (controllers-child.ts), from the benchmark's side: the
 * API server, and the controller manager, which the benchmark starts, asks how busy it is, and
 * waits for to go idle between phases.
 */
import type { Activity, ManagerStart } from "./controllers-child.ts";
import type { EventWrites } from "./controllers-watch.ts";
import { PHASE_TIMEOUT_MS, PROGRESS_EVERY_MS, QUIET_MS } from "./controllers-workload.ts";
import { type ChildHandle, startChild } from "./processes.ts";

/** What the API server child sends once it answers: where it is and whom it lets in. */
export interface ServerReady {
  url: string;
  caCertPem: string;
  adminToken: string;
  controllerManagerToken: string;
}

/** An API server child on `dataDir`, or on `etcd`; its `next("ready")` is a ServerReady. */
export function startServerChild(dataDir: string, etcd: string | undefined): ChildHandle {
  return startChild({
    script: "controllers-child.ts",
    args: ["apiserver", dataDir, etcd],
    name: "apiserver",
  });
}

/** A controller manager child, resolved once its caches have synced and its workers run. */
export async function startManager(start: ManagerStart): Promise<ChildHandle> {
  const manager = startChild({
    script: "controllers-child.ts",
    args: ["manager"],
    name: "manager",
  });
  try {
    await manager.next<true>("listening");
    manager.send({ start });
    await manager.next<true>("ready");
    return manager;
  } catch (error) {
    await manager.stop();
    throw error;
  }
}

export function activity(manager: ChildHandle): Promise<Activity> {
  return manager.ask<Activity>("activity");
}

/**
 * Waits until the manager has been idle QUIET_MS — no queue activity, no reconcile running, no
 * Event written — so a phase does not pay for the last one; resolves with when it went idle.
 * The Events matter: the recorder writes them one at a time in the background, and after 10,000
 * pod creates it is still writing long after the last pod.
 */
export async function quiet(
  manager: ChildHandle,
  events: EventWrites,
  say: (message: string) => void,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    const a = await activity(manager);
    events.check();
    const now = performance.now();
    const idleFor = Math.min(a.msSinceLast, now - events.lastAt);
    if (a.reconciling === 0 && idleFor >= QUIET_MS) return now - idleFor;
    if (now - started > PHASE_TIMEOUT_MS)
      throw new Error(
        `the controller manager never went idle: ${JSON.stringify(a)}, last Event ${Math.round(now - events.lastAt)} ms ago`,
      );
    // When it went idle comes from the last activity's own time, not from this poll: polling
    // more often would only notice it sooner.
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (performance.now() - started > PROGRESS_EVERY_MS && a.msSinceLast < 100)
      say("waiting for the controller manager to go idle");
  }
}
