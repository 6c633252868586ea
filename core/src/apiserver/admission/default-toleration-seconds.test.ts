/**
 * DefaultTolerationSeconds: which tolerations it adds on plain lists, which requests it touches,
 * and then over HTTPS: a created pod carries both defaults, as the API and kubectl show them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/object.ts";
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import type { Toleration } from "../../api/types.ts";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";
import { findKubectl, runKubectl } from "../../testing/kubectl.ts";
import type { AdmissionRequest } from "../server.ts";
import {
  defaultTolerationSeconds,
  newDefaultTolerationSeconds,
  withDefaultTolerations,
} from "./default-toleration-seconds.ts";

const NOT_READY: Toleration = {
  key: "node.kubernetes.io/not-ready",
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: 300,
};
const UNREACHABLE: Toleration = {
  key: "node.kubernetes.io/unreachable",
  operator: "Exists",
  effect: "NoExecute",
  tolerationSeconds: 300,
};

describe("withDefaultTolerations", () => {
  it.each<[string, Toleration[], Toleration[]]>([
    ["none: both defaults", [], [NOT_READY, UNREACHABLE]],
    [
      "an unrelated toleration: kept first, both defaults after it",
      [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
      [
        { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" },
        NOT_READY,
        UNREACHABLE,
      ],
    ],
    [
      "not-ready:NoExecute tolerated forever: kept, only unreachable added",
      [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" }],
      [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
        UNREACHABLE,
      ],
    ],
    [
      "unreachable with its own 10 s: kept, only not-ready added",
      [
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 10,
        },
      ],
      [
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 10,
        },
        NOT_READY,
      ],
    ],
    [
      "a toleration of the key with every effect (empty effect): counts",
      [{ key: "node.kubernetes.io/unreachable", operator: "Exists" }],
      [{ key: "node.kubernetes.io/unreachable", operator: "Exists" }, NOT_READY],
    ],
    [
      "the key with another effect: does not count",
      [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" }],
      [
        { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" },
        NOT_READY,
        UNREACHABLE,
      ],
    ],
    [
      "an empty key with NoExecute (tolerates every NoExecute taint): nothing added",
      [{ operator: "Exists", effect: "NoExecute" }],
      [{ operator: "Exists", effect: "NoExecute" }],
    ],
    ["tolerate everything: nothing added", [{ operator: "Exists" }], [{ operator: "Exists" }]],
    [
      "an empty key with NoSchedule: does not count",
      [{ operator: "Exists", effect: "NoSchedule" }],
      [{ operator: "Exists", effect: "NoSchedule" }, NOT_READY, UNREACHABLE],
    ],
  ])("%s", (_, tolerations, expected) => {
    const before = structuredClone(tolerations);
    expect(withDefaultTolerations(tolerations)).toEqual(expected);
    expect(tolerations).toEqual(before);
  });

  it("takes its seconds from the options (the two kube-apiserver flags)", () => {
    expect(withDefaultTolerations([], { notReadySeconds: 60, unreachableSeconds: 120 })).toEqual([
      { ...NOT_READY, tolerationSeconds: 60 },
      { ...UNREACHABLE, tolerationSeconds: 120 },
    ]);
  });
});

describe("the plugin", () => {
  const typeOf = (resource: string) =>
    BUILTIN_TYPES.find((t) => t.group === "" && t.resource === resource) as ResourceType;
  const pod = (): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "ns" },
    spec: { containers: [{ name: "app", image: "nginx" }] },
  });
  const admit = (
    resource: string,
    operation: AdmissionRequest["operation"],
    subresource = "",
    plugin = defaultTolerationSeconds,
  ) => {
    const object = pod();
    plugin.mutate?.({
      type: typeOf(resource),
      operation,
      subresource,
      object,
      oldObject: operation === "UPDATE" ? pod() : undefined,
    } as AdmissionRequest);
    return (object.spec as { tolerations?: Toleration[] }).tolerations;
  };

  it("is named as in kube-apiserver's --enable-admission-plugins", () => {
    expect(defaultTolerationSeconds.name).toBe("DefaultTolerationSeconds");
    expect(defaultTolerationSeconds.validate).toBeUndefined();
  });

  it("adds the defaults to pods on create and on update", () => {
    expect(admit("pods", "CREATE")).toEqual([NOT_READY, UNREACHABLE]);
    expect(admit("pods", "UPDATE")).toEqual([NOT_READY, UNREACHABLE]);
  });

  it("leaves subresources, deletes and other resources alone", () => {
    expect(admit("pods", "UPDATE", "status")).toBeUndefined();
    expect(admit("pods", "DELETE")).toBeUndefined();
    expect(admit("services", "CREATE")).toBeUndefined();
  });

  it("uses the seconds it was made with", () => {
    const plugin = newDefaultTolerationSeconds({ notReadySeconds: 30 });
    expect(admit("pods", "CREATE", "", plugin)).toEqual([
      { ...NOT_READY, tolerationSeconds: 30 },
      UNREACHABLE,
    ]);
  });
});

describe("through the API server", () => {
  let api: TestApiServer;
  beforeAll(async () => {
    api = await startTestApiServer();
  });
  afterAll(async () => {
    await api?.stop();
  });

  const createPod = (name: string, tolerations?: Toleration[]) =>
    api.request("POST", "/api/v1/namespaces/default/pods", {
      body: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name },
        spec: {
          containers: [{ name: "app", image: "nginx" }],
          ...(tolerations ? { tolerations } : {}),
        },
      },
    });

  it("stores a new pod with both tolerations, and keeps them through an update", async () => {
    const created = await createPod("web");
    expect(created.status).toBe(201);
    expect(created.json<{ spec: { tolerations: Toleration[] } }>().spec.tolerations).toEqual([
      NOT_READY,
      UNREACHABLE,
    ]);
    const path = "/api/v1/namespaces/default/pods/web";
    const patched = await api.request("PATCH", path, {
      body: { metadata: { labels: { app: "web" } } },
      contentType: "application/merge-patch+json",
    });
    expect(patched.status).toBe(200);
    expect(patched.json<{ spec: { tolerations: Toleration[] } }>().spec.tolerations).toEqual([
      NOT_READY,
      UNREACHABLE,
    ]);
  });

  it("keeps a pod's own not-ready toleration and adds only unreachable", async () => {
    const own: Toleration = {
      key: "node.kubernetes.io/not-ready",
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 30,
    };
    const created = await createPod("quick", [own]);
    expect(created.status).toBe(201);
    expect(created.json<{ spec: { tolerations: Toleration[] } }>().spec.tolerations).toEqual([
      own,
      UNREACHABLE,
    ]);
  });

  it("shows both in kubectl describe pod", async () => {
    await createPod("described");
    const result = await runKubectl(["describe", "pod", "described", "-n", "default"], {
      kubeconfig: api.kubeconfigPath,
      kubectl: findKubectl().path,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(
      /^Tolerations:\s+node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s\n\s+node\.kubernetes\.io\/unreachable:NoExecute op=Exists for 300s$/m,
    );
  });
});
