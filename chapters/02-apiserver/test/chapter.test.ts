import { describe, expect, it } from "vitest";
import { runChapter } from "../src/chapter.ts";

describe("chapter 2 shows what its page says", () => {
  it("follows requests along the path, and every stage does what the narration claims", async () => {
    const lines: string[] = [];
    const facts = await runChapter((line) => lines.push(line));
    const text = lines.join("\n");

    expect(facts.allowed.status, "admin creates the pod").toBe(201);
    expect(facts.allowed.serviceAccountName, "ServiceAccount admission fills in default").toBe(
      "default",
    );
    expect(facts.unauthenticated.status, "no credentials: authentication refuses").toBe(401);
    expect(facts.forbidden).toEqual({
      status: 403,
      reason: "Forbidden",
      message:
        'secrets is forbidden: User "system:kube-proxy" cannot list resource "secrets" in API group "" in the namespace "default"',
    });
    expect(facts.canI).toEqual({
      listSecrets: false,
      listServices: true,
      listServicesReason:
        'RBAC: allowed by ClusterRoleBinding "system:node-proxier" of ClusterRole "system:node-proxier" to User "system:kube-proxy"',
    });
    expect(facts.invalid.status).toBe(422);
    expect(facts.invalid.reason).toBe("Invalid");
    expect(facts.invalid.causes, "one cause, on the name").toEqual([
      { field: "metadata.name", reason: "FieldValueInvalid" },
    ]);
    expect(facts.admissionRefused, "NamespaceLifecycle refuses a missing namespace").toEqual({
      status: 404,
      message: 'namespaces "staging" not found',
    });
    expect(facts.alreadyExists).toEqual({
      status: 409,
      message: 'configmaps "game-settings" already exists',
    });

    const { conflict } = facts;
    expect(conflict.winner.status, "the first update from the read wins").toBe(200);
    expect(Number(conflict.winner.resourceVersion)).toBeGreaterThan(Number(conflict.read));
    expect(conflict.loser).toEqual({
      status: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on configmaps "game-settings": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect(text).toContain(
      `[registry] the request's resourceVersion ${conflict.read} is not the current ${conflict.winner.resourceVersion}: conflict`,
    );

    const { watch } = facts;
    expect(watch.listResourceVersion, "the list saw the winner's write").toBe(
      conflict.winner.resourceVersion,
    );
    expect(watch.event, "the watch from the list's resourceVersion sees the next create").toBe(
      `ADDED feature-flags@${Number(watch.listResourceVersion) + 1}`,
    );
    expect(Number(watch.bookmarkResourceVersion)).toBeGreaterThanOrEqual(
      Number(watch.listResourceVersion) + 1,
    );
    expect(watch.cacheWatchers.after, "the client's watch is one more watcher of the cache").toBe(
      watch.cacheWatchers.before + 1,
    );
    expect(watch.gone.code).toBe(410);
    expect(watch.gone.reason).toBe("Expired");
    expect(watch.gone.message).toMatch(/^too old resource version: 1 \(\d+\)$/);

    const { crd } = facts;
    expect(crd.inDiscoveryBefore).toBe(false);
    expect(crd.established).toBe(true);
    expect(crd.inDiscoveryAfter).toBe(true);
    expect(crd.discovered).toEqual({
      resource: "crontabs",
      kind: "CronTab",
      scope: "Namespaced",
      shortNames: ["ct"],
    });
    expect(crd.invalidStatus, "the CRD's schema is enforced").toBe(422);
    expect(crd.tableColumns).toEqual(["Name", "Schedule", "Replicas"]);
    expect(crd.tableRows).toEqual([["nightly", "0 3 * * *", "1"]]);

    for (const component of [
      "[kubectl-like client]",
      "[authn]",
      "[authz]",
      "[admission]",
      "[registry]",
      "[store]",
      "[watch cache]",
      "[crd controller]",
    ]) {
      expect(text, `narration names ${component}`).toContain(component);
    }
    // The allowed create passes every stage, in the path's order.
    const create = lines.findIndex((l) =>
      l.includes("POST /api/v1/namespaces/default/pods as admin"),
    );
    const end = lines.findIndex((l, i) => i > create && l.startsWith("[kubectl-like client]"));
    const tags = lines.slice(create + 1, end).map((l) => /^\s+(\[[a-z]+\])/.exec(l)?.[1]);
    // Each stage may print several lines (one per admission plugin): keep the order of stages.
    const stages = tags.filter((tag, i) => tag !== tags[i - 1]);
    // Kubernetes' order: mutating admission, then validation, then validating admission.
    expect(stages).toEqual([
      "[authn]",
      "[authz]",
      "[registry]",
      "[admission]",
      "[registry]",
      "[admission]",
      "[store]",
    ]);
    expect(lines.slice(create + 1, end).join("\n")).toMatch(
      /\[admission\] mutating ServiceAccount: ok/,
    );
    expect(text, "the forbidden request never reached the registry").toMatch(
      /kube-proxy lists secrets\n {2}\[authn\][^\n]*\n {2}\[authz\] list secrets in namespace default: no RBAC rule allows it\n\[kubectl-like client\] 403 Forbidden/,
    );
  });
});
