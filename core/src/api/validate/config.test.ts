import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const configMap: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "default" },
  data: { "app.properties": "mode=prod", LOG_LEVEL: "info" },
  binaryData: { "logo.png": Buffer.from([0x89, 0x50]).toString("base64") },
};

const secret: KubeObject = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "creds", namespace: "default" },
  data: { password: Buffer.from("s3cret").toString("base64") },
};

const KEY_MESSAGE =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

describe("ConfigMap validation", () => {
  it("accepts a valid ConfigMap", () => {
    expect(createErrors(configMap)).toEqual([]);
  });

  it.each<[string, (c: Json) => void, string[]]>([
    [
      "a key with a slash",
      (c) => (c.data["conf/app"] = "x"),
      [`data[conf/app]: Invalid value: "conf/app": ${KEY_MESSAGE}`],
    ],
    [
      "the key '..'",
      (c) => (c.data[".."] = "x"),
      ["data[..]: Invalid value: \"..\": must not be '..'"],
    ],
    [
      "a key in both data and binaryData",
      (c) => (c.data["logo.png"] = "x"),
      ['data[logo.png]: Invalid value: "logo.png": duplicate of key present in binaryData'],
    ],
    [
      "more than 1 MiB of values",
      (c) => (c.data.big = "x".repeat(1024 * 1024)),
      [": Too long: may not be more than 1048576 bytes"],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(configMap, edit))).toEqual(expected);
  });

  it("an immutable ConfigMap keeps its data and stays immutable", () => {
    const frozen = edited(configMap, (c) => (c.immutable = true));
    expect(
      updateErrors(
        edited(frozen, (c) => (c.metadata.labels = { a: "b" })),
        frozen,
      ),
    ).toEqual([]);
    expect(
      updateErrors(
        edited(frozen, (c) => (c.data.LOG_LEVEL = "debug")),
        frozen,
      ),
    ).toEqual(["data: Forbidden: field is immutable when `immutable` is set"]);
    expect(
      updateErrors(
        edited(frozen, (c) => (c.immutable = false)),
        frozen,
      ),
    ).toEqual(["immutable: Forbidden: field is immutable when `immutable` is set"]);
    expect(
      updateErrors(
        edited(configMap, (c) => (c.data.LOG_LEVEL = "debug")),
        configMap,
      ),
    ).toEqual([]);
  });
});

describe("Secret validation", () => {
  it("accepts a valid Secret, and one given as stringData", () => {
    expect(createErrors(secret)).toEqual([]);
    expect(
      createErrors({ ...secret, data: undefined, stringData: { password: "s3cret" } }),
    ).toEqual([]);
  });

  it.each<[string, (s: Json) => void, string[]]>([
    [
      "a key with a space",
      (s) => (s.data["my key"] = ""),
      [`data[my key]: Invalid value: "my key": ${KEY_MESSAGE}`],
    ],
    [
      "a TLS secret without its key pair",
      (s) => (s.type = "kubernetes.io/tls"),
      ["data[tls.crt]: Required value", "data[tls.key]: Required value"],
    ],
    [
      "a dockerconfigjson secret that is not JSON",
      (s) => {
        s.type = "kubernetes.io/dockerconfigjson";
        s.data[".dockerconfigjson"] = Buffer.from("{not json").toString("base64");
      },
      [
        expect.stringMatching(
          /^data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": /,
        ),
      ],
    ],
    [
      "a service account token without its account",
      (s) => (s.type = "kubernetes.io/service-account-token"),
      ["metadata.annotations[kubernetes.io/service-account.name]: Required value"],
    ],
    [
      "more than 1 MiB once decoded",
      (s) => (s.data.big = Buffer.alloc(1024 * 1024).toString("base64")),
      ["data: Too long: may not be more than 1048576 bytes"],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(secret, edit))).toEqual(expected);
  });

  it("the type never changes; an immutable Secret keeps its data", () => {
    expect(
      updateErrors(
        edited(secret, (s) => (s.type = "kubernetes.io/basic-auth")),
        secret,
      ),
    ).toEqual(['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
    const frozen = edited(secret, (s) => (s.immutable = true));
    expect(
      updateErrors(
        edited(frozen, (s) => (s.data.password = "eA==")),
        frozen,
      ),
    ).toEqual(["data: Forbidden: field is immutable when `immutable` is set"]);
  });
});
