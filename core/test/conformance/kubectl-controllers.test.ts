/**
 * The real kubectl against the API server with the controller manager running: Deployments
 * created, scaled, rolled out, paused, rolled back and restarted the way a user does it, with
 * what kubectl prints checked. No scheduler or kubelet exists yet, so the test plays kubelet:
 * it marks pods Running and Ready through the status subresource as they appear.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../../src/api/types.ts";
import { builtinType } from "../../src/client/factory.ts";
import {
  type ControllerTestCluster,
  startControllerTestCluster,
} from "../../src/controllers/testing.ts";
import { findKubectl, runKubectl } from "../../src/testing/kubectl.ts";

const kubectl = findKubectl();
let c: ControllerTestCluster;
/** The pretend kubelet: until stopped, every new pod of every namespace becomes Ready. */
let kubelet: { stop(): void; paused: boolean };

beforeAll(async () => {
  c = await startControllerTestCluster();
  let running = true;
  kubelet = {
    paused: false,
    stop: () => {
      running = false;
    },
  };
  void (async () => {
    while (running) {
      if (!kubelet.paused) {
        // While the cluster stops, a failed list just ends this round.
        const pods = (
          await c.client
            .resource<Pod>(builtinType("pods"))
            .list()
            .catch(() => ({ items: [] as Pod[] }))
        ).items;
        const fresh = pods.filter(
          (p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Running",
        );
        // A pod deleted between the list and the patch is simply skipped.
        if (fresh.length > 0) await c.setPodsReady(fresh).catch(() => {});
        // A kubelet finishes graceful deletion once the containers have stopped: here, at once.
        for (const p of pods.filter((x) => x.metadata.deletionTimestamp)) {
          await c.client
            .resource<Pod>(builtinType("pods"), p.metadata.namespace)
            .delete(p.metadata.name as string, { gracePeriodSeconds: 0 })
            .catch(() => {});
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
});
afterAll(async () => {
  kubelet?.stop();
  await c?.stop();
});

async function k(args: string[]) {
  const r = await runKubectl(args, { kubeconfig: c.api.kubeconfigPath, kubectl: kubectl.path });
  return { ...r, out: r.stdout.trim(), err: r.stderr.trim() };
}

async function ok(args: string[]): Promise<string> {
  const r = await k(args);
  expect(r.code, `kubectl ${args.join(" ")} failed: ${r.err}`).toBe(0);
  return r.out;
}

const rows = (out: string) => out.split("\n").map((line) => line.split(/\s{2,}/));

describe(`kubectl ${kubectl.version} with the controller manager`, () => {
  it("create deployment → ReplicaSet → pods; rollout status waits for it; get deploy prints READY", async () => {
    expect(
      await ok(["create", "deployment", "web", "--image=tinykube/hello:1.0", "--replicas=3"]),
    ).toBe("deployment.apps/web created");
    const status = await ok(["rollout", "status", "deployment/web", "--timeout=20s"]);
    expect(status).toMatch(/deployment "web" successfully rolled out$/);
    const deploy = rows(await ok(["get", "deploy", "web"]));
    expect(deploy[0]).toEqual(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
    expect(deploy[1]?.slice(0, 4)).toEqual(["web", "3/3", "3", "3"]);
    const rs = rows(await ok(["get", "rs", "-l", "app=web"]));
    expect(rs[0]).toEqual(["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
    expect(rs[1]?.[0]).toMatch(/^web-[a-z0-9]+$/);
    expect(rs[1]?.slice(1, 4)).toEqual(["3", "3", "3"]);
    expect((await ok(["get", "pods", "-l", "app=web", "-o", "name"])).split("\n")).toHaveLength(3);
  });

  it("scale changes the pods; describe and events tell the story", async () => {
    expect(await ok(["scale", "deployment/web", "--replicas=5"])).toBe(
      "deployment.apps/web scaled",
    );
    await ok(["rollout", "status", "deployment/web", "--timeout=20s"]);
    expect(await ok(["get", "deploy", "web", "-o", "jsonpath={.status.availableReplicas}"])).toBe(
      "5",
    );
    const describe = await ok(["describe", "deployment", "web"]);
    expect(describe).toMatch(
      /Replicas:\s+5 desired \| 5 updated \| 5 total \| 5 available \| 0 unavailable/,
    );
    expect(describe).toMatch(
      /ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set web-[a-z0-9]+ from 3 to 5/,
    );
    const events = await ok([
      "get",
      "events",
      "--field-selector",
      "reason=SuccessfulCreate",
      "-o",
      "name",
    ]);
    expect(events.split("\n").length).toBeGreaterThanOrEqual(1);
  });

  it("set image rolls out a revision 2; rollout history lists both; undo goes back to the first template as revision 3", async () => {
    expect(await ok(["set", "image", "deployment/web", "hello=tinykube/hello:2.0"])).toBe(
      "deployment.apps/web image updated",
    );
    await ok(["rollout", "status", "deployment/web", "--timeout=20s"]);
    // The change cause is the Deployment's annotation; the controller copies it to the current ReplicaSet.
    await ok(["annotate", "deployment/web", "kubernetes.io/change-cause=hello 2.0"]);
    let history = "";
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !/^2\s+hello 2\.0$/m.test(history)) {
      history = await ok(["rollout", "history", "deployment/web"]);
    }
    expect(history).toMatch(/^REVISION\s+CHANGE-CAUSE$/m);
    expect(history).toMatch(/^1\s+<none>$/m);
    expect(history).toMatch(/^2\s+hello 2\.0$/m);
    expect(
      await ok([
        "get",
        "rs",
        "-l",
        "app=web",
        "-o",
        "jsonpath={range .items[*]}{.spec.replicas} {.spec.template.spec.containers[0].image}{'\\n'}{end}",
      ]),
    ).toMatch(/^0 tinykube\/hello:1.0$/m);
    expect(await ok(["rollout", "undo", "deployment/web"])).toBe("deployment.apps/web rolled back");
    await ok(["rollout", "status", "deployment/web", "--timeout=20s"]);
    expect(
      await ok([
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      ]),
    ).toBe("tinykube/hello:1.0");
    const after = await ok(["rollout", "history", "deployment/web"]);
    expect(after).toMatch(/^2\s+hello 2\.0$/m);
    expect(after).toMatch(/^3\s+<none>$/m);
    expect(after).not.toMatch(/^1\s/m);
    expect(
      await ok([
        "get",
        "deploy",
        "web",
        "-o",
        "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
      ]),
    ).toBe("3");
  });

  it("pause holds a template change back; resume rolls it out", async () => {
    expect(await ok(["rollout", "pause", "deployment/web"])).toBe("deployment.apps/web paused");
    await ok(["set", "image", "deployment/web", "hello=tinykube/hello:3.0"]);
    // Paused: the controller observes the change but creates no ReplicaSet for it.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const d = JSON.parse(await ok(["get", "deploy", "web", "-o", "json"]));
      if (d.status.observedGeneration === d.metadata.generation) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(
      await ok([
        "get",
        "rs",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[*].spec.template.spec.containers[0].image}",
      ]),
    ).not.toContain("3.0");
    const paused = await ok([
      "get",
      "deploy",
      "web",
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}',
    ]);
    expect(paused).toBe("DeploymentPaused");
    expect(await ok(["rollout", "resume", "deployment/web"])).toBe("deployment.apps/web resumed");
    await ok(["rollout", "status", "deployment/web", "--timeout=20s"]);
    expect(
      await ok([
        "get",
        "rs",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[*].spec.template.spec.containers[0].image}",
      ]),
    ).toContain("tinykube/hello:3.0");
  });

  it("rollout restart replaces every pod through a new ReplicaSet", async () => {
    const before = (await ok(["get", "pods", "-l", "app=web", "-o", "name"])).split("\n");
    expect(await ok(["rollout", "restart", "deployment/web"])).toBe(
      "deployment.apps/web restarted",
    );
    await ok(["rollout", "status", "deployment/web", "--timeout=20s"]);
    const deadline = Date.now() + 10_000;
    let after: string[] = [];
    while (Date.now() < deadline) {
      // Replaced pods wait in Terminating for a kubelet that does not exist yet: count the live ones.
      const pods = JSON.parse(await ok(["get", "pods", "-l", "app=web", "-o", "json"])) as {
        items: Pod[];
      };
      after = pods.items
        .filter((p) => !p.metadata.deletionTimestamp)
        .map((p) => `pod/${p.metadata.name}`);
      if (after.length === 5 && !after.some((p) => before.includes(p))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(after).toHaveLength(5);
    expect(after.filter((p) => before.includes(p))).toEqual([]);
    expect(
      await ok(["get", "deploy", "web", "-o", "jsonpath={.spec.template.metadata.annotations}"]),
    ).toMatch(/kubectl\.kubernetes\.io\/restartedAt/);
  });

  it("rollout status reports a deadline exceeded when pods never become available", async () => {
    kubelet.paused = true;
    try {
      await ok(["create", "deployment", "stuck", "--image=tinykube/hello", "--replicas=1"]);
      await ok(["patch", "deployment", "stuck", "-p", '{"spec":{"progressDeadlineSeconds":1}}']);
      const r = await k(["rollout", "status", "deployment/stuck", "--timeout=20s"]);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/deployment "stuck" exceeded its progress deadline/);
    } finally {
      kubelet.paused = false;
    }
  });

  it("delete with each propagation policy: background, foreground (waits for the dependents), orphan", async () => {
    for (const name of ["bg", "fg", "orphan"]) {
      await ok(["create", "deployment", name, "--image=tinykube/hello", "--replicas=2"]);
      await ok(["rollout", "status", `deployment/${name}`, "--timeout=20s"]);
    }
    const left = async (app: string) => ({
      rs: (await ok(["get", "rs", "-l", `app=${app}`, "-o", "name"])).split("\n").filter(Boolean)
        .length,
      pods: (await ok(["get", "pods", "-l", `app=${app}`, "-o", "name"]))
        .split("\n")
        .filter(Boolean).length,
    });
    const until = async (app: string, want: { rs: number; pods: number }) => {
      const deadline = Date.now() + 15_000;
      let now = await left(app);
      while (Date.now() < deadline && JSON.stringify(now) !== JSON.stringify(want)) {
        await new Promise((r) => setTimeout(r, 50));
        now = await left(app);
      }
      return now;
    };

    expect(await ok(["delete", "deployment", "bg"])).toBe('deployment.apps "bg" deleted');
    expect(
      await until("bg", { rs: 0, pods: 0 }),
      "the garbage collector removes the ReplicaSet, then its pods",
    ).toEqual({ rs: 0, pods: 0 });

    // Foreground: kubectl waits until the Deployment is gone, and it goes only after its dependents.
    expect(await ok(["delete", "deployment", "fg", "--cascade=foreground"])).toBe(
      'deployment.apps "fg" deleted',
    );
    expect(await left("fg"), "nothing left once kubectl returns").toEqual({ rs: 0, pods: 0 });

    expect(await ok(["delete", "deployment", "orphan", "--cascade=orphan"])).toBe(
      'deployment.apps "orphan" deleted',
    );
    const orphans = await until("orphan", { rs: 1, pods: 2 });
    expect(orphans, "the ReplicaSet and its pods stay").toEqual({ rs: 1, pods: 2 });
    expect(
      await ok([
        "get",
        "rs",
        "-l",
        "app=orphan",
        "-o",
        "jsonpath={.items[0].metadata.ownerReferences}",
      ]),
    ).toBe("");
  });

  it("delete namespace removes everything in it, then the namespace", async () => {
    await ok(["create", "namespace", "doomed"]);
    await ok([
      "create",
      "deployment",
      "web",
      "-n",
      "doomed",
      "--image=tinykube/hello",
      "--replicas=2",
    ]);
    await ok(["create", "configmap", "settings", "-n", "doomed", "--from-literal=a=b"]);
    await ok(["rollout", "status", "deployment/web", "-n", "doomed", "--timeout=20s"]);
    // kubectl waits until the namespace is gone.
    expect(await ok(["delete", "namespace", "doomed", "--timeout=30s"])).toBe(
      'namespace "doomed" deleted',
    );
    const gone = await k(["get", "namespace", "doomed"]);
    expect(gone.err).toBe('Error from server (NotFound): namespaces "doomed" not found');
  });
});
