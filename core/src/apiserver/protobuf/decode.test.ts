import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it, test } from "vitest";
import { decodeDeleteOptionsProtobuf, decodeKubernetesProtobuf } from "./decode.ts";
import {
  ProtobufDecodeError,
  UnsupportedProtobufError,
  UnsupportedProtobufField,
  UnsupportedProtobufType,
} from "./errors.ts";
import { PROTOBUF_KINDS } from "./schema.ts";
import { bytesField, encodeKubernetesProtobuf, encodeMessage } from "./testing.ts";

/** One recorded request; see `about` in the file for how they were captured. */
interface RecordedBody {
  command: string;
  kubectl: string[];
  request: string;
  body: string;
  decoder?: "deleteOptions";
  expected?: unknown;
  unsupported?: { apiVersion: string; kind: string };
}

const { cases } = JSON.parse(
  readFileSync(new URL("./testdata/kubectl-bodies.json", import.meta.url), "utf8"),
) as { cases: RecordedBody[] };
const body = (c: RecordedBody) => Buffer.from(c.body, "base64");
const decoded = cases.filter((c) => c.expected !== undefined);
const refused = cases.filter((c) => c.unsupported !== undefined);

describe("bodies recorded from kubectl", () => {
  test.each(decoded)("$command decodes to the JSON kubectl sends", (c) => {
    const decode =
      c.decoder === "deleteOptions" ? decodeDeleteOptionsProtobuf : decodeKubernetesProtobuf;
    const got = decode(body(c));
    expect(got).toStrictEqual(c.expected);
    // Go prints fields in struct order, and the .proto files keep that order.
    expect(JSON.stringify(got)).toBe(JSON.stringify(c.expected));
  });

  test.each(refused)("$command is refused as $unsupported.apiVersion $unsupported.kind", (c) => {
    const error = catchError(() => decodeKubernetesProtobuf(body(c)));
    expect(error).toBeInstanceOf(UnsupportedProtobufType);
    expect(error).toMatchObject(c.unsupported ?? {});
    expect((error as Error).message).toContain(
      `the protobuf body for ${c.unsupported?.apiVersion} ${c.unsupported?.kind} is not supported by tinykube`,
    );
  });

  it("cover every supported kind kubectl sends", () => {
    const recorded = new Set(decoded.map((c) => kindOf(c.expected)));
    const notSentByKubectl = ["v1 Pod", "apps/v1 ReplicaSet"]; // kubectl run sends JSON
    const supported = PROTOBUF_KINDS.map((k) => `${k.apiVersion} ${k.kind}`);
    expect(supported.filter((k) => !recorded.has(k))).toEqual(notSentByKubectl);
  });
});

describe("kinds kubectl does not send as protobuf", () => {
  it("a Pod decodes like the one in a Deployment's template", () => {
    const raw = encodeMessage("k8s.io.api.core.v1.Pod", {
      metadata: { name: "p", namespace: "default", creationTimestamp: {} },
      spec: {
        containers: [{ name: "c", image: "busybox", command: ["sleep", "1"], resources: {} }],
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 0,
      },
      status: {},
    });
    expect(decodeKubernetesProtobuf(encodeKubernetesProtobuf("v1", "Pod", raw))).toStrictEqual({
      kind: "Pod",
      apiVersion: "v1",
      metadata: { name: "p", namespace: "default", creationTimestamp: null },
      spec: {
        containers: [{ name: "c", image: "busybox", command: ["sleep", "1"], resources: {} }],
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 0,
      },
      status: {},
    });
  });

  it("a ReplicaSet keeps status.replicas: 0, which has no omitempty", () => {
    const raw = encodeMessage("k8s.io.api.apps.v1.ReplicaSet", {
      metadata: { name: "rs" },
      spec: { replicas: 2, selector: { matchLabels: { app: "web" } } },
      status: { replicas: 0, readyReplicas: 0 },
    });
    expect(
      decodeKubernetesProtobuf(encodeKubernetesProtobuf("apps/v1", "ReplicaSet", raw)),
    ).toStrictEqual({
      kind: "ReplicaSet",
      apiVersion: "apps/v1",
      metadata: { name: "rs" },
      spec: { replicas: 2, selector: { matchLabels: { app: "web" } } },
      status: { replicas: 0 },
    });
  });
});

describe("what the decoder refuses", () => {
  const namespace = encodeMessage("k8s.io.api.core.v1.Namespace", { metadata: { name: "x" } });

  it("a body without the magic, such as JSON sent with the protobuf content type", () => {
    const error = catchError(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Namespace"}')));
    expect(error).toBeInstanceOf(ProtobufDecodeError);
    expect((error as Error).message).toBe(
      'not a Kubernetes protobuf body: expected it to start with 6b 38 73 00 ("k8s\\0"), got 7b 22 6b 69',
    );
    expect(catchError(() => decodeKubernetesProtobuf(Buffer.alloc(0)))).toMatchObject({
      message: expect.stringContaining("got an empty body"),
    });
  });

  it("an envelope that does not name the object's type", () => {
    expect(
      catchError(() => decodeKubernetesProtobuf(Buffer.from("k8s\0", "latin1"))),
    ).toMatchObject({
      name: "ProtobufDecodeError",
      message: 'the envelope must name the object\'s type, got apiVersion "" and kind ""',
    });
  });

  it("a compressed or non-protobuf payload inside the envelope", () => {
    const gzip = encodeKubernetesProtobuf("v1", "Namespace", namespace, {
      contentEncoding: "gzip",
    });
    expect(catchError(() => decodeKubernetesProtobuf(gzip))).toMatchObject({
      name: "ProtobufDecodeError",
      message: 'the envelope\'s contentEncoding must be empty, got "gzip"',
    });
    const json = encodeKubernetesProtobuf("v1", "Namespace", namespace, {
      contentType: "application/json",
    });
    expect(catchError(() => decodeKubernetesProtobuf(json))).toBeInstanceOf(ProtobufDecodeError);
  });

  it("a DeleteOptions where an object belongs, and an object where DeleteOptions belong", () => {
    const options = encodeKubernetesProtobuf("v1", "DeleteOptions", new Uint8Array(0));
    expect(catchError(() => decodeKubernetesProtobuf(options))).toBeInstanceOf(
      UnsupportedProtobufType,
    );
    const object = encodeKubernetesProtobuf("v1", "Namespace", namespace);
    expect(catchError(() => decodeDeleteOptionsProtobuf(object))).toMatchObject({
      name: "ProtobufDecodeError",
      message: "expected a DeleteOptions body, got v1 Namespace",
    });
  });

  it("a field tinykube leaves out, with where it is", () => {
    const deployment = encodeMessage("k8s.io.api.apps.v1.Deployment", {
      metadata: { name: "web" },
    });
    // A second spec merges into the first: spec(2).template(3).spec(2).volumes(1) = [{ name: "v" }].
    // Volumes are PodSpec field 1, which tinykube does not model.
    const volumes = bytesField(1, bytesField(1, "v"));
    const withVolumes = Buffer.concat([
      deployment,
      bytesField(2, bytesField(3, bytesField(2, volumes))),
    ]);
    const error = catchError(() =>
      decodeKubernetesProtobuf(encodeKubernetesProtobuf("apps/v1", "Deployment", withVolumes)),
    );
    expect(error).toBeInstanceOf(UnsupportedProtobufField);
    expect(error).toMatchObject({
      messageType: "k8s.io.api.core.v1.PodSpec",
      fieldNumber: 1,
      path: "spec.template.spec",
      message:
        "the protobuf body sets field 1 of k8s.io.api.core.v1.PodSpec (at spec.template.spec), " +
        "which tinykube does not decode; send the object as JSON instead",
    });
  });

  it("every truncation of a real body: a shorter object or a ProtobufDecodeError", () => {
    const deployment = body(
      cases.find((c) => c.command.includes("deployment web")) as RecordedBody,
    );
    const outcomes = new Set<string>();
    for (let length = 0; length < deployment.length; length++) {
      outcomes.add(outcome(() => decodeKubernetesProtobuf(deployment.subarray(0, length))));
    }
    expect(outcomes).toContain("ProtobufDecodeError");
    expect([...outcomes].every((o) => o === "ok" || o === "ProtobufDecodeError")).toBe(true);
  });

  it("random bytes, with and without the magic: only the decoder's own errors", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (magic, bytes) => {
        const input = magic ? Buffer.concat([Buffer.from("k8s\0", "latin1"), bytes]) : bytes;
        expect(["ok", "ProtobufDecodeError", "Unsupported"]).toContain(
          outcome(() => decodeKubernetesProtobuf(input)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("real bodies with bytes changed: only the decoder's own errors", () => {
    const bodies = decoded.map(body);
    fc.assert(
      fc.property(
        fc.constantFrom(...bodies),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (original, changes) => {
          const changed = Buffer.from(original);
          for (const [at, value] of changes) changed[at % changed.length] = value;
          expect(["ok", "ProtobufDecodeError", "Unsupported"]).toContain(
            outcome(() => decodeKubernetesProtobuf(changed)),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });
});

function kindOf(object: unknown): string {
  const { apiVersion, kind } = object as { apiVersion: string; kind: string };
  return `${apiVersion} ${kind}`;
}

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, but the call returned");
}

/** "ok", "ProtobufDecodeError", "Unsupported", or the unexpected error itself (fails the test). */
function outcome(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (error) {
    if (error instanceof ProtobufDecodeError) return "ProtobufDecodeError";
    if (error instanceof UnsupportedProtobufError) return "Unsupported";
    return `unexpected ${String(error)}`;
  }
}
