import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { KubeObject, ManagedFieldsEntry } from "../object.ts";
import { type ApplyResult, applyConflictError, parseApplyPatch, serverSideApply } from "./apply.ts";
import { PatchError } from "./errors.ts";
import { type FieldPath, fromFieldsV1, pathString } from "./field-set.ts";
import { isObject } from "./json.ts";
import { updateManagedFields } from "./managed-fields.ts";

const T1 = "2025-01-01T00:00:00Z";
const T2 = "2025-01-01T00:01:00Z";
const T3 = "2025-01-01T00:02:00Z";

interface Container {
  name: string;
  [field: string]: unknown;
}

const config = (
  spec: Record<string, unknown>,
  labels: Record<string, string> = { app: "web" },
) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", labels },
  spec,
});
const withContainers = (...containers: Container[]) =>
  config({ template: { spec: { containers } } });

function applied(result: ApplyResult): KubeObject {
  expect(result.conflicts).toEqual([]);
  return result.object;
}
const entry = (object: KubeObject, manager: string) =>
  object.metadata.managedFields?.find((e) => e.manager === manager) as ManagedFieldsEntry;
const containersOf = (object: KubeObject) =>
  (object.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  throw new Error("expected a PatchError");
};

describe("what kubectl apply --server-side sends", () => {
  const capture = JSON.parse(
    readFileSync(new URL("./testdata/kubectl-apply-server-side.json", import.meta.url), "utf8"),
  ) as { requests: { url: string; contentType: string; body: string }[] };
  const [first, lastApplied] = capture.requests as [
    (typeof capture.requests)[0],
    (typeof capture.requests)[0],
  ];

  test("one PATCH with the manifest as JSON, manager kubectl, no GET first", () => {
    expect(first.contentType).toBe("application/apply-patch+yaml");
    expect(first.url).toContain("fieldManager=kubectl&");
    expect(first.url).toContain("force=false");
    expect(capture.requests[2]?.url).toContain("force=true");
  });

  test("creates the object when it is missing, with one Apply entry in FieldsV1", () => {
    const object = applied(
      serverSideApply(undefined, parseApplyPatch(first.body), { manager: "kubectl", now: T1 }),
    );
    expect(object.metadata.managedFields).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: T1,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": { "f:matchLabels": { "f:app": {} } },
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"web"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": { 'k:{"containerPort":80}': { ".": {}, "f:containerPort": {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  test("a second manager applying only the annotation shares the object", () => {
    const object = applied(
      serverSideApply(undefined, parseApplyPatch(first.body), { manager: "kubectl", now: T1 }),
    );
    const annotated = applied(
      serverSideApply(object, parseApplyPatch(lastApplied.body), {
        manager: "kubectl-last-applied",
        now: T2,
      }),
    );
    expect(annotated.metadata.annotations).toHaveProperty(
      "kubectl.kubernetes.io/last-applied-configuration",
    );
    expect(annotated.spec).toEqual(object.spec);
    expect(entry(annotated, "kubectl-last-applied").fieldsV1).toEqual({
      "f:metadata": {
        "f:annotations": { "f:kubectl.kubernetes.io/last-applied-configuration": {} },
      },
    });
    expect(entry(annotated, "kubectl").time).toBe(T1);
  });
});

describe("applying again", () => {
  const live = applied(
    serverSideApply(undefined, withContainers({ name: "web", image: "web:1", args: ["a"] }), {
      manager: "ci",
      now: T1,
    }),
  );

  test("sets what changed and moves the applier's time", () => {
    const next = applied(
      serverSideApply(live, withContainers({ name: "web", image: "web:2", args: ["a"] }), {
        manager: "ci",
        now: T2,
      }),
    );
    expect(containersOf(next)).toEqual([{ name: "web", image: "web:2", args: ["a"] }]);
    expect(entry(next, "ci").time).toBe(T2);
  });

  test("an apply that changes nothing keeps the time", () => {
    const same = applied(
      serverSideApply(live, withContainers({ name: "web", image: "web:1", args: ["a"] }), {
        manager: "ci",
        now: T2,
      }),
    );
    expect(same).toEqual(live);
  });

  test("a field the applier leaves out is removed", () => {
    const next = applied(
      serverSideApply(live, withContainers({ name: "web", image: "web:1" }), {
        manager: "ci",
        now: T2,
      }),
    );
    expect(containersOf(next)).toEqual([{ name: "web", image: "web:1" }]);
  });

  test("a label left out is removed, and so is the map it empties", () => {
    const next = applied(
      serverSideApply(
        live,
        {
          ...withContainers({ name: "web", image: "web:1", args: ["a"] }),
          metadata: { name: "web", namespace: "default" },
        },
        { manager: "ci", now: T2 },
      ),
    );
    expect(next.metadata).not.toHaveProperty("labels");
  });

  test("an element left out is removed whole, also fields nobody owns in it", () => {
    const two = applied(
      serverSideApply(
        live,
        withContainers({ name: "web", image: "web:1" }, { name: "side", image: "s:1" }),
        { manager: "ci", now: T2 },
      ),
    );
    const defaulted = structuredClone(two);
    (containersOf(defaulted)[1] as Container).imagePullPolicy = "IfNotPresent"; // set by defaulting, owned by nobody
    const one = applied(
      serverSideApply(defaulted, withContainers({ name: "web", image: "web:1" }), {
        manager: "ci",
        now: T3,
      }),
    );
    expect(containersOf(one)).toEqual([{ name: "web", image: "web:1" }]);
  });

  test("an element another manager owns a field of stays, with its key and that field", () => {
    const two = applied(
      serverSideApply(
        live,
        withContainers(
          { name: "web", image: "web:1" },
          { name: "side", image: "s:1", args: ["x"] },
        ),
        { manager: "ci", now: T2 },
      ),
    );
    const touched = structuredClone(two);
    (containersOf(touched)[1] as Container).image = "s:2";
    const updated = updateManagedFields(two, touched, { manager: "kubectl-edit", now: T2 });
    const one = applied(
      serverSideApply(updated, withContainers({ name: "web", image: "web:1" }), {
        manager: "ci",
        now: T3,
      }),
    );
    expect(containersOf(one)).toEqual([
      { name: "web", image: "web:1" },
      { name: "side", image: "s:2" },
    ]);
  });

  test("a field another manager also owns stays when the applier leaves it out", () => {
    const shared = applied(
      serverSideApply(
        live,
        { ...config({ replicas: 3 }), metadata: { name: "web" } },
        { manager: "scaler", now: T2 },
      ),
    );
    const withReplicas = applied(
      serverSideApply(
        shared,
        config({ replicas: 3, template: (live.spec as { template: unknown }).template }),
        { manager: "ci", now: T2 },
      ),
    );
    expect(entry(withReplicas, "scaler").fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    const without = applied(
      serverSideApply(withReplicas, withContainers({ name: "web", image: "web:1", args: ["a"] }), {
        manager: "ci",
        now: T3,
      }),
    );
    expect((without.spec as { replicas: number }).replicas).toBe(3);
  });
});

describe("conflicts", () => {
  // Created by client-side kubectl apply: an Update entry for kubectl-client-side-apply.
  const live = updateManagedFields(
    undefined,
    {
      ...config({
        replicas: 2,
        template: { spec: { containers: [{ name: "web", image: "web:1" }] } },
      }),
      metadata: { name: "web", namespace: "default" },
    },
    { manager: "kubectl-client-side-apply", now: T1 },
  );

  test("changing a field another manager owns is a conflict, and nothing is written", () => {
    const result = serverSideApply(
      live,
      { ...config({ replicas: 3 }), metadata: { name: "web" } },
      { manager: "kubectl", now: T2 },
    );
    expect(result.conflicts).toEqual([
      {
        owner: { manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1" },
        field: ".spec.replicas",
      },
    ]);
    expect(result.object).toBe(live);
    expect(applyConflictError(result.conflicts).toStatus()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      reason: "Conflict",
      details: {
        causes: [
          {
            reason: "FieldManagerConflict",
            message: 'conflict with "kubectl-client-side-apply" using apps/v1',
            field: ".spec.replicas",
          },
        ],
      },
      code: 409,
    });
  });

  test("force=false, as kubectl sends it, is no force", () => {
    const body = { ...config({ replicas: 3 }), metadata: { name: "web" } };
    const result = serverSideApply(live, body, { manager: "kubectl", now: T2, force: false });
    expect(result.conflicts.map((c) => c.field)).toEqual([".spec.replicas"]);
  });

  test("the same value is no conflict: both managers own the field", () => {
    const object = applied(
      serverSideApply(
        live,
        { ...config({ replicas: 2 }), metadata: { name: "web" } },
        { manager: "kubectl", now: T2 },
      ),
    );
    expect(entry(object, "kubectl").fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    expect(entry(object, "kubectl-client-side-apply").fieldsV1).toMatchObject({
      "f:spec": { "f:replicas": {} },
    });
  });

  test("force takes the field over", () => {
    const object = applied(
      serverSideApply(
        live,
        { ...config({ replicas: 3 }), metadata: { name: "web" } },
        { manager: "kubectl", now: T2, force: true },
      ),
    );
    expect((object.spec as { replicas: number }).replicas).toBe(3);
    expect(entry(object, "kubectl").fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    expect(entry(object, "kubectl-client-side-apply").fieldsV1).toEqual({
      "f:spec": {
        "f:template": {
          "f:spec": {
            "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {} } },
          },
        },
      },
    });
  });

  test("several conflicts are grouped by manager", () => {
    const two = updateManagedFields(
      live,
      { ...live, spec: { ...(live.spec as object), paused: true } },
      { manager: "ops", now: T2 },
    );
    const withOps = applied(
      serverSideApply(
        two,
        { ...config({ minReadySeconds: 5 }), metadata: { name: "web" } },
        { manager: "ops-apply", now: T2 },
      ),
    );
    const result = serverSideApply(
      withOps,
      {
        ...config({
          replicas: 5,
          paused: false,
          minReadySeconds: 9,
          template: { spec: { containers: [{ name: "web", image: "web:2" }] } },
        }),
        metadata: { name: "web" },
      },
      { manager: "kubectl", now: T3 },
    );
    expect(applyConflictError(result.conflicts).statusMessage).toBe(
      [
        'Apply failed with 4 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:',
        "- .spec.replicas",
        '- .spec.template.spec.containers[name="web"].image',
        'conflicts with "ops" using apps/v1:',
        "- .spec.paused",
        'conflicts with "ops-apply":',
        "- .spec.minReadySeconds",
      ].join("\n"),
    );
  });
});

describe("lists", () => {
  test("keyed lists merge by key in the configuration's order; live-only elements keep their place", () => {
    const live = applied(
      serverSideApply(undefined, withContainers({ name: "a" }, { name: "x" }), {
        manager: "other",
        now: T1,
      }),
    );
    const object = applied(
      serverSideApply(live, withContainers({ name: "b" }, { name: "a", image: "a:1" }), {
        manager: "me",
        now: T2,
      }),
    );
    expect(containersOf(object).map((c) => c.name)).toEqual(["b", "a", "x"]);
  });

  test("finalizers merge as a set; atomic lists are replaced", () => {
    const live = applied(
      serverSideApply(
        undefined,
        {
          ...config({ template: { spec: { tolerations: [{ key: "a" }] } } }),
          metadata: { name: "web", finalizers: ["a"] },
        },
        { manager: "other", now: T1 },
      ),
    );
    const object = applied(
      serverSideApply(
        live,
        {
          ...config({ template: { spec: { tolerations: [{ key: "b" }] } } }),
          metadata: { name: "web", finalizers: ["b"] },
        },
        { manager: "me", now: T2, force: true },
      ),
    );
    expect(object.metadata.finalizers).toEqual(["a", "b"]);
    expect((object.spec as { template: { spec: unknown } }).template.spec).toEqual({
      tolerations: [{ key: "b" }],
    });
    expect(entry(object, "me").fieldsV1).toEqual({
      "f:metadata": { "f:finalizers": { 'v:"b"': {} } },
      "f:spec": { "f:template": { "f:spec": { "f:tolerations": {} } } },
    });
  });
});

describe("subresources and scope", () => {
  const live = applied(
    serverSideApply(undefined, config({ replicas: 1 }), { manager: "kubectl", now: T1 }),
  );

  test("the main resource ignores status", () => {
    const object = applied(
      serverSideApply(
        live,
        { ...config({ replicas: 1 }), status: { replicas: 7 } },
        { manager: "kubectl", now: T2 },
      ),
    );
    expect(object).not.toHaveProperty("status");
  });

  test("the status subresource applies only status, in its own entry", () => {
    const object = applied(
      serverSideApply(
        live,
        { ...config({ replicas: 99 }), status: { replicas: 1 } },
        { manager: "controller", now: T2, subresource: "status" },
      ),
    );
    expect(object.spec).toEqual(live.spec);
    expect(object.status).toEqual({ replicas: 1 });
    expect(entry(object, "controller").subresource).toBe("status");
    expect(entry(object, "controller").fieldsV1).toEqual({ "f:status": { "f:replicas": {} } });
  });
});

describe("bad configurations", () => {
  const live = applied(
    serverSideApply(undefined, config({ replicas: 1 }), { manager: "kubectl", now: T1 }),
  );

  test.each([
    [
      "managedFields set",
      { ...config({}), metadata: { name: "web", managedFields: [] } },
      400,
      "metadata.managedFields must be nil",
    ],
    [
      "another version",
      { ...config({}), apiVersion: "apps/v1beta1" },
      400,
      "Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1",
    ],
    [
      "a container without a name",
      withContainers({ image: "x" } as unknown as Container),
      500,
      '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    ],
    [
      "a list",
      [config({})],
      400,
      "error decoding YAML: json: cannot unmarshal array into Go value of type map[string]interface {}",
    ],
  ])("%s", (_name, body, code, message) => {
    const error = failure(() => serverSideApply(live, body, { manager: "kubectl", now: T2 }));
    expect({ code: error.code, message: error.statusMessage }).toEqual({ code, message });
  });

  test("the body may be YAML or JSON, one document", () => {
    expect(parseApplyPatch("apiVersion: v1\nkind: ConfigMap\ndata:\n  a: '1'\n")).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      data: { a: "1" },
    });
    expect(parseApplyPatch('{"apiVersion":"v1"}')).toEqual({ apiVersion: "v1" });
    expect(failure(() => parseApplyPatch("a: 1\n---\nb: 2\n")).statusMessage).toMatch(
      /^error decoding YAML: /,
    );
    expect(failure(() => parseApplyPatch("- 1\n")).code).toBe(400);
  });
});

describe("properties", () => {
  const images = fc.constantFrom("a:1", "a:2", "b:1");
  const containers = fc.uniqueArray(
    fc.record({ name: fc.constantFrom("a", "b", "c", "d"), image: images }),
    {
      selector: (c) => c.name,
      maxLength: 4,
    },
  );

  test("applying a configuration twice is applying it once", () => {
    fc.assert(
      fc.property(containers, containers, (first, second) => {
        const one = applied(
          serverSideApply(undefined, withContainers(...first), { manager: "m", now: T1 }),
        );
        const two = applied(
          serverSideApply(one, withContainers(...second), { manager: "m", now: T2 }),
        );
        expect(
          applied(serverSideApply(two, withContainers(...second), { manager: "m", now: T3 })),
        ).toEqual(two);
      }),
    );
  });

  test("a lone applier's object is exactly its last configuration", () => {
    fc.assert(
      fc.property(containers, containers, (first, second) => {
        const one = applied(
          serverSideApply(undefined, withContainers(...first), { manager: "m", now: T1 }),
        );
        const two = applied(
          serverSideApply(one, withContainers(...second), { manager: "m", now: T2 }),
        );
        const { managedFields: _, ...metadata } = two.metadata;
        expect({ ...two, metadata }).toEqual(withContainers(...second));
      }),
    );
  });

  test("inputs are never mutated", () => {
    fc.assert(
      fc.property(containers, containers, fc.boolean(), (first, second, force) => {
        const live = applied(
          serverSideApply(undefined, withContainers(...first), { manager: "a", now: T1 }),
        );
        const body = withContainers(...second);
        const [liveBefore, bodyBefore] = [structuredClone(live), structuredClone(body)];
        serverSideApply(live, body, { manager: "b", now: T2, force });
        expect(live).toEqual(liveBefore);
        expect(body).toEqual(bodyBefore);
      }),
    );
  });

  test("every field a manager is recorded to own exists, through any mix of applies and updates", () => {
    const exists = (root: unknown, path: FieldPath): boolean => {
      let current = root;
      for (const element of path) {
        if ("field" in element) {
          if (!isObject(current) || !Object.hasOwn(current, element.field)) return false;
          current = current[element.field];
        } else if ("key" in element) {
          const name = (element.key as { name?: unknown }).name;
          current = Array.isArray(current)
            ? current.find((c) => isObject(c) && c.name === name)
            : undefined;
          if (current === undefined) return false;
        } else return false;
      }
      return true;
    };
    const step = fc.record({
      manager: fc.constantFrom("a", "b", "c"),
      apply: fc.boolean(),
      force: fc.boolean(),
      replicas: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      label: fc.option(fc.constantFrom("x", "y"), { nil: undefined }),
      containers,
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
        let live: KubeObject | undefined;
        for (const [i, s] of steps.entries()) {
          const now = `2025-01-01T00:0${i}:00Z`;
          const body = config(
            {
              ...(s.replicas ? { replicas: s.replicas } : {}),
              template: { spec: { containers: s.containers } },
            },
            s.label ? { [s.label]: "v" } : {},
          );
          if (s.apply || !live) {
            const result = serverSideApply(live, body, { manager: s.manager, now, force: s.force });
            if (result.conflicts.length > 0) {
              expect(s.force).toBe(false);
              expect(result.object).toBe(live);
              continue;
            }
            live = result.object;
            for (const c of s.containers)
              expect(containersOf(live)).toContainEqual(expect.objectContaining(c));
          } else {
            live = updateManagedFields(
              live,
              { ...body, metadata: { ...live.metadata, ...body.metadata } },
              { manager: s.manager, now },
            );
          }
          for (const e of live.metadata.managedFields ?? []) {
            for (const path of fromFieldsV1(e.fieldsV1).paths()) {
              expect(exists(live, path), `${e.manager} owns ${pathString(path)}`).toBe(true);
            }
          }
        }
      }),
    );
  });
});
