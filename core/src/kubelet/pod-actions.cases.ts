/**
 * The contract of computePodActions (pod-actions.ts), run against the core's function
 * (pod-actions.test.ts) and a reader's in Lab 6: four tables — the sandbox, init containers,
 * containers under each restartPolicy, probes. Each case names the situation; a failure shows
 * the actions expected next to the actions returned, as plain data.
 */
import { describe, expect, it } from "vitest";
import type { Container, Pod } from "../api/types.ts";
import type {
  ObservedContainer,
  ObservedPod,
  ObservedSandbox,
  PodActions,
  ProbeVerdicts,
} from "./pod-actions.ts";

export type { ObservedContainer, ObservedPod, ObservedSandbox, PodActions, ProbeVerdicts };

/** The function under test: computePodActions's signature. */
export type ComputePodActions = (
  pod: Pod,
  observed: ObservedPod,
  containerHash: (c: Container) => string,
  probes?: ProbeVerdicts,
) => PodActions;

/** The hash the tests use: a container's image stands for its whole spec. */
const hash = (c: Container) => String(c.image);

function pod(o: {
  restartPolicy?: string;
  inits?: string[];
  containers?: string[];
  deleted?: boolean;
}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "p",
      namespace: "default",
      uid: "u",
      ...(o.deleted ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: {
      ...(o.restartPolicy ? { restartPolicy: o.restartPolicy } : {}),
      ...(o.inits ? { initContainers: o.inits.map((name) => ({ name, image: `${name}:1` })) } : {}),
      containers: (o.containers ?? ["web"]).map((name) => ({ name, image: `${name}:1` })),
    },
  };
}

const ready: ObservedSandbox = { id: "s1", ready: true, attempt: 0, ip: "127.128.1.2" };
const c = (
  name: string,
  state: ObservedContainer["state"],
  o: Partial<ObservedContainer> = {},
): ObservedContainer => ({
  id: `${name}-id`,
  name,
  state,
  exitCode: 0,
  reason: "",
  hash: `${name}:1`,
  ...o,
});
const observed = (containers: ObservedContainer[], sandboxes = [ready]): ObservedPod => ({
  sandboxes,
  containers,
});

/** PodActions as plain data, for toEqual with readable failures. */
function plain(a: PodActions) {
  return {
    killPod: a.killPod,
    createSandbox: a.createSandbox,
    attempt: a.attempt,
    ...(a.nextInitContainer ? { nextInit: a.nextInitContainer } : {}),
    start: a.containersToStart,
    kill: Object.fromEntries([...a.containersToKill].map(([id, k]) => [id, k.message])),
  };
}

// #region contract
export function describePodActionsContract(name: string, compute: ComputePodActions): void {
  describe(`${name}: the sandbox`, () => {
    const cases: {
      name: string;
      pod: Pod;
      observed: ObservedPod;
      want: ReturnType<typeof plain>;
    }[] = [
      {
        name: "a new pod: a sandbox (attempt 0), then every container",
        pod: pod({ containers: ["web", "log"] }),
        observed: observed([], []),
        want: { killPod: true, createSandbox: true, attempt: 0, start: [0, 1], kill: {} },
      },
      {
        name: "a new pod with init containers: the sandbox and the first init container only",
        pod: pod({ inits: ["a", "b"] }),
        observed: observed([], []),
        want: {
          killPod: true,
          createSandbox: true,
          attempt: 0,
          nextInit: "a",
          start: [],
          kill: {},
        },
      },
      {
        name: "the newest sandbox is not ready: a new one, attempt + 1, everything again",
        pod: pod({}),
        observed: observed(
          [c("web", "exited", { exitCode: 137 })],
          [{ ...ready, ready: false, attempt: 2 }],
        ),
        want: { killPod: true, createSandbox: true, attempt: 3, start: [0], kill: {} },
      },
      {
        name: "two ready sandboxes: start over in a new one",
        pod: pod({}),
        observed: observed([c("web", "running")], [ready, { ...ready, id: "s0" }]),
        want: { killPod: true, createSandbox: true, attempt: 1, start: [0], kill: {} },
      },
      {
        name: "a ready sandbox without an IP: a new one",
        pod: pod({}),
        observed: observed([], [{ ...ready, ip: "" }]),
        want: { killPod: true, createSandbox: true, attempt: 1, start: [0], kill: {} },
      },
      {
        name: "Never, the sandbox gone after containers ran: kill, no new sandbox",
        pod: pod({ restartPolicy: "Never" }),
        observed: observed([c("web", "exited", { exitCode: 1 })], [{ ...ready, ready: false }]),
        want: { killPod: true, createSandbox: false, attempt: 1, start: [], kill: {} },
      },
      {
        name: "OnFailure, the sandbox gone, every container succeeded: no new sandbox",
        pod: pod({ restartPolicy: "OnFailure" }),
        observed: observed([c("web", "exited")], [{ ...ready, ready: false }]),
        want: { killPod: true, createSandbox: false, attempt: 1, start: [], kill: {} },
      },
    ];
    for (const t of cases) {
      it(t.name, () => expect(plain(compute(t.pod, t.observed, hash))).toEqual(t.want));
    }
  });

  describe(`${name}: init containers, one at a time`, () => {
    const keep = { killPod: false, createSandbox: false, attempt: 0 };
    const cases: {
      name: string;
      pod: Pod;
      observed: ObservedPod;
      want: ReturnType<typeof plain>;
    }[] = [
      {
        name: "a succeeded, b not run: start b",
        pod: pod({ inits: ["a", "b"] }),
        observed: observed([c("a", "exited")]),
        want: { ...keep, nextInit: "b", start: [], kill: {} },
      },
      {
        name: "b running: wait, start nothing",
        pod: pod({ inits: ["a", "b"] }),
        observed: observed([c("b", "running"), c("a", "exited")]),
        want: { ...keep, start: [], kill: {} },
      },
      {
        name: "b failed under Always: start b again",
        pod: pod({ inits: ["a", "b"] }),
        observed: observed([c("b", "exited", { exitCode: 2 }), c("a", "exited")]),
        want: { ...keep, nextInit: "b", start: [], kill: {} },
      },
      {
        name: "b failed under Never: the pod fails",
        pod: pod({ inits: ["a", "b"], restartPolicy: "Never" }),
        observed: observed([c("b", "exited", { exitCode: 2 }), c("a", "exited")]),
        want: { ...keep, killPod: true, start: [], kill: {} },
      },
      {
        name: "a in an unknown state: kill it before starting it again",
        pod: pod({ inits: ["a"] }),
        observed: observed([c("a", "unknown")]),
        want: {
          ...keep,
          nextInit: "a",
          start: [],
          kill: { "a-id": 'Init container is in "unknown" state, try killing it before restart' },
        },
      },
      {
        name: "the last init container succeeded: the containers start",
        pod: pod({ inits: ["a", "b"], containers: ["web", "log"] }),
        observed: observed([c("b", "exited"), c("a", "exited")]),
        want: { ...keep, start: [0, 1], kill: {} },
      },
      {
        name: "a container running though the init containers are gone: initialisation was done",
        pod: pod({ inits: ["a"] }),
        observed: observed([c("web", "running")]),
        want: { ...keep, start: [], kill: {} },
      },
    ];
    for (const t of cases) {
      it(t.name, () => expect(plain(compute(t.pod, t.observed, hash))).toEqual(t.want));
    }
  });

  describe(`${name}: containers and restartPolicy`, () => {
    const base = { killPod: false, createSandbox: false, attempt: 0 };
    const exited = (code: number) => observed([c("web", "exited", { exitCode: code })]);
    const cases: {
      name: string;
      pod: Pod;
      observed: ObservedPod;
      want: ReturnType<typeof plain>;
    }[] = [
      {
        name: "running with the same spec: keep it",
        pod: pod({}),
        observed: observed([c("web", "running")]),
        want: { ...base, start: [], kill: {} },
      },
      {
        name: "Always, exited 0: start it again",
        pod: pod({}),
        observed: exited(0),
        want: { ...base, start: [0], kill: {} },
      },
      {
        name: "OnFailure, exited 0: done; nothing left running, so the pod is killed (finished)",
        pod: pod({ restartPolicy: "OnFailure" }),
        observed: exited(0),
        want: { ...base, killPod: true, start: [], kill: {} },
      },
      {
        name: "OnFailure, exited 1: start it again",
        pod: pod({ restartPolicy: "OnFailure" }),
        observed: exited(1),
        want: { ...base, start: [0], kill: {} },
      },
      {
        name: "Never, exited 1: not again; the pod is killed",
        pod: pod({ restartPolicy: "Never" }),
        observed: exited(1),
        want: { ...base, killPod: true, start: [], kill: {} },
      },
      {
        name: "created but never started: start it",
        pod: pod({ restartPolicy: "Never" }),
        observed: observed([c("web", "created")]),
        want: { ...base, start: [0], kill: {} },
      },
      {
        name: "unknown: kill it first, then start it",
        pod: pod({}),
        observed: observed([c("web", "unknown")]),
        want: {
          ...base,
          start: [0],
          kill: { "web-id": 'Container is in "unknown" state, try killing it before restart' },
        },
      },
      {
        name: "the spec changed: restart, even under Never",
        pod: pod({ restartPolicy: "Never" }),
        observed: observed([c("web", "running", { hash: "web:0" })]),
        want: {
          ...base,
          start: [0],
          kill: { "web-id": "Container web definition changed, will be restarted" },
        },
      },
      {
        name: "a deleted pod's exited container is not started again",
        pod: pod({ deleted: true }),
        observed: exited(1),
        want: { ...base, killPod: true, start: [], kill: {} },
      },
      {
        name: "one container exited under Never, the other still running: keep the pod",
        pod: pod({ restartPolicy: "Never", containers: ["web", "log"] }),
        observed: observed([c("web", "exited", { exitCode: 1 }), c("log", "running")]),
        want: { ...base, start: [], kill: {} },
      },
    ];
    for (const t of cases) {
      it(t.name, () => expect(plain(compute(t.pod, t.observed, hash))).toEqual(t.want));
    }
  });

  describe(`${name}: probes`, () => {
    const failing = (which: "liveness" | "startup") => ({
      livenessFailed: (id: string) => which === "liveness" && id === "web-id",
      startupFailed: (id: string) => which === "startup" && id === "web-id",
    });
    it("a failed liveness probe restarts the container under Always", () => {
      const a = compute(pod({}), observed([c("web", "running")]), hash, failing("liveness"));
      expect(plain(a)).toEqual({
        killPod: false,
        createSandbox: false,
        attempt: 0,
        start: [0],
        kill: { "web-id": "Container web failed liveness probe, will be restarted" },
      });
    });
    it("under Never it is killed and not started: with nothing left, the pod goes", () => {
      const a = compute(
        pod({ restartPolicy: "Never" }),
        observed([c("web", "running")]),
        hash,
        failing("startup"),
      );
      expect(plain(a)).toEqual({
        killPod: true,
        createSandbox: false,
        attempt: 0,
        start: [],
        kill: { "web-id": "Container web failed startup probe" },
      });
    });
  });
}
// #endregion contract
