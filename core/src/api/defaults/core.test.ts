import { describe, expect, it } from "vitest";
import {
  applyEndpointsDefaults,
  applyLimitRangeDefaults,
  applyNamespaceDefaults,
  applyNodeDefaults,
  applyResourceQuotaDefaults,
  applySecretDefaults,
} from "./core.ts";

describe("Namespace defaults", () => {
  it("label the namespace with its name (overwriting a wrong one) and make it Active", () => {
    const ns = applyNamespaceDefaults({
      metadata: { name: "prod", labels: { "kubernetes.io/metadata.name": "other", team: "a" } },
    });
    expect(ns).toEqual({
      metadata: { name: "prod", labels: { "kubernetes.io/metadata.name": "prod", team: "a" } },
      status: { phase: "Active" },
    });
  });

  it("no label without a name (generateName is resolved later)", () => {
    expect(applyNamespaceDefaults({ metadata: { generateName: "tmp-" } }).metadata).toEqual({
      generateName: "tmp-",
    });
  });
});

describe("Secret defaults", () => {
  it("Opaque unless typed", () => {
    expect(applySecretDefaults({} as { type?: string }).type).toBe("Opaque");
    expect(applySecretDefaults({ type: "kubernetes.io/tls" }).type).toBe("kubernetes.io/tls");
  });

  it("stringData is folded into data, base64-encoded, and wins over data", () => {
    const s = applySecretDefaults({
      data: { a: "eA==", b: "eQ==" },
      stringData: { b: "two", c: "three" },
    });
    expect(s).toEqual({ data: { a: "eA==", b: "dHdv", c: "dGhyZWU=" }, type: "Opaque" });
  });
});

describe("Endpoints, Node, ResourceQuota defaults", () => {
  it("endpoint ports are TCP", () => {
    const e = applyEndpointsDefaults({
      subsets: [{ ports: [{ port: 80 }, { port: 53, protocol: "UDP" }] }],
    });
    expect(e.subsets[0]?.ports).toEqual([
      { port: 80, protocol: "TCP" },
      { port: 53, protocol: "UDP" },
    ]);
  });

  it("a node without allocatable can give all its capacity", () => {
    const n = applyNodeDefaults({ status: { capacity: { cpu: "4", memory: "8192Mi" } } });
    expect(n.status).toEqual({
      capacity: { cpu: "4", memory: "8Gi" },
      allocatable: { cpu: "4", memory: "8Gi" },
    });
  });

  it("quota quantities are canonical", () => {
    expect(
      applyResourceQuotaDefaults({ spec: { hard: { "requests.cpu": "1000m", pods: 10 } } }).spec
        .hard,
    ).toEqual({
      "requests.cpu": "1",
      pods: "10",
    });
  });
});

describe("LimitRange defaults", () => {
  it("a container's default limit comes from max, its default request from default, then min", () => {
    const lr = applyLimitRangeDefaults({
      spec: {
        limits: [
          {
            type: "Container",
            max: { cpu: "2" },
            min: { memory: "64Mi" },
            default: { memory: "256Mi" },
          },
        ],
      },
    });
    expect(lr.spec.limits[0]).toEqual({
      type: "Container",
      max: { cpu: "2" },
      min: { memory: "64Mi" },
      default: { memory: "256Mi", cpu: "2" },
      defaultRequest: { memory: "256Mi", cpu: "2" },
    });
  });

  it("only Container items get defaults, and no empty maps appear", () => {
    const lr = applyLimitRangeDefaults({
      spec: { limits: [{ type: "Pod", max: { cpu: "2" } }, { type: "Container" }] },
    });
    expect(lr.spec.limits).toEqual([{ type: "Pod", max: { cpu: "2" } }, { type: "Container" }]);
  });
});
