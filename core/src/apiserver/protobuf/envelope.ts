/**
 * The envelope of a Kubernetes protobuf body: the magic "k8s\0", then a runtime.Unknown whose
 * typeMeta names the kind and whose raw bytes are the object's own message. The kind is outside
 * the object because a protobuf message does not say what type it is.
 *
 * `kubectl create namespace x` sends:
 *
 *   6b 38 73 00                    "k8s\0"
 *   0a 0f                          field 1 (typeMeta), 15 bytes:
 *     0a 02 76 31                    apiVersion "v1"
 *     12 09 4e 61 6d 65 ...          kind "Namespace"
 *   12 19 0a 11 0a 01 78 ...       field 2 (raw), 25 bytes: a k8s.io.api.core.v1.Namespace
 *   1a 00                          field 3 (contentEncoding) ""
 *   22 00                          field 4 (contentType) ""
 */
import { ProtobufDecodeError } from "./errors.ts";
import { messageType } from "./schema.ts";
import { readFields, type WireFields } from "./wire.ts";

export const KUBERNETES_PROTOBUF = "application/vnd.kubernetes.protobuf";

const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** True for a Content-Type of `application/vnd.kubernetes.protobuf`, with or without parameters. */
export function isKubernetesProtobuf(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(";", 1)[0]?.trim().toLowerCase();
  return mediaType === KUBERNETES_PROTOBUF;
}

export interface Envelope {
  apiVersion: string;
  kind: string;
  /** The object's message, to be read as the type that apiVersion and kind name. */
  raw: Uint8Array;
}

export function readEnvelope(body: Uint8Array): Envelope {
  if (body.length < MAGIC.length || !MAGIC.every((byte, i) => body[i] === byte)) {
    throw new ProtobufDecodeError(
      `not a Kubernetes protobuf body: expected it to start with 6b 38 73 00 ("k8s\\0"), got ${hex(body.subarray(0, 4))}`,
    );
  }
  const unknown = readFields(
    messageType("k8s.io.apimachinery.pkg.runtime.Unknown"),
    body.subarray(MAGIC.length),
    "",
  );
  const typeMeta = readFields(
    messageType("k8s.io.apimachinery.pkg.runtime.TypeMeta"),
    Buffer.concat((unknown.get(1) ?? []) as Uint8Array[]), // a repeated message merges
    "typeMeta",
  );
  const apiVersion = lastString(typeMeta, 1);
  const kind = lastString(typeMeta, 2);
  if (apiVersion === "" || kind === "") {
    throw new ProtobufDecodeError(
      `the envelope must name the object's type, got apiVersion ${JSON.stringify(apiVersion)} and kind ${JSON.stringify(kind)}`,
    );
  }
  const contentEncoding = lastString(unknown, 3);
  if (contentEncoding !== "") {
    throw new ProtobufDecodeError(
      `the envelope's contentEncoding must be empty, got ${JSON.stringify(contentEncoding)}`,
    );
  }
  const contentType = lastString(unknown, 4);
  if (contentType !== "" && contentType !== KUBERNETES_PROTOBUF) {
    throw new ProtobufDecodeError(
      `the envelope's contentType must be empty or ${KUBERNETES_PROTOBUF}, got ${JSON.stringify(contentType)}`,
    );
  }
  const raw = unknown.get(2);
  return { apiVersion, kind, raw: (raw?.[raw.length - 1] ?? new Uint8Array(0)) as Uint8Array };
}

function lastString(fields: WireFields, number: number): string {
  const values = fields.get(number);
  return (values?.[values.length - 1] ?? "") as string;
}

function hex(bytes: Uint8Array): string {
  if (bytes.length === 0) return "an empty body";
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(" ");
}
