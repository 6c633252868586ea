import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { KubeObject } from "../object.ts";
import { PatchError } from "./errors.ts";
import { applyMergePatch } from "./merge-patch.ts";
import { groupKindOf } from "./patch-meta.ts";
import { STRATEGIC_MERGE_PATCH } from "./patch-types.ts";
import { strategicMergeCases } from "./strategic-merge.cases.ts";
import { applyStrategicMergePatch } from "./strategic-merge.ts";

function attempt(fn: () => unknown): { result: unknown } | { error: PatchError } {
  try {
    return { result: fn() };
  } catch (error) {
    if (error instanceof PatchError) return { error };
    throw error;
  }
}

describe("strategic merge patch, case by case (checked against kubectl 1.32)", () => {
  test.each(strategicMergeCases)("$name", ({ kindKey, object, patch, expected, error }) => {
    const outcome = attempt(() => applyStrategicMergePatch(kindKey, object, patch));
    if (error) {
      expect(outcome).toHaveProperty("error");
      const e = (outcome as { error: PatchError }).error;
      expect({ code: e.code, message: e.detail }).toEqual(error);
    } else {
      expect(outcome).toEqual({ result: expected });
    }
  });
});

interface ApplyFixture {
  name: string;
  request: { method: string; url: string; contentType: string };
  live: KubeObject;
  manifest: KubeObject;
  patch: Record<string, unknown>;
  expected: KubeObject;
}

const fixtureDir = new URL("./testdata/kubectl-apply/", import.meta.url);
const fixtures: ApplyFixture[] = readdirSync(fixtureDir)
  .filter((file) => file.endsWith(".json"))
  .map((file) => JSON.parse(readFileSync(new URL(file, fixtureDir), "utf8")) as ApplyFixture);
const fixture = (name: string) => fixtures.find((f) => f.name === name) as ApplyFixture;

// Each fixture holds the PATCH kubectl 1.32 `apply` sent for a changed manifest (captured from a
// probe server that served the live object), and the object kubectl's own library makes of it.
describe("patches real kubectl apply sends", () => {
  const apply = (f: ApplyFixture) =>
    f.request.contentType === STRATEGIC_MERGE_PATCH
      ? applyStrategicMergePatch(groupKindOf(f.live), f.live, f.patch)
      : applyMergePatch(f.live, f.patch);

  test.each(fixtures)("$name", (f) => {
    expect(apply(f)).toEqual(f.expected);
  });

  test.each(fixtures)("$name: applying the same patch again changes nothing", (f) => {
    const once = apply(f);
    expect(
      f.request.contentType === STRATEGIC_MERGE_PATCH
        ? applyStrategicMergePatch(groupKindOf(once), once, f.patch)
        : applyMergePatch(once, f.patch),
    ).toEqual(once);
  });

  test("a new image: kubectl sends the container by name and $setElementOrder, defaults survive", () => {
    const f = fixture("deployment-image");
    const spec = f.patch.spec as { template: { spec: Record<string, unknown> } };
    expect(spec.template.spec).toEqual({
      "$setElementOrder/containers": [{ name: "web" }],
      containers: [{ image: "nginx:1.27", name: "web" }],
    });
    const [container] = (
      apply(f).spec as { template: { spec: { containers: Record<string, unknown>[] } } }
    ).template.spec.containers;
    expect(container).toMatchObject({
      image: "nginx:1.27",
      imagePullPolicy: "IfNotPresent",
      ports: [{ containerPort: 80, protocol: "TCP" }],
    });
  });

  test("a plain merge patch of the same change would drop the server's defaults", () => {
    const f = fixture("deployment-image");
    const asMergePatch = applyMergePatch(f.live, f.patch);
    const container = (
      asMergePatch.spec as { template: { spec: { containers: Record<string, unknown>[] } } }
    ).template.spec.containers[0];
    expect(container).toEqual({ image: "nginx:1.27", name: "web" });
  });

  test("fields nobody declared stay: a controller's annotation, a finalizer, status", () => {
    const shop = apply(fixture("deployment-containers-env"));
    expect(shop.metadata.annotations).toHaveProperty("example.com/owned-by-controller", "yes");
    expect(shop.metadata.annotations).not.toHaveProperty("note");
    expect(shop.status).toEqual(fixture("deployment-containers-env").live.status);
    const settings = apply(fixture("configmap-finalizers-data"));
    expect(settings.metadata.finalizers).toEqual([
      "example.com/b",
      "example.com/c",
      "kubernetes.io/other-controller",
    ]);
  });

  test("an atomic list is replaced: a toleration added by admission is lost", () => {
    const pod = apply(fixture("pod-tolerations"));
    expect((pod.spec as { tolerations: unknown[] }).tolerations).toEqual(
      (fixture("pod-tolerations").manifest.spec as { tolerations: unknown[] }).tolerations,
    );
  });

  test("for a custom resource kubectl falls back to a JSON merge patch", () => {
    expect(fixture("custom-resource-merge-patch").request.contentType).toBe(
      "application/merge-patch+json",
    );
  });
});

interface OracleFile {
  kindKey: string;
  cases: { object: KubeObject; patch: unknown; expected: unknown }[];
}

describe("random patches, compared with kubectl 1.32's strategic merge patch", () => {
  const oracle = JSON.parse(
    readFileSync(new URL("./testdata/smp-kubectl-oracle.json", import.meta.url), "utf8"),
  ) as OracleFile;
  test.each(oracle.cases.map((c, i) => ({ ...c, i })))("case $i", ({ object, patch, expected }) => {
    expect(applyStrategicMergePatch(oracle.kindKey, object, patch)).toEqual(expected);
  });
});

describe("kinds without patch metadata", () => {
  const widget: KubeObject = {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w", finalizers: ["a"] },
    spec: { parts: [{ name: "a", count: 1 }, { name: "b" }] },
  };

  test("every list is replaced, directives still apply", () => {
    const result = applyStrategicMergePatch("Widget.example.com", widget, {
      metadata: { finalizers: ["b"] },
      spec: { parts: [{ name: "a", count: 2 }], $retainKeys: ["parts"] },
    });
    expect(result).toEqual({
      ...widget,
      metadata: { name: "w", finalizers: ["b"] },
      spec: { parts: [{ name: "a", count: 2 }] },
    });
  });
});

describe("the request body", () => {
  const object: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c" },
    data: { a: "1" },
  };

  test("null decodes to an empty patch", () => {
    expect(applyStrategicMergePatch("ConfigMap", object, null)).toEqual(object);
  });

  test.each([
    [[1], "json: cannot unmarshal array into Go value of type map[string]interface {}"],
    ["x", "json: cannot unmarshal string into Go value of type map[string]interface {}"],
  ])("%j is a bad request", (patch, message) => {
    const outcome = attempt(() => applyStrategicMergePatch("ConfigMap", object, patch));
    expect((outcome as { error: PatchError }).error.toStatus()).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message,
    });
  });

  test("an error the API server does not classify is a 500 without a reason", () => {
    const outcome = attempt(() =>
      applyStrategicMergePatch("ConfigMap", object, { metadata: { $patch: "merge" } }),
    );
    const status = (outcome as { error: PatchError }).error.toStatus();
    expect(status).toMatchObject({
      code: 500,
      message: "unknown patch type: merge in map: map[$patch:merge]",
    });
    expect(status).not.toHaveProperty("reason");
  });

  test('a member named "__proto__" is an ordinary member', () => {
    const withProto = JSON.parse(
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"__proto__":"x"}}',
    );
    const result = applyStrategicMergePatch(
      "ConfigMap",
      withProto,
      JSON.parse('{"data":{"__proto__":"y","b":"2"}}'),
    );
    expect(Object.keys(result.data as object)).toEqual(["__proto__", "b"]);
    expect(Object.getPrototypeOf(result.data)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result.data, "__proto__")?.value).toBe("y");
  });
});

describe("properties", () => {
  // Objects without lists and without "$" members: no metadata and no directive can apply.
  const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, fc.string(), fc.integer(), fc.boolean(), tie("object")),
    object: fc.dictionary(
      fc.string({ maxLength: 4 }).filter((k) => !k.startsWith("$")),
      tie("value"),
      { maxKeys: 4 },
    ),
  })).object;
  const patches: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.string(),
      fc.integer(),
      tie("object"),
    ),
    object: fc.dictionary(
      fc.string({ maxLength: 4 }).filter((k) => !k.startsWith("$")),
      tie("value"),
      { maxKeys: 4 },
    ),
  })).object;

  test("without lists and directives, a strategic merge patch is a JSON merge patch", () => {
    fc.assert(
      fc.property(plain, patches, (spec, patch) => {
        const object = {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "d" },
          spec,
        } as KubeObject;
        expect(applyStrategicMergePatch("Deployment.apps", object, { spec: patch })).toEqual(
          applyMergePatch(object, { spec: patch }),
        );
      }),
    );
  });

  test("inputs are never mutated", () => {
    fc.assert(
      fc.property(fc.constantFrom(...strategicMergeCases), ({ kindKey, object, patch }) => {
        const [objectBefore, patchBefore] = [structuredClone(object), structuredClone(patch)];
        attempt(() => applyStrategicMergePatch(kindKey, object, patch));
        expect(object).toEqual(objectBefore);
        expect(patch).toEqual(patchBefore);
      }),
      { numRuns: strategicMergeCases.length * 2 },
    );
  });
});
