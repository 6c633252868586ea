/**
 * Bad input, sent raw: bodies that do not decode, bodies for another resource, names and fields
 * Kubernetes refuses, bodies too large, stale writes, garbage protobuf, unknown query values.
 *
 * For every case two things are checked: the answer is a metav1.Status with Kubernetes' code,
 * reason and message (what kubectl prints as `Error from server (<reason>): <message>`), and
 * nothing was stored — the store's revision is where it was before the request, so no write of
 * any key happened, not only none of the object named.
 */
import { request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Status } from "../../src/api/object.ts";
import { encodeKubernetesProtobuf, encodeMessage } from "../../src/apiserver/protobuf/testing.ts";
import {
  startTestApiServer,
  type TestApiServer,
  type TestResponse,
} from "../../src/testing/cluster.ts";

let api: TestApiServer;

const NS = "bad-input";
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const PROTOBUF = "application/vnd.kubernetes.protobuf";
const MiB = 1024 * 1024;

/** A ConfigMap kept in the namespace throughout: the target of the PUT and DELETE cases. */
let existing: { resourceVersion: string; uid: string };

beforeAll(async () => {
  api = await startTestApiServer();
  const ns = await api.request("POST", "/api/v1/namespaces", {
    body: { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
  });
  expect(ns.status, ns.text).toBe(201);
  const created = await api.request("POST", CONFIGMAPS, { body: configMap("existing") });
  expect(created.status, created.text).toBe(201);
  const meta = created.json<{ metadata: { resourceVersion: string; uid: string } }>().metadata;
  existing = { resourceVersion: meta.resourceVersion, uid: meta.uid };
});
afterAll(async () => {
  await api?.stop();
});

function configMap(name: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "b" }, ...extra };
}

interface Expected {
  code: number;
  reason: string;
  message: string | RegExp;
  /** The field causes of a 422, as `reason field`. */
  causes?: string[];
}

/** Checks the response is the Status expected, and returns it. */
function expectStatus(res: TestResponse, expected: Expected): Status {
  expect(res.headers["content-type"], res.text).toBe("application/json");
  const status = res.json<Status>();
  expect(
    { http: res.status, code: status.code, reason: status.reason },
    `the Status returned: ${res.text}`,
  ).toEqual({ http: expected.code, code: expected.code, reason: expected.reason });
  expect(status).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure" });
  if (typeof expected.message === "string") expect(status.message).toBe(expected.message);
  else expect(status.message).toMatch(expected.message);
  if (expected.causes) {
    expect(status.details?.causes?.map((c) => `${c.reason} ${c.field}`)).toEqual(expected.causes);
  }
  return status;
}

/** Sends a request that must be refused as `expected`, and checks the store did not move. */
async function refused(send: () => Promise<TestResponse>, expected: Expected): Promise<Status> {
  const before = await api.store.revision();
  const status = expectStatus(await send(), expected);
  expect(await api.store.revision(), "the store's revision moved: something was written").toBe(
    before,
  );
  return status;
}

/** The names of the ConfigMaps in the test namespace. */
async function storedNames(): Promise<string[]> {
  const list = await api.request("GET", CONFIGMAPS);
  return list.json<{ items: { metadata: { name: string } }[] }>().items.map((o) => o.metadata.name);
}

/**
 * A request the test client cannot send: a DELETE with a body (it needs Content-Length, which
 * the client sets only for methods with a body by default) or a chunked upload with no length.
 */
function send(
  method: string,
  path: string,
  body: Buffer | string | AsyncIterable<Buffer>,
  contentType = "application/json",
): Promise<TestResponse> {
  const { hostname, port } = new URL(api.url);
  const fixed = typeof body === "string" || Buffer.isBuffer(body) ? Buffer.from(body) : undefined;
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: hostname,
      port,
      path,
      method,
      ca: api.caCertPem,
      headers: {
        Authorization: `Bearer ${api.tokenFor("admin")}`,
        Accept: "application/json",
        "Content-Type": contentType,
        ...(fixed ? { "Content-Length": fixed.length } : { "Transfer-Encoding": "chunked" }),
      },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: () => JSON.parse(text),
        });
      });
    });
    if (fixed) {
      req.end(fixed);
      return;
    }
    void (async () => {
      // The server may answer (413) and stop reading before the upload ends; that is the point.
      for await (const chunk of body as AsyncIterable<Buffer>) {
        if (req.destroyed || req.writableEnded || req.socket?.destroyed) break;
        if (!req.write(chunk)) await new Promise((r) => req.once("drain", r).once("close", r));
      }
      if (!req.destroyed) req.end();
    })();
  });
}

const SUBDOMAIN_RULE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_RULE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

interface Case extends Expected {
  name: string;
  method?: string;
  path?: string;
  raw: string | Buffer;
  contentType?: string;
}

const json = (value: unknown) => JSON.stringify(value);

// #region cases
/** POSTs that must be refused: each row is one request and the Status it must get. */
const CASES: Case[] = [
  {
    name: "malformed JSON",
    raw: '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "broken"',
    code: 400,
    reason: "BadRequest",
    message: /^error decoding JSON body: /,
  },
  {
    name: "malformed YAML",
    raw: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n",
    contentType: "application/yaml",
    code: 400,
    reason: "BadRequest",
    message: /^error decoding YAML body: /,
  },
  {
    name: "an empty body",
    raw: "",
    code: 400,
    reason: "BadRequest",
    message: "the request body is empty",
  },
  {
    name: "a JSON array",
    raw: json([configMap("in-an-array")]),
    code: 400,
    reason: "BadRequest",
    message: "the request body must be a JSON object, got an array",
  },
  {
    name: "JSON null",
    raw: "null",
    code: 400,
    reason: "BadRequest",
    message: "the request body must be a JSON object, got null",
  },
  {
    name: "a JSON string",
    raw: json("ConfigMap"),
    code: 400,
    reason: "BadRequest",
    message: "the request body must be a JSON object, got string",
  },
  {
    name: "nesting deeper than the decoder allows",
    raw: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":${'{"f:a":'.repeat(5000)}{}${"}".repeat(5000)}}]}}`,
    code: 400,
    reason: "BadRequest",
    message: "error decoding JSON body: exceeded max depth of 512",
  },
  {
    name: "a Secret sent to the ConfigMaps URL",
    raw: json({ apiVersion: "v1", kind: "Secret", metadata: { name: "wrong-kind" } }),
    code: 400,
    reason: "BadRequest",
    message: "the kind in the data (Secret) does not match the expected kind (ConfigMap)",
  },
  {
    name: "an apiVersion that is not the URL's",
    raw: json({ ...configMap("wrong-version"), apiVersion: "apps/v1" }),
    code: 400,
    reason: "BadRequest",
    message: "the API version in the data (apps/v1) does not match the expected API version (v1)",
  },
  {
    name: "a field of the wrong type",
    raw: json({ ...configMap("wrong-type"), data: 5 }),
    code: 400,
    reason: "BadRequest",
    message:
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: data: data in body must be of type object: "integer"',
  },
  {
    name: "an invalid name",
    raw: json(configMap("Bad_Name")),
    code: 422,
    reason: "Invalid",
    message: `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_RULE}`,
    causes: ["FieldValueInvalid metadata.name"],
  },
  {
    name: "a name longer than 253 characters",
    raw: json(configMap("a".repeat(254))),
    code: 422,
    reason: "Invalid",
    message:
      /^ConfigMap "a{254}" is invalid: metadata.name: Invalid value: "a{254}": must be no more than 253 characters$/,
    causes: ["FieldValueInvalid metadata.name"],
  },
  {
    name: "no name at all",
    raw: json({ apiVersion: "v1", kind: "ConfigMap", metadata: { labels: { app: "x" } } }),
    code: 422,
    reason: "Invalid",
    message:
      'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    causes: ["FieldValueRequired metadata.name"],
  },
  {
    name: "a Namespace name that is not a DNS label",
    path: "/api/v1/namespaces",
    raw: json({ apiVersion: "v1", kind: "Namespace", metadata: { name: "Bad.Ns" } }),
    code: 422,
    reason: "Invalid",
    message: `Namespace "Bad.Ns" is invalid: metadata.name: Invalid value: "Bad.Ns": ${LABEL_RULE}`,
    causes: ["FieldValueInvalid metadata.name"],
  },
  {
    name: "unknown fields with fieldValidation=Strict",
    path: `${CONFIGMAPS}?fieldValidation=Strict`,
    raw: json({ ...configMap("strict"), spec: {}, metadata: { name: "strict", colour: "red" } }),
    code: 400,
    reason: "BadRequest",
    message:
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.colour", unknown field "spec"',
  },
  {
    name: "a resourceVersion on create",
    raw: json({ ...configMap("with-rv"), metadata: { name: "with-rv", resourceVersion: "5" } }),
    code: 400,
    reason: "BadRequest",
    message: "resourceVersion should not be set on objects to be created",
  },
  {
    name: "a namespace in the body that is not the URL's",
    raw: json({ ...configMap("elsewhere"), metadata: { name: "elsewhere", namespace: "default" } }),
    code: 400,
    reason: "BadRequest",
    message:
      "the namespace of the provided object does not match the namespace sent on the request",
  },
  {
    name: "a namespace that does not exist",
    path: "/api/v1/namespaces/nowhere/configmaps",
    raw: json(configMap("homeless")),
    code: 404,
    reason: "NotFound",
    message: 'namespaces "nowhere" not found',
  },
  {
    name: "an unsupported media type",
    raw: "name=settings",
    contentType: "text/plain",
    code: 415,
    reason: "UnsupportedMediaType",
    message:
      "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
  },
  {
    name: "a body over 3 MiB",
    raw: Buffer.alloc(3 * MiB + 1, " "),
    code: 413,
    reason: "RequestEntityTooLarge",
    message: "Request entity too large: limit is 3145728",
  },
  {
    name: "fieldValidation=Nope",
    path: `${CONFIGMAPS}?fieldValidation=Nope`,
    raw: json(configMap("fv")),
    code: 422,
    reason: "Invalid",
    message:
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Nope": supported values: "", "Ignore", "Strict", "Warn"',
    causes: ["FieldValueNotSupported fieldValidation"],
  },
  {
    name: "dryRun=Some",
    path: `${CONFIGMAPS}?dryRun=Some`,
    raw: json(configMap("dry")),
    code: 422,
    reason: "Invalid",
    message:
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All"',
    causes: ["FieldValueNotSupported dryRun"],
  },
  {
    name: "bad options and a bad body: the options are checked first",
    path: `${CONFIGMAPS}?dryRun=Some&fieldValidation=Nope`,
    raw: "{",
    code: 422,
    reason: "Invalid",
    message:
      'CreateOptions.meta.k8s.io "" is invalid: [dryRun: Unsupported value: ["Some"]: supported values: "All", fieldValidation: Unsupported value: "Nope": supported values: "", "Ignore", "Strict", "Warn"]',
    causes: ["FieldValueNotSupported dryRun", "FieldValueNotSupported fieldValidation"],
  },
  {
    name: "protobuf without the k8s magic",
    raw: Buffer.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]),
    contentType: PROTOBUF,
    code: 400,
    reason: "BadRequest",
    message:
      'not a Kubernetes protobuf body: expected it to start with 6b 38 73 00 ("k8s\\0"), got 01 02 03 04',
  },
  {
    name: "protobuf: the magic, then a truncated envelope",
    raw: Buffer.concat([Buffer.from("k8s\0", "latin1"), Buffer.from([0x0a, 0x50, 0x01, 0x02])]),
    contentType: PROTOBUF,
    code: 400,
    reason: "BadRequest",
    message: /^malformed k8s\.io\.apimachinery\.pkg\.runtime\.Unknown /,
  },
  {
    name: "protobuf: an envelope with no type",
    raw: Buffer.from("k8s\0", "latin1"),
    contentType: PROTOBUF,
    code: 400,
    reason: "BadRequest",
    message: 'the envelope must name the object\'s type, got apiVersion "" and kind ""',
  },
  {
    name: "protobuf: a ConfigMap envelope around garbage",
    raw: encodeKubernetesProtobuf("v1", "ConfigMap", new Uint8Array([0xff, 0xff, 0xff, 0x01])),
    contentType: PROTOBUF,
    code: 400,
    reason: "BadRequest",
    message: /^malformed k8s\.io\.api\.core\.v1\.ConfigMap /,
  },
  {
    name: "protobuf: a valid envelope of a kind tinykube does not decode",
    raw: encodeKubernetesProtobuf("batch/v1", "Job", new Uint8Array()),
    contentType: PROTOBUF,
    code: 415,
    reason: "UnsupportedMediaType",
    message:
      "the protobuf body for batch/v1 Job is not supported by tinykube; send the object as JSON instead (for example: kubectl create ... --dry-run=client -o json | kubectl create -f -)",
  },
  {
    name: "protobuf: a valid ConfigMap with an invalid name",
    raw: encodeKubernetesProtobuf(
      "v1",
      "ConfigMap",
      encodeMessage("k8s.io.api.core.v1.ConfigMap", { metadata: { name: "Not_Valid" } }),
    ),
    contentType: PROTOBUF,
    code: 422,
    reason: "Invalid",
    message: `ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid": ${SUBDOMAIN_RULE}`,
    causes: ["FieldValueInvalid metadata.name"],
  },
  {
    name: "a POST to an object's URL",
    path: `${CONFIGMAPS}/existing`,
    raw: json(configMap("existing")),
    code: 405,
    reason: "MethodNotAllowed",
    message: "the server does not allow this method on the requested resource",
  },
  {
    name: "a resource the server does not have",
    path: `/api/v1/namespaces/${NS}/widgets`,
    raw: json({ apiVersion: "v1", kind: "Widget", metadata: { name: "w" } }),
    code: 404,
    reason: "NotFound",
    message: "the server could not find the requested resource",
  },
];
// #endregion cases

describe("bad request bodies are refused with a Status, and nothing is stored", () => {
  it.each(CASES)("$name", async (c) => {
    await refused(
      () =>
        api.request(c.method ?? "POST", c.path ?? CONFIGMAPS, {
          raw: c.raw,
          ...(c.contentType !== undefined ? { contentType: c.contentType } : {}),
        }),
      c,
    );
  });

  it("left only the ConfigMap the suite made", async () => {
    expect(await storedNames()).toEqual(["existing"]);
    const namespaces = (await api.request("GET", "/api/v1/namespaces")).json<{
      items: { metadata: { name: string } }[];
    }>();
    expect(namespaces.items.map((n) => n.metadata.name)).not.toContain("nowhere");
  });

  it("a body over 3 MiB sent without a Content-Length is cut off at the limit", async () => {
    async function* upload(): AsyncIterable<Buffer> {
      for (let sent = 0; sent <= 4 * MiB; sent += 64 * 1024) yield Buffer.alloc(64 * 1024, " ");
    }
    await refused(() => send("POST", CONFIGMAPS, upload()), {
      code: 413,
      reason: "RequestEntityTooLarge",
      message: "Request entity too large: limit is 3145728",
    });
  });
});

describe("fieldValidation Warn and Ignore store the object without the unknown fields", () => {
  it("Warn: 201, one Warning header per unknown field", async () => {
    const before = await api.store.revision();
    const res = await api.request("POST", `${CONFIGMAPS}?fieldValidation=Warn`, {
      body: { ...configMap("warned"), surprise: 1, metadata: { name: "warned", colour: "red" } },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.warning).toBe(
      '299 - "unknown field \\"metadata.colour\\"", 299 - "unknown field \\"surprise\\""',
    );
    expect(await api.store.revision()).toBe(before + 1);
    const stored = (await api.request("GET", `${CONFIGMAPS}/warned`)).json();
    expect(stored).not.toHaveProperty("surprise");
    expect(stored.metadata).not.toHaveProperty("colour");
    await api.request("DELETE", `${CONFIGMAPS}/warned`);
  });

  it("Ignore: 201 and no Warning", async () => {
    const res = await api.request("POST", `${CONFIGMAPS}?fieldValidation=Ignore`, {
      body: { ...configMap("ignored"), surprise: 1 },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.warning).toBeUndefined();
    expect((await api.request("GET", `${CONFIGMAPS}/ignored`)).json()).not.toHaveProperty(
      "surprise",
    );
    await api.request("DELETE", `${CONFIGMAPS}/ignored`);
  });

  it("dryRun=All answers 201 with the object, and stores nothing", async () => {
    const before = await api.store.revision();
    const res = await api.request("POST", `${CONFIGMAPS}?dryRun=All`, { body: configMap("dry") });
    expect(res.status, res.text).toBe(201);
    expect(res.json().metadata).toMatchObject({ name: "dry", namespace: NS });
    expect(await api.store.revision()).toBe(before);
    expect((await api.request("GET", `${CONFIGMAPS}/dry`)).status).toBe(404);
  });
});

describe("updates that must be refused leave the object as it was", () => {
  const current = async () => (await api.request("GET", `${CONFIGMAPS}/existing`)).json();

  it("a PUT with a stale resourceVersion: 409 Conflict", async () => {
    const fresh = await api.request("PUT", `${CONFIGMAPS}/existing`, {
      body: {
        ...configMap("existing", { data: { v: "2" } }),
        metadata: { name: "existing", resourceVersion: existing.resourceVersion },
      },
    });
    expect(fresh.status, fresh.text).toBe(200);
    await refused(
      () =>
        api.request("PUT", `${CONFIGMAPS}/existing`, {
          body: {
            ...configMap("existing", { data: { v: "3" } }),
            metadata: { name: "existing", resourceVersion: existing.resourceVersion },
          },
        }),
      {
        code: 409,
        reason: "Conflict",
        message:
          'Operation cannot be fulfilled on configmaps "existing": the object has been modified; please apply your changes to the latest version and try again',
      },
    );
    expect((await current()).data).toEqual({ v: "2" });
  });

  it("a PUT whose body names another object: 400", async () => {
    await refused(
      () => api.request("PUT", `${CONFIGMAPS}/existing`, { body: configMap("other") }),
      {
        code: 400,
        reason: "BadRequest",
        message: "the name of the object (other) does not match the name on the URL (existing)",
      },
    );
  });

  it("a PUT with another object's uid: 409", async () => {
    await refused(
      () =>
        api.request("PUT", `${CONFIGMAPS}/existing`, {
          body: { ...configMap("existing"), metadata: { name: "existing", uid: "not-the-uid" } },
        }),
      {
        code: 409,
        reason: "Conflict",
        message: `Operation cannot be fulfilled on configmaps "existing": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${existing.uid}`,
      },
    );
  });

  it("a PUT of an object that does not exist: 404", async () => {
    await refused(() => api.request("PUT", `${CONFIGMAPS}/ghost`, { body: configMap("ghost") }), {
      code: 404,
      reason: "NotFound",
      message: 'configmaps "ghost" not found',
    });
  });

  it("a PUT with fieldValidation=Nope: 422 naming UpdateOptions", async () => {
    await refused(
      () =>
        api.request("PUT", `${CONFIGMAPS}/existing?fieldValidation=Nope`, {
          body: configMap("existing"),
        }),
      {
        code: 422,
        reason: "Invalid",
        message:
          'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Nope": supported values: "", "Ignore", "Strict", "Warn"',
      },
    );
  });

  it("a merge patch nested deeper than a body may be: 400", async () => {
    const deep = `{"metadata":{"annotations":${'{"a":'.repeat(1000)}"x"${"}".repeat(1000)}}}`;
    await refused(
      () =>
        api.request("PATCH", `${CONFIGMAPS}/existing`, {
          raw: deep,
          contentType: "application/merge-patch+json",
        }),
      {
        code: 400,
        reason: "BadRequest",
        message: "error decoding patch: exceeded max depth of 512",
      },
    );
  });

  it("a PUT with malformed JSON: 400", async () => {
    await refused(() => api.request("PUT", `${CONFIGMAPS}/existing`, { raw: "{" }), {
      code: 400,
      reason: "BadRequest",
      message: /^error decoding JSON body: /,
    });
    expect((await current()).data).toEqual({ v: "2" });
  });
});

describe("deletes that must be refused leave the object in place", () => {
  const cases: { name: string; query?: string; body?: string; expected: Expected }[] = [
    {
      name: "gracePeriodSeconds=abc",
      query: "gracePeriodSeconds=abc",
      expected: {
        code: 400,
        reason: "BadRequest",
        message: 'strconv.ParseInt: parsing "abc": invalid syntax',
      },
    },
    {
      name: "propagationPolicy=Nope",
      query: "propagationPolicy=Nope",
      expected: {
        code: 422,
        reason: "Invalid",
        message:
          'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Nope": supported values: "Foreground", "Background", "Orphan", "nil"',
        causes: ["FieldValueNotSupported propagationPolicy"],
      },
    },
    {
      name: "a propagationPolicy in the body that is not one",
      body: json({ kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Later" }),
      expected: {
        code: 422,
        reason: "Invalid",
        message:
          'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Later": supported values: "Foreground", "Background", "Orphan", "nil"',
      },
    },
    {
      name: "dryRun=Some",
      query: "dryRun=Some",
      expected: {
        code: 422,
        reason: "Invalid",
        message:
          'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All"',
      },
    },
    {
      name: "dryRun in the body that is not All",
      body: json({ kind: "DeleteOptions", apiVersion: "v1", dryRun: ["Some"] }),
      expected: {
        code: 422,
        reason: "Invalid",
        message:
          'DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ["Some"]: supported values: "All"',
      },
    },
    {
      name: "orphanDependents and propagationPolicy both set",
      query: "orphanDependents=false&propagationPolicy=Background",
      expected: {
        code: 422,
        reason: "Invalid",
        message:
          'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Background": orphanDependents and deletionPropagation cannot be both set',
      },
    },
    {
      name: "a DeleteOptions body that is not JSON",
      body: "{",
      expected: { code: 400, reason: "BadRequest", message: /^error decoding JSON body: / },
    },
    {
      name: "a DeleteOptions body with a string grace period",
      body: json({ kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: "soon" }),
      expected: {
        code: 400,
        reason: "BadRequest",
        message: 'gracePeriodSeconds must be a non-negative integer, got "soon"',
      },
    },
    {
      name: "a stale resourceVersion precondition",
      body: json({ preconditions: { resourceVersion: "1" } }),
      expected: {
        code: 409,
        reason: "Conflict",
        message:
          /^Operation cannot be fulfilled on configmaps "existing": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: \d+$/,
      },
    },
    {
      name: "a uid precondition of another object",
      body: json({ preconditions: { uid: "someone-else" } }),
      expected: {
        code: 409,
        reason: "Conflict",
        message:
          /^Operation cannot be fulfilled on configmaps "existing": Precondition failed: UID in precondition: someone-else, UID in object meta: /,
      },
    },
  ];

  it.each(cases)("$name", async ({ query, body, expected }) => {
    const path = `${CONFIGMAPS}/existing${query ? `?${query}` : ""}`;
    await refused(
      () => (body === undefined ? api.request("DELETE", path) : send("DELETE", path, body)),
      expected,
    );
    expect((await api.request("GET", `${CONFIGMAPS}/existing`)).status).toBe(200);
  });

  it("dryRun=All in the DeleteOptions body (kubectl delete --dry-run=server) deletes nothing", async () => {
    const before = await api.store.revision();
    const res = await send(
      "DELETE",
      `${CONFIGMAPS}/existing`,
      json({ kind: "DeleteOptions", apiVersion: "v1", dryRun: ["All"] }),
    );
    expect(res.status, res.text).toBe(200);
    expect(await api.store.revision()).toBe(before);
    expect((await api.request("GET", `${CONFIGMAPS}/existing`)).status).toBe(200);
  });

  it("a delete of what is not there: 404", async () => {
    await refused(() => api.request("DELETE", `${CONFIGMAPS}/ghost`), {
      code: 404,
      reason: "NotFound",
      message: 'configmaps "ghost" not found',
    });
  });
});

describe("lists and watches with bad parameters", () => {
  const cases: { name: string; query: string; expected: Expected }[] = [
    {
      name: "a watch from a resourceVersion that is not a number",
      query: "watch=true&resourceVersion=abc",
      expected: { code: 400, reason: "BadRequest", message: "invalid resource version: abc" },
    },
    {
      name: "a list at a resourceVersion that is not a number",
      query: "resourceVersion=abc",
      expected: { code: 400, reason: "BadRequest", message: "invalid resource version: abc" },
    },
    {
      name: "a watch with a timeoutSeconds that is not a number",
      query: "watch=true&timeoutSeconds=abc",
      expected: {
        code: 400,
        reason: "BadRequest",
        message: 'strconv.ParseInt: parsing "abc": invalid syntax',
      },
    },
    {
      name: "a limit that is not a number",
      query: "limit=ten",
      expected: {
        code: 400,
        reason: "BadRequest",
        message: 'strconv.ParseInt: parsing "ten": invalid syntax',
      },
    },
    {
      name: "a continue token that is not one",
      query: "limit=1&continue=garbage",
      expected: { code: 400, reason: "BadRequest", message: "continue key is not valid: garbage" },
    },
    {
      name: "an unknown resourceVersionMatch",
      query: "resourceVersion=1&resourceVersionMatch=Sometimes",
      expected: {
        code: 400,
        reason: "BadRequest",
        message:
          'resourceVersionMatch: Unsupported value: "Sometimes": supported values: "Exact", "NotOlderThan"',
      },
    },
    {
      name: "a label selector that does not parse",
      query: "labelSelector=app%20in%20(web",
      expected: {
        code: 400,
        reason: "BadRequest",
        message: "unable to parse requirement: found '', expected: ',' or ')'",
      },
    },
    {
      name: "a field selector on a field ConfigMaps do not have",
      query: "fieldSelector=spec.nodeName%3Dn1",
      expected: {
        code: 400,
        reason: "BadRequest",
        message:
          '"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"',
      },
    },
  ];

  it.each(cases)("$name", async ({ query, expected }) => {
    await refused(() => api.request("GET", `${CONFIGMAPS}?${query}`), expected);
  });

  it("an Accept header the server cannot produce: 406", async () => {
    await refused(() => api.request("GET", CONFIGMAPS, { accept: "text/html" }), {
      code: 406,
      reason: "NotAcceptable",
      message:
        "only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io",
    });
  });
});
