/**
 * ServiceAccount: every pod runs as a service account — `default` unless it names one — and the
 * account must exist. (Kubernetes also mounts the account's token into the pod; tinykube's pods
 * get their identity through the environment when the kubelet arrives.)
 *
 * A mirror pod (a kubelet's copy of a static pod) is left as it is — the kubelet compares it with
 * its file — and may name no service account and no Secret, nor project an account's token
 * (plugin/pkg/admission/serviceaccount/admission.go).
 */

import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import type { PodSpec } from "../../api/types.ts";
import { forbidden } from "../errors.ts";
import type { AdmissionPlugin } from "./chain.ts";
import { MIRROR_POD_ANNOTATION, podSecretNames } from "./pod-references.ts";

const serviceAccounts = BUILTIN_TYPES.find((t) => t.resource === "serviceaccounts") as ResourceType;

interface PodSpecLike {
  serviceAccountName?: string;
  serviceAccount?: string;
}

// #region serviceAccount
export const serviceAccount: AdmissionPlugin = {
  name: "ServiceAccount",
  mutate({ type, operation, object, subresource }) {
    if (type.group !== "" || type.kind !== "Pod" || operation !== "CREATE" || subresource) return;
    if (object.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
    const spec = (object.spec ?? {}) as PodSpecLike;
    spec.serviceAccountName ||= spec.serviceAccount || "default";
    object.spec = spec;
  },
  async validate(request) {
    const { type, operation, object, subresource } = request;
    if (type.group !== "" || type.kind !== "Pod" || operation !== "CREATE" || subresource) return;
    if (object.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
      const refuse = (reason: string) =>
        forbidden(
          `pods "${object.metadata.name}" is forbidden: ${reason}`,
          type,
          object.metadata.name,
        );
      const spec = object.spec as PodSpec & PodSpecLike;
      if (spec.serviceAccountName) throw refuse("a mirror pod may not reference service accounts");
      if (podSecretNames(spec).length > 0) throw refuse("a mirror pod may not reference secrets");
      const volumes = (spec.volumes ?? []) as {
        projected?: { sources?: { serviceAccountToken?: unknown }[] };
      }[];
      if (volumes.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken)))
        throw refuse("a mirror pod may not use ServiceAccountToken volume projections");
      return;
    }
    const name = (object.spec as PodSpecLike).serviceAccountName as string;
    const namespace = object.metadata.namespace as string;
    try {
      await request.server.registry(serviceAccounts).getCached(namespace, name);
    } catch {
      throw forbidden(
        `pods "${object.metadata.name}" is forbidden: error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`,
        type,
        object.metadata.name,
      );
    }
  },
};
// #endregion serviceAccount
