/**
 * Real kubectl against the documents: a small HTTP server serves legacy discovery and the
 * /openapi/v3 documents, echoes writes back, and records what kubectl sent. kubectl must find
 * fieldValidation support (and so send fieldValidation=Strict instead of validating on its own),
 * and `kubectl explain` must print our descriptions.
 */
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findKubectl, runKubectl } from "../../testing/kubectl.ts";
import { apiVersionOf } from "../object.ts";
import {
  type CustomResourceDefinitionLike,
  crdOpenapiV3Document,
  crdResources,
  groupVersionPath,
  type OpenAPIV3Document,
  openapiV3Document,
  openapiV3Index,
  type ResourceInfo,
} from "./documents.ts";
import { FIXTURES_DIR, SERVED_RESOURCES } from "./test-fixtures.ts";

interface Recorded {
  method: string;
  url: string;
  contentType: string | undefined;
}

const crd = parse(
  await readFile(join(FIXTURES_DIR, "crd-structural.yaml"), "utf8"),
) as CustomResourceDefinitionLike;
const RESOURCES: ResourceInfo[] = [...SERVED_RESOURCES, ...crdResources(crd)];

function buildDocuments(): Record<string, OpenAPIV3Document> {
  const docs: Record<string, OpenAPIV3Document> = {};
  for (const r of RESOURCES) {
    const path = groupVersionPath(r.group, r.version);
    if (docs[path] !== undefined) continue;
    docs[path] =
      r.group === crd.spec.group
        ? crdOpenapiV3Document(r, [crd])
        : openapiV3Document(r, SERVED_RESOURCES);
  }
  return docs;
}

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Legacy discovery: an APIResourceList for one group-version. */
function resourceList(groupVersion: string): unknown {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: RESOURCES.filter((r) => apiVersionOf(r.group, r.version) === groupVersion).flatMap(
      (r) => [
        {
          name: r.resource,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: r.verbs ?? VERBS,
        },
        ...r.subresources.map((sub) => ({
          name: `${r.resource}/${sub}`,
          singularName: "",
          namespaced: r.namespaced,
          kind: sub === "scale" ? "Scale" : r.kind,
          ...(sub === "scale" ? { group: "autoscaling", version: "v1" } : {}),
          verbs: ["get", "patch", "update"],
        })),
      ],
    ),
  };
}

class ProbeServer {
  readonly requests: Recorded[] = [];
  private readonly documents: Record<string, OpenAPIV3Document>;
  private readonly index: ReturnType<typeof openapiV3Index>;
  private server: Server | undefined;
  url = "";

  constructor(transform: (doc: OpenAPIV3Document) => void = () => {}) {
    this.documents = buildDocuments();
    for (const doc of Object.values(this.documents)) transform(doc);
    this.index = openapiV3Index(this.documents);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    this.requests.push({
      method: req.method ?? "",
      url: `${url.pathname}${url.search}`,
      contentType: req.headers["content-type"],
    });
    const json = (code: number, value: unknown) => {
      res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(value));
    };
    const path = url.pathname;
    if (req.method === "GET") {
      if (path === "/version") {
        return json(200, {
          major: "1",
          minor: "32",
          gitVersion: "v1.32.0",
          platform: "linux/amd64",
        });
      }
      if (path === "/api") return json(200, { kind: "APIVersions", versions: ["v1"] });
      if (path === "/apis") return json(200, this.groupList());
      if (path === "/api/v1") return json(200, resourceList("v1"));
      const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
      if (gv) return json(200, resourceList(`${gv[1]}/${gv[2]}`));
      if (path === "/openapi/v3") return json(200, this.index);
      const doc = this.documents[path.replace(/^\/openapi\/v3\//, "")];
      if (path.startsWith("/openapi/v3/") && doc !== undefined) return json(200, doc);
      return json(404, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        reason: "NotFound",
        message: "not found",
        code: 404,
      });
    }
    // Writes are echoed: the object as sent, as if stored.
    const object = (body.trimStart().startsWith("{") ? JSON.parse(body) : parse(body)) as object;
    return json(req.method === "POST" ? 201 : 200, object);
  }

  private groupList(): unknown {
    const groups = [...new Set(RESOURCES.map((r) => r.group).filter((g) => g !== ""))];
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: groups.map((name) => ({
        name,
        versions: [{ groupVersion: `${name}/v1`, version: "v1" }],
        preferredVersion: { groupVersion: `${name}/v1`, version: "v1" },
      })),
    };
  }

  writes(): Recorded[] {
    return this.requests.filter((r) => r.method !== "GET");
  }
}

/** The same documents without the fieldValidation parameter: kubectl must validate itself. */
function withoutFieldValidation(doc: OpenAPIV3Document): void {
  for (const item of Object.values(doc.paths)) {
    for (const op of [item.get, item.put, item.post, item.patch, item.delete]) {
      if (op?.parameters) op.parameters = op.parameters.filter((p) => p.name !== "fieldValidation");
    }
  }
}

const server = new ProbeServer();
const oldServer = new ProbeServer(withoutFieldValidation);
let dir = "";

async function writeKubeconfig(name: string, url: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{name: probe, cluster: {server: "${url}"}}]`,
      "users: [{name: probe, user: {}}]",
      "contexts: [{name: probe, context: {cluster: probe, user: probe, namespace: default}}]",
      "current-context: probe",
      "",
    ].join("\n"),
  );
  return path;
}

let kubeconfig = "";
let oldKubeconfig = "";

beforeAll(async () => {
  findKubectl(); // throws, saying what it tried, when no kubectl 1.32 can be found
  await server.start();
  await oldServer.start();
  dir = await mkdtemp(join(tmpdir(), "tinykube-openapi-kubectl-"));
  kubeconfig = await writeKubeconfig("kubeconfig", server.url);
  oldKubeconfig = await writeKubeconfig("kubeconfig-old", oldServer.url);
});

afterAll(async () => {
  await server.stop();
  await oldServer.stop();
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

function kubectl(args: string[], input?: string, config = kubeconfig) {
  return runKubectl(args, { kubeconfig: config, ...(input === undefined ? {} : { input }) });
}

describe("kubectl 1.32 against the OpenAPI v3 documents", () => {
  it("reads /openapi/v3, then sends fieldValidation=Strict on create", async () => {
    const before = server.requests.length;
    const result = await kubectl(["create", "-f", join(FIXTURES_DIR, "deployment-nginx.yaml")]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("deployment.apps/nginx-deployment created");
    const seen = server.requests.slice(before);
    expect(seen.some((r) => /^\/openapi\/v3(\?|$)/.test(r.url))).toBe(true);
    expect(seen.some((r) => r.url.startsWith("/openapi/v3/apis/apps/v1?hash="))).toBe(true);
    expect(seen.filter((r) => r.method === "POST").map((r) => r.url)).toEqual([
      "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
    ]);
  });

  it("leaves unknown fields to the server instead of failing on its own", async () => {
    const before = server.writes().length;
    const manifest = (await readFile(join(FIXTURES_DIR, "deployment-nginx.yaml"), "utf8")).replace(
      "replicas: 3",
      "replicas: 3\n  replicaz: 4",
    );
    const result = await kubectl(["create", "-f", "-"], manifest);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(
      server
        .writes()
        .slice(before)
        .map((r) => r.url),
    ).toEqual([
      "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create&fieldValidation=Strict",
    ]);
  });

  it("sends fieldValidation=Strict for core, networking, rbac and custom resources", async () => {
    const before = server.writes().length;
    for (const file of ["services.yaml", "ingress.yaml", "rbac.yaml", "crontab.yaml"]) {
      const result = await kubectl(["create", "-f", join(FIXTURES_DIR, file)]);
      expect(result.stderr, file).toBe("");
      expect(result.code, file).toBe(0);
    }
    const urls = server
      .writes()
      .slice(before)
      .map((r) => r.url);
    expect(urls.length).toBeGreaterThan(8);
    for (const url of urls) expect(url).toMatch(/fieldValidation=Strict/);
    expect(urls).toContain(
      "/apis/stable.example.com/v1/namespaces/default/crontabs?fieldManager=kubectl-create&fieldValidation=Strict",
    );
  });

  it("apply --server-side patches with apply-patch+yaml and fieldValidation=Strict", async () => {
    const before = server.writes().length;
    const result = await kubectl([
      "apply",
      "--server-side",
      "-f",
      join(FIXTURES_DIR, "deployment-web.yaml"),
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const [patch] = server.writes().slice(before);
    expect(patch?.method).toBe("PATCH");
    expect(patch?.contentType).toBe("application/apply-patch+yaml");
    expect(patch?.url).toBe(
      "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=kubectl&fieldValidation=Strict&force=false",
    );
  });

  it("explain prints our descriptions of a built-in kind's fields", async () => {
    const result = await kubectl(["explain", "deployment.spec.template.spec.containers"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("KIND:       Deployment");
    expect(result.stdout).toContain("FIELD: containers <[]Container>");
    expect(result.stdout).toContain("The containers of the pod; at least one.");
    expect(result.stdout).toContain(
      "One application container of a pod: the image to run and how.",
    );
    expect(result.stdout).toMatch(
      /image\s+<string>\s+The container image to run, e\.g\. nginx:1\.27\./,
    );
    expect(result.stdout).toMatch(/name\s+<string> -required-/);
  });

  it("explain prints a custom resource's schema", async () => {
    const result = await kubectl(["explain", "crontabs.spec"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("GROUP:      stable.example.com");
    expect(result.stdout).toMatch(/cronSpec\s+<string> -required-\s+When to run, in cron syntax\./);
  });

  it("without fieldValidation in the documents, kubectl refuses to create anything", async () => {
    // kubectl then validates on its own, with the OpenAPI v2 document tinykube does not serve:
    // the fieldValidation parameter is what makes the v3 documents enough.
    const result = await kubectl(
      ["create", "-f", join(FIXTURES_DIR, "deployment-nginx.yaml")],
      undefined,
      oldKubeconfig,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("error validating data");
    expect(oldServer.requests.map((r) => r.url)).toContain("/openapi/v2?timeout=32s");
    expect(oldServer.writes()).toEqual([]);
  });
});
