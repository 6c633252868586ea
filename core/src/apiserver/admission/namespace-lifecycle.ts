/**
 * NamespaceLifecycle: nothing is created in a namespace that does not exist or is being deleted
 * (the namespace controller is emptying it), and the system namespaces cannot be deleted.
 */
import type { KubeObject } from "../../api/object.ts";
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import { forbidden, notFound } from "../errors.ts";
import type { AdmissionPlugin } from "./chain.ts";

const namespaces = BUILTIN_TYPES.find((t) => t.resource === "namespaces") as ResourceType;

export const namespaceLifecycle: AdmissionPlugin = {
  name: "NamespaceLifecycle",
  async validate(request) {
    const { type, operation, object } = request;
    if (operation !== "CREATE" || !type.namespaced) return;
    const name = object.metadata.namespace as string;
    let namespace: KubeObject;
    try {
      namespace = await request.server.registry(namespaces).getCached(undefined, name);
    } catch {
      throw notFound(namespaces, name);
    }
    if (
      (namespace.status as { phase?: string } | undefined)?.phase === "Terminating" ||
      namespace.metadata.deletionTimestamp
    ) {
      throw forbidden(
        `${type.group ? `${type.resource}.${type.group}` : type.resource} "${object.metadata.name}" is forbidden: unable to create new content in namespace ${name} because it is being terminated`,
        type,
        object.metadata.name,
      );
    }
  },
};
