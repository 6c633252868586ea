import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../store/testing.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";

let api: TestApiServer;
beforeAll(async () => {
  api = await startTestApiServer();
});
afterAll(async () => {
  await api?.stop();
});

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "crontabs.stable.example.com" },
  spec: {
    group: "stable.example.com",
    scope: "Namespaced",
    names: { plural: "crontabs", singular: "crontab", kind: "CronTab", shortNames: ["ct"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: "Spec", type: "string", jsonPath: ".spec.cronSpec" }],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: { cronSpec: { type: "string" }, replicas: { type: "integer" } },
              },
              status: { type: "object", properties: { phase: { type: "string" } } },
            },
          },
        },
      },
    ],
  },
};

const cronTab = (name: string, spec: Record<string, unknown> = { cronSpec: "* * * * */5" }) => ({
  apiVersion: "stable.example.com/v1",
  kind: "CronTab",
  metadata: { name },
  spec,
});

const path = "/apis/stable.example.com/v1/namespaces/default/crontabs";

describe("CustomResourceDefinitions", () => {
  it("a new CRD becomes Established and its resource appears in discovery", async () => {
    expect(
      (
        await api.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
          body: crd,
        })
      ).status,
    ).toBe(201);
    await waitFor("the CRD to be established", async () => {
      const got = (
        await api.request(
          "GET",
          "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com",
        )
      ).json<{
        status?: { conditions?: { type: string; status: string }[] };
      }>();
      return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
    const list = (await api.request("GET", "/apis/stable.example.com/v1")).json<{
      resources: { name: string }[];
    }>();
    expect(list.resources.map((r) => r.name)).toEqual(["crontabs", "crontabs/status"]);
    const index = (await api.request("GET", "/openapi/v3")).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(index.paths)).toContain("apis/stable.example.com/v1");
  });

  it("custom resources work like built-ins, with their schema enforced", async () => {
    const created = await api.request("POST", path, { body: cronTab("daily") });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({
      metadata: { generation: 1 },
      spec: { cronSpec: "* * * * */5" },
    });
    const strict = await api.request("POST", `${path}?fieldValidation=Strict`, {
      body: cronTab("bad", { cronSpec: "x", nope: 1 }),
    });
    expect(strict.status).toBe(400);
    expect(strict.json<{ message: string }>().message).toBe(
      'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.nope"',
    );
    const wrongType = await api.request("POST", path, {
      body: cronTab("bad", { replicas: "three" }),
    });
    expect(wrongType.status, wrongType.text).toBe(422);
    expect(wrongType.json<{ message: string }>().message).toBe(
      'CronTab.stable.example.com "bad" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    );
    const pruned = await api.request("POST", path, {
      body: cronTab("pruned", { cronSpec: "x", extra: true }),
    });
    expect(pruned.json<{ spec: Record<string, unknown> }>().spec).toEqual({ cronSpec: "x" });
  });

  it("prints the CRD's printer columns", async () => {
    const table = (
      await api.request("GET", path, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" })
    ).json<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>();
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Spec"]);
    expect(table.rows.find((r) => r.cells[0] === "daily")?.cells[1]).toBe("* * * * */5");
  });

  it("the status subresource changes only status", async () => {
    const current = (await api.request("GET", `${path}/daily`)).json<Record<string, unknown>>();
    const res = await api.request("PUT", `${path}/daily/status`, {
      body: { ...current, spec: { cronSpec: "changed" }, status: { phase: "Running" } },
    });
    expect(res.json()).toMatchObject({
      spec: { cronSpec: "* * * * */5" },
      status: { phase: "Running" },
    });
  });

  it("deleting the CRD deletes its objects and removes the resource", async () => {
    const res = await api.request(
      "DELETE",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com",
    );
    expect(res.status).toBeLessThan(300);
    await waitFor(
      "the CRD to be gone",
      async () =>
        (
          await api.request(
            "GET",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com",
          )
        ).status === 404,
    );
    expect((await api.request("GET", "/apis/stable.example.com/v1")).status).toBe(404);
    expect(
      (
        await api.store.range({
          key: "/registry/stable.example.com/",
          prefix: true,
          countOnly: true,
        })
      ).count,
    ).toBe(0);
  });

  it("refuses a CRD whose name does not match its plural and group", async () => {
    const res = await api.request(
      "POST",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
      {
        body: { ...crd, metadata: { name: "wrong.example.com" } },
      },
    );
    expect(res.status).toBe(422);
    expect(res.json<{ message: string }>().message).toMatch(
      /metadata.name: Invalid value: "wrong.example.com": must be spec.names.plural\+"."\+spec.group/,
    );
  });
});
