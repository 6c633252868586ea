import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";

const meta = (name: string) => ({ name, namespace: "default", creationTimestamp: ago("45s") });

describe("config maps", () => {
  it("count data and binaryData keys together", () => {
    expect(columnNames("/ConfigMap")).toEqual(["Name", "Data", "Age"]);
    const cm: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta("settings"),
      data: { "app.properties": "a=1", "log.level": "debug" },
      binaryData: { "logo.png": "iVBORw0KGgo=" },
    };
    expect(cellsOf("/ConfigMap", cm)).toEqual(["settings", 3, "45s"]);
    expect(
      cellsOf("/ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: meta("empty") }),
    ).toEqual(["empty", 0, "45s"]);
  });
});

describe("secrets", () => {
  it("show their type and how many keys they hold", () => {
    expect(columnNames("/Secret")).toEqual(["Name", "Type", "Data", "Age"]);
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta("db"),
      type: "Opaque",
      data: { username: "YWRtaW4=", password: "czNjcjN0" },
    };
    expect(cellsOf("/Secret", secret)).toEqual(["db", "Opaque", 2, "45s"]);
    const tls: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta("web-tls"),
      type: "kubernetes.io/tls",
      data: { "tls.crt": "", "tls.key": "" },
    };
    expect(cellsOf("/Secret", tls)).toEqual(["web-tls", "kubernetes.io/tls", 2, "45s"]);
  });
});

describe("service accounts", () => {
  it("count their secrets", () => {
    expect(columnNames("/ServiceAccount")).toEqual(["Name", "Secrets", "Age"]);
    const sa: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("default") };
    expect(cellsOf("/ServiceAccount", sa)).toEqual(["default", 0, "45s"]);
    expect(cellsOf("/ServiceAccount", { ...sa, secrets: [{ name: "builder-token" }] })).toEqual([
      "default",
      1,
      "45s",
    ]);
  });
});
