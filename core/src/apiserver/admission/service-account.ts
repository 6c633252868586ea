/**
 * ServiceAccount: every pod runs as a service account — `default` unless it names one — and the
 * account must exist. (Kubernetes also mounts the account's token into the pod; tinykube's pods
 * get their identity through the environment when the kubelet arrives.)
 */
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import { forbidden } from "../errors.ts";
import type { AdmissionPlugin } from "./chain.ts";

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
    const spec = (object.spec ?? {}) as PodSpecLike;
    spec.serviceAccountName ||= spec.serviceAccount || "default";
    object.spec = spec;
  },
  async validate(request) {
    const { type, operation, object, subresource } = request;
    if (type.group !== "" || type.kind !== "Pod" || operation !== "CREATE" || subresource) return;
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
