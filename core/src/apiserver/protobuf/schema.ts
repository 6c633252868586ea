/**
 * tinykube's protobuf schema: the .proto files in ./proto, parsed by protobufjs at first use, and
 * the kinds the decoder accepts.
 *
 * The files keep Kubernetes' package names, so a message is named as Kubernetes names it
 * ("k8s.io.api.core.v1.PodSpec") and errors point at the right generated.proto.
 */
import { readFileSync } from "node:fs";
import protobuf from "protobufjs";

const PROTO_FILES = [
  "runtime.proto",
  "meta-v1.proto",
  "intstr.proto",
  "resource.proto",
  "core-v1.proto",
  "apps-v1.proto",
  "rbac-v1.proto",
  "networking-v1.proto",
  "authentication-v1.proto",
  "authorization-v1.proto",
];

/**
 * The kinds tinykube decodes from protobuf: what `kubectl create <thing>`, `kubectl auth whoami`
 * and `kubectl auth can-i` send for the resources tinykube serves, plus Pod and ReplicaSet, which
 * reuse the pod template's messages.
 */
export const PROTOBUF_KINDS: readonly { apiVersion: string; kind: string; message: string }[] = [
  { apiVersion: "v1", kind: "Namespace", message: "k8s.io.api.core.v1.Namespace" },
  { apiVersion: "v1", kind: "ConfigMap", message: "k8s.io.api.core.v1.ConfigMap" },
  { apiVersion: "v1", kind: "Secret", message: "k8s.io.api.core.v1.Secret" },
  { apiVersion: "v1", kind: "ServiceAccount", message: "k8s.io.api.core.v1.ServiceAccount" },
  { apiVersion: "v1", kind: "Service", message: "k8s.io.api.core.v1.Service" },
  { apiVersion: "v1", kind: "ResourceQuota", message: "k8s.io.api.core.v1.ResourceQuota" },
  { apiVersion: "v1", kind: "Pod", message: "k8s.io.api.core.v1.Pod" },
  { apiVersion: "apps/v1", kind: "Deployment", message: "k8s.io.api.apps.v1.Deployment" },
  { apiVersion: "apps/v1", kind: "ReplicaSet", message: "k8s.io.api.apps.v1.ReplicaSet" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", message: "k8s.io.api.rbac.v1.Role" },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    message: "k8s.io.api.rbac.v1.ClusterRole",
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    message: "k8s.io.api.rbac.v1.RoleBinding",
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    message: "k8s.io.api.rbac.v1.ClusterRoleBinding",
  },
  {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    message: "k8s.io.api.networking.v1.Ingress",
  },
  {
    apiVersion: "authentication.k8s.io/v1",
    kind: "SelfSubjectReview",
    message: "k8s.io.api.authentication.v1.SelfSubjectReview",
  },
  {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectAccessReview",
    message: "k8s.io.api.authorization.v1.SelfSubjectAccessReview",
  },
];

let root: protobuf.Root | undefined;

/** All messages of all .proto files, parsed once and resolved (every field knows its type). */
export function schema(): protobuf.Root {
  if (root === undefined) {
    const parsed = new protobuf.Root();
    for (const file of PROTO_FILES) {
      const source = readFileSync(new URL(`./proto/${file}`, import.meta.url), "utf8");
      // keepCase: the field names are Kubernetes' JSON names already ("clusterIP", not "clusterIp").
      protobuf.parse(source, parsed, { keepCase: true });
    }
    parsed.resolveAll();
    root = parsed;
  }
  return root;
}

export function messageType(name: string): protobuf.Type {
  return schema().lookupType(name);
}

/** The message for an object kind, or undefined when tinykube does not decode that kind. */
export function objectMessage(apiVersion: string, kind: string): protobuf.Type | undefined {
  const entry = PROTOBUF_KINDS.find((k) => k.apiVersion === apiVersion && k.kind === kind);
  return entry && messageType(entry.message);
}
