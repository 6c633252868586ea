/**
 * Conformance with the real kubectl: a real API server on a free port, a fresh HOME per command
 * (so kubectl's discovery cache is clean), and checks on what kubectl prints — the way a user
 * meets tinykube. The kubectl is 1.32 (see core/src/testing/kubectl.ts for where it comes from;
 * the npm-pinned copy means this suite runs on every machine).
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "../../src/testing/cluster.ts";
import { findKubectl, runKubectl } from "../../src/testing/kubectl.ts";

let api: TestApiServer;
const kubectl = findKubectl();

beforeAll(async () => {
  api = await startTestApiServer({ keepAliveMs: 1000 });
});
afterAll(async () => {
  await api?.stop();
});

async function k(args: string[], input?: string) {
  const result = await runKubectl(args, {
    kubeconfig: api.kubeconfigPath,
    kubectl: kubectl.path,
    ...(input ? { input } : {}),
  });
  return { ...result, out: result.stdout.trim(), err: result.stderr.trim() };
}

/** Runs kubectl and fails with its stderr when it fails. */
async function ok(args: string[], input?: string): Promise<string> {
  const r = await k(args, input);
  expect(r.code, `kubectl ${args.join(" ")} failed: ${r.err}`).toBe(0);
  return r.out;
}

const table = (out: string) => out.split("\n").map((line) => line.split(/\s{2,}/));

describe(`kubectl ${kubectl.version} (${kubectl.source})`, () => {
  it("reads the server version, health and discovery", async () => {
    expect(await ok(["version", "-o", "json"])).toMatch(/"gitVersion": "v1.32.4\+tinykube"/);
    expect(await ok(["get", "--raw", "/healthz"])).toBe("ok");
    const resources = await ok(["api-resources", "--no-headers"]);
    expect(resources).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(resources).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
  });

  it("lists namespaces as a table, wide, by name, as YAML and JSON", async () => {
    const rows = table(await ok(["get", "namespaces"]));
    expect(rows[0]).toEqual(["NAME", "STATUS", "AGE"]);
    expect(rows.map((r) => r[0])).toEqual(
      expect.arrayContaining(["default", "kube-system", "kube-public", "kube-node-lease"]),
    );
    expect(await ok(["get", "ns", "default", "-o", "name"])).toBe("namespace/default");
    expect(await ok(["get", "ns", "default", "-o", "jsonpath={.status.phase}"])).toBe("Active");
    expect(await ok(["get", "ns", "default", "-o", "yaml"])).toMatch(/^kind: Namespace$/m);
  });

  it("creates from a file with strict validation, and rejects unknown fields", async () => {
    await ok(["create", "namespace", "files"]);
    const file = join(api.dataDir, "cm.yaml");
    await writeFile(
      file,
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: files\ndata:\n  mode: fast\n",
    );
    expect(await ok(["create", "-f", file])).toBe("configmap/settings created");
    const again = await k(["create", "-f", file]);
    expect(again.err).toMatch(
      /Error from server \(AlreadyExists\).*configmaps "settings" already exists/,
    );
    await writeFile(
      file,
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: files\nsurprise: 1\n",
    );
    const strict = await k(["create", "-f", file]);
    expect(strict.code).not.toBe(0);
    expect(strict.err).toMatch(/unknown field "surprise"/);
    expect((await k(["get", "cm", "bad", "-n", "files"])).err).toMatch(/NotFound/);
  });

  it("creates with the protobuf-speaking subcommands", async () => {
    await ok(["create", "namespace", "pb"]);
    expect(await ok(["create", "configmap", "c", "-n", "pb", "--from-literal=a=b"])).toBe(
      "configmap/c created",
    );
    expect(
      await ok([
        "create",
        "deployment",
        "web",
        "-n",
        "pb",
        "--image=tinykube/hello:1.0",
        "--replicas=2",
      ]),
    ).toBe("deployment.apps/web created");
    expect(
      await ok([
        "get",
        "deploy",
        "web",
        "-n",
        "pb",
        "-o",
        "jsonpath={.spec.replicas} {.metadata.generation}",
      ]),
    ).toBe("2 1");
    expect(await ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).toBe(
      "admin",
    );
    expect(await ok(["auth", "can-i", "delete", "nodes"])).toBe("yes");
  });

  it("labels, annotates, scales and deletes", async () => {
    await ok(["create", "namespace", "ops"]);
    await ok(["create", "deployment", "api", "-n", "ops", "--image=tinykube/hello:1.0"]);
    expect(await ok(["label", "deploy", "api", "-n", "ops", "tier=backend"])).toBe(
      "deployment.apps/api labeled",
    );
    expect(await ok(["annotate", "deploy", "api", "-n", "ops", "owner=team-a"])).toBe(
      "deployment.apps/api annotated",
    );
    expect(await ok(["scale", "deploy", "api", "-n", "ops", "--replicas=5"])).toBe(
      "deployment.apps/api scaled",
    );
    expect(
      await ok([
        "get",
        "deploy",
        "-n",
        "ops",
        "-l",
        "tier=backend",
        "-o",
        "jsonpath={.items[0].spec.replicas}",
      ]),
    ).toBe("5");
    expect(await ok(["delete", "deploy", "api", "-n", "ops"])).toBe(
      'deployment.apps "api" deleted',
    );
    expect((await k(["get", "deploy", "api", "-n", "ops"])).err).toMatch(
      /Error from server \(NotFound\): deployments.apps "api" not found/,
    );
  });

  it("applies client-side, twice, with a strategic merge patch", async () => {
    await ok(["create", "namespace", "apply"]);
    const manifest = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apply
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 8080
`;
    expect(await ok(["apply", "-f", "-"], manifest("tinykube/hello:1.0"))).toBe(
      "deployment.apps/web created",
    );
    expect(await ok(["apply", "-f", "-"], manifest("tinykube/hello:1.0"))).toBe(
      "deployment.apps/web unchanged",
    );
    expect(await ok(["apply", "-f", "-"], manifest("tinykube/hello:2.0"))).toBe(
      "deployment.apps/web configured",
    );
    expect(
      await ok([
        "get",
        "deploy",
        "web",
        "-n",
        "apply",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}",
      ]),
    ).toBe("tinykube/hello:2.0 2");
  });

  it("applies server-side: creates, then updates", async () => {
    await ok(["create", "namespace", "ssa"]);
    const cm = (value: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  namespace: ssa\ndata:\n  feature: "${value}"\n`;
    expect(await ok(["apply", "--server-side", "-f", "-"], cm("on"))).toBe(
      "configmap/flags serverside-applied",
    );
    expect(await ok(["apply", "--server-side", "-f", "-"], cm("off"))).toBe(
      "configmap/flags serverside-applied",
    );
    expect(await ok(["get", "cm", "flags", "-n", "ssa", "-o", "jsonpath={.data.feature}"])).toBe(
      "off",
    );
  });

  it("replace with a stale resourceVersion is a Conflict", async () => {
    await ok(["create", "namespace", "rep"]);
    await ok(["create", "configmap", "c", "-n", "rep", "--from-literal=a=1"]);
    const current = await ok(["get", "cm", "c", "-n", "rep", "-o", "json"]);
    await ok(["label", "cm", "c", "-n", "rep", "x=y"]);
    const stale = await k(["replace", "-f", "-"], current);
    expect(stale.err).toMatch(
      /Error from server \(Conflict\).*Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again/,
    );
  });

  it("describes a namespace and its events", async () => {
    expect(await ok(["describe", "namespace", "default"])).toMatch(/^Status:\s+Active$/m);
  });

  it("watches: get -w prints the list, then each change", async () => {
    await ok(["create", "namespace", "w"]);
    const watching = runKubectl(["get", "cm", "-n", "w", "-w", "--request-timeout=10s"], {
      kubeconfig: api.kubeconfigPath,
      kubectl: kubectl.path,
      timeoutMs: 6000,
    });
    // Give kubectl its list, then change something it must report.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      if ((await k(["create", "configmap", "watched", "-n", "w", "--from-literal=a=b"])).code === 0)
        break;
    }
    const result = await watching;
    expect(result.stdout).toMatch(/^watched\s+1\s+/m);
  });

  it("gets every listable resource across all namespaces, and `get all`", async () => {
    const names = (await ok(["api-resources", "--verbs=list", "-o", "name"])).split("\n");
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) {
      const r = await k(["get", name, "-A"]);
      expect(r.code, `kubectl get ${name} -A: ${r.err}`).toBe(0);
    }
    await ok(["create", "namespace", "all"]);
    await ok(["create", "deployment", "web", "-n", "all", "--image=tinykube/hello:1.0"]);
    expect(await ok(["get", "all", "-n", "all"])).toMatch(
      /^deployment\.apps\/web\s+0\/1\s+0\s+0\s+/m,
    );
    // One kubectl process per resource, one after another: give a loaded machine time.
  }, 90_000);

  it("patches with each patch type kubectl offers", async () => {
    await ok(["create", "namespace", "patch"]);
    await ok(["create", "deployment", "web", "-n", "patch", "--image=tinykube/hello:1.0"]);
    expect(
      await ok([
        "patch",
        "deploy",
        "web",
        "-n",
        "patch",
        "--type=merge",
        "-p",
        '{"spec":{"replicas":2}}',
      ]),
    ).toBe("deployment.apps/web patched");
    await ok([
      "patch",
      "deploy",
      "web",
      "-n",
      "patch",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/replicas","value":3}]',
    ]);
    await ok([
      "patch",
      "deploy",
      "web",
      "-n",
      "patch",
      "--type=strategic",
      "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"hello","image":"tinykube/hello:2.0"}]}}}}',
    ]);
    expect(
      await ok([
        "get",
        "deploy",
        "web",
        "-n",
        "patch",
        "-o",
        "jsonpath={.spec.replicas} {.spec.template.spec.containers[*].image}",
      ]),
    ).toBe("3 tinykube/hello:2.0");
    const bad = await k([
      "patch",
      "deploy",
      "web",
      "-n",
      "patch",
      "--type=json",
      "-p",
      '[{"op":"test","path":"/spec/replicas","value":9}]',
    ]);
    expect(bad.code).not.toBe(0);
  });

  it("describes a deployment", async () => {
    await ok(["create", "namespace", "desc"]);
    await ok([
      "create",
      "deployment",
      "web",
      "-n",
      "desc",
      "--image=tinykube/hello:1.0",
      "--replicas=2",
    ]);
    const out = await ok(["describe", "deployment", "web", "-n", "desc"]);
    expect(out).toMatch(/^Name:\s+web$/m);
    expect(out).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(out).toMatch(/^\s+Image:\s+tinykube\/hello:1.0$/m);
  });

  it("a delete with --dry-run=server changes nothing", async () => {
    await ok(["create", "namespace", "dry"]);
    await ok(["create", "configmap", "keep", "-n", "dry", "--from-literal=a=b"]);
    expect(await ok(["delete", "cm", "keep", "-n", "dry", "--dry-run=server"])).toBe(
      'configmap "keep" deleted (server dry run)',
    );
    expect(await ok(["get", "cm", "keep", "-n", "dry", "-o", "name"])).toBe("configmap/keep");
  });

  it("installs a CRD, serves its custom resources with printer columns, and removes them", async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, shortNames: [wd] }
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - { name: Size, type: integer, jsonPath: .spec.size }
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: { type: integer }
`;
    expect(await ok(["apply", "-f", "-"], crd)).toBe(
      "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created",
    );
    await ok(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s"]);
    await ok(["create", "namespace", "crd"]);
    expect(
      await ok(
        ["apply", "-f", "-"],
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: crd\nspec:\n  size: 3\n",
      ),
    ).toBe("widget.example.com/w1 created");
    expect(table(await ok(["get", "wd", "-n", "crd"]))).toEqual([
      ["NAME", "SIZE"],
      ["w1", "3"],
    ]);
    const wrong = await k(
      ["apply", "-f", "-"],
      "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w2\n  namespace: crd\nspec:\n  size: big\n",
    );
    expect(wrong.err).toMatch(/Invalid value: "string": spec.size in body must be of type integer/);
    await ok(["delete", "crd", "widgets.example.com"]);
    const gone = await k(["get", "widgets", "-n", "crd"]);
    expect(gone.err).toMatch(/the server doesn't have a resource type "widgets"/);
  });

  it("auth can-i answers per user through the bootstrap roles", async () => {
    expect(await ok(["auth", "can-i", "list", "pods", "--as=system:kube-scheduler"])).toBe("yes");
    const no = await k(["auth", "can-i", "list", "secrets", "--as=system:kube-proxy"]);
    expect(no.out).toBe("no");
  });
});

/**
 * Older and newer kubectl binaries, where this machine has them (the Google Cloud SDK ships
 * kubectl.1.27 … kubectl.1.33 beside its version dispatcher). Discovery and reads work for all;
 * writes with validation need OpenAPI v3, which kubectl reads from 1.29 on (1.27 and 1.28 want
 * the protobuf OpenAPI v2, which tinykube does not serve: they need --validate=false).
 */
const VERSIONED = [27, 28, 29, 30, 31, 33]
  .map((minor) => ({ minor, path: `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}` }))
  .filter((v) => existsSync(v.path));

describe.skipIf(VERSIONED.length === 0)("other kubectl versions present on this machine", () => {
  for (const { minor, path } of VERSIONED) {
    it(`kubectl 1.${minor}: discovery, get, create`, async () => {
      const run = (args: string[], input?: string) =>
        runKubectl(args, {
          kubeconfig: api.kubeconfigPath,
          kubectl: path,
          ...(input ? { input } : {}),
        });
      const got = await run(["get", "ns", "default", "-o", "name"]);
      expect(got.stderr).toBe("");
      expect(got.stdout.trim()).toBe("namespace/default");
      const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-1-${minor}\n  namespace: default\n`;
      const args = minor >= 29 ? ["create", "-f", "-"] : ["create", "--validate=false", "-f", "-"];
      const created = await run(args, manifest);
      expect(created.stderr).toBe("");
      expect(created.stdout.trim()).toBe(`configmap/from-1-${minor} created`);
    });
  }
});
