import { describe, expect, it, test } from "vitest";
import { isKubernetesProtobuf, readEnvelope } from "./envelope.ts";
import { ProtobufDecodeError } from "./errors.ts";
import { encodeKubernetesProtobuf } from "./testing.ts";

describe("isKubernetesProtobuf", () => {
  test.each([
    ["application/vnd.kubernetes.protobuf", true],
    ["application/vnd.kubernetes.protobuf; charset=binary", true],
    ["Application/VND.Kubernetes.Protobuf", true],
    ["application/json", false],
    ["application/vnd.kubernetes.protobuf+json", false],
    ["application/strategic-merge-patch+json", false],
    ["", false],
    [undefined, false],
  ])("%s -> %s", (contentType, expected) => {
    expect(isKubernetesProtobuf(contentType)).toBe(expected);
  });
});

describe("readEnvelope", () => {
  it("reads what `kubectl create namespace x` sends", () => {
    // Recorded from kubectl 1.32 (testdata/kubectl-bodies.json, first case).
    const body = Buffer.from(
      "6b3873000a0f0a02763112094e616d65737061636512190a110a017812001a0022002a0032003800420012001a020a001a002200",
      "hex",
    );
    const { apiVersion, kind, raw } = readEnvelope(body);
    expect({ apiVersion, kind }).toEqual({ apiVersion: "v1", kind: "Namespace" });
    expect(Buffer.from(raw).toString("hex")).toBe(
      "0a110a017812001a0022002a0032003800420012001a020a00",
    );
  });

  it("accepts the protobuf media type as the envelope's contentType", () => {
    const body = encodeKubernetesProtobuf("v1", "Namespace", Uint8Array.of(0x0a, 0x00), {
      contentType: "application/vnd.kubernetes.protobuf",
    });
    expect(Buffer.from(readEnvelope(body).raw).toString("hex")).toBe("0a00");
  });

  it("names the first bytes it got when the magic is missing", () => {
    expect(() => readEnvelope(Buffer.from("k8s"))).toThrow(
      new ProtobufDecodeError(
        'not a Kubernetes protobuf body: expected it to start with 6b 38 73 00 ("k8s\\0"), got 6b 38 73',
      ),
    );
  });
});
