import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";

let api: TestApiServer;
const RBAC = "/apis/rbac.authorization.k8s.io/v1";

beforeAll(async () => {
  api = await startTestApiServer();
  await api.request("POST", "/api/v1/namespaces", {
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } },
  });
  // alice may manage roles and bindings in "team", and read configmaps there; nothing else.
  await api.request("POST", `${RBAC}/namespaces/team/roles`, {
    body: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "role-manager" },
      rules: [
        {
          apiGroups: ["rbac.authorization.k8s.io"],
          resources: ["roles", "rolebindings"],
          verbs: ["get", "create", "update"],
        },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] },
      ],
    },
  });
  await api.request("POST", `${RBAC}/namespaces/team/rolebindings`, {
    body: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "alice-manages-roles" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "role-manager" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
    },
  });
});
afterAll(async () => {
  await api?.stop();
});

const asAlice = { headers: { "Impersonate-User": "alice" } };
const role = (name: string, rules: unknown[]) => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "Role",
  metadata: { name },
  rules,
});

describe("RBAC escalation prevention", () => {
  it("a user may write a role granting only what they hold", async () => {
    const res = await api.request("POST", `${RBAC}/namespaces/team/roles`, {
      ...asAlice,
      body: role("cm-reader", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }]),
    });
    expect(res.status, res.text).toBe(201);
  });

  it("but not one granting more, and nothing is stored", async () => {
    const res = await api.request("POST", `${RBAC}/namespaces/team/roles`, {
      ...asAlice,
      body: role("secret-reader", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]),
    });
    expect(res.status).toBe(403);
    expect(res.json<{ message: string }>().message).toBe(
      'roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    expect((await api.request("GET", `${RBAC}/namespaces/team/roles/secret-reader`)).status).toBe(
      404,
    );
  });

  it("binding a role needs its permissions, or the bind verb on it", async () => {
    await api.request("POST", `${RBAC}/namespaces/team/roles`, {
      body: role("secret-reader", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }]),
    });
    const binding = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "bob-reads-secrets" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "secret-reader" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "bob" }],
    };
    const refused = await api.request("POST", `${RBAC}/namespaces/team/rolebindings`, {
      ...asAlice,
      body: binding,
    });
    expect(refused.status).toBe(403);
    expect(refused.json<{ message: string }>().message).toMatch(
      /is attempting to grant RBAC permissions not currently held/,
    );

    await api.request("POST", `${RBAC}/namespaces/team/roles`, {
      body: role("binder", [
        {
          apiGroups: ["rbac.authorization.k8s.io"],
          resources: ["roles"],
          resourceNames: ["secret-reader"],
          verbs: ["bind"],
        },
      ]),
    });
    await api.request("POST", `${RBAC}/namespaces/team/rolebindings`, {
      body: {
        ...binding,
        metadata: { name: "alice-binds" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "binder" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
      },
    });
    const allowed = await api.request("POST", `${RBAC}/namespaces/team/rolebindings`, {
      ...asAlice,
      body: binding,
    });
    expect(allowed.status, allowed.text).toBe(201);
  });
});
