/**
 * Decoding the protobuf bodies kubectl 1.32+ sends into the JSON objects the API server handles.
 *
 * kubectl's typed commands (`create namespace|deployment|configmap|...`, `auth whoami`,
 * `auth can-i`) send `application/vnd.kubernetes.protobuf` and do not retry as JSON after a 415,
 * so the server must read them. The result is the object kubectl 1.31 sent as JSON for the same
 * command, field for field (checked against recorded bodies in decode.test.ts), including Go's
 * quirks: `"creationTimestamp": null`, `"status": {}`, `"rules": null`.
 *
 * Errors: ProtobufDecodeError for a malformed body (400), UnsupportedProtobufType and
 * UnsupportedProtobufField for what tinykube has no schema for (415). Nothing else is thrown.
 */
import type { DeleteOptions, KubeObject, ObjectMeta, TypeMeta } from "../../api/object.ts";
import { readEnvelope } from "./envelope.ts";
import { ProtobufDecodeError, UnsupportedProtobufType } from "./errors.ts";
import { messageToJson } from "./json.ts";
import { messageType, objectMessage } from "./schema.ts";

/** An object (Namespace, Deployment, SelfSubjectAccessReview, ...) from a create or update body. */
export function decodeKubernetesProtobuf(body: Uint8Array): KubeObject {
  const { apiVersion, kind, raw } = readEnvelope(body);
  const type = objectMessage(apiVersion, kind);
  if (type === undefined) throw new UnsupportedProtobufType(apiVersion, kind);
  const json = messageToJson(type, raw, "") as Record<string, unknown>;
  // ObjectMeta is a non-pointer struct in every kind, so Go always prints it.
  const metadata = (json.metadata ?? {}) as ObjectMeta;
  return { kind, apiVersion, ...json, metadata };
}

/**
 * The DeleteOptions of a DELETE body (`kubectl drain --disable-eviction` sends one). Kubernetes
 * registers DeleteOptions in every group version, so any apiVersion is accepted.
 */
export function decodeDeleteOptionsProtobuf(body: Uint8Array): DeleteOptions & TypeMeta {
  const { apiVersion, kind, raw } = readEnvelope(body);
  if (kind !== "DeleteOptions") {
    throw new ProtobufDecodeError(`expected a DeleteOptions body, got ${apiVersion} ${kind}`);
  }
  const type = messageType("k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions");
  return { kind, apiVersion, ...(messageToJson(type, raw, "") as DeleteOptions) };
}
