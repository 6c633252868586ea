/**
 * Which resources the garbage collector watches, and how it finds the resource for an owner
 * reference's apiVersion and kind.
 *
 * Kubernetes asks discovery for every resource that supports list, watch and delete
 * (GetDeletableResources), minus events (DefaultIgnoredResources), and repeats that every 30 s
 * so custom resources join in. tinykube watches its built-in resources, chosen by the same rule;
 * custom resources are neither watched nor resolvable as owners (an ownerReference to one is
 * retried with backoff, as Kubernetes does until discovery knows the kind).
 */
import { parseApiVersion } from "../../api/object.ts";
import { BUILTIN_TYPES, groupResource, type ResourceType } from "../../api/scheme.ts";

/**
 * Events change more than anything else and own nothing: Kubernetes' ignoredResources
 * (graph_builder.go) leaves out core and events.k8s.io events.
 */
const IGNORED = new Set(["events", "events.events.k8s.io"]);

// #region monitoredResources
/** Every built-in resource with list, watch and delete, events excepted. */
export const MONITORED_RESOURCES: readonly ResourceType[] = BUILTIN_TYPES.filter(
  (t) =>
    !t.virtual &&
    (["list", "watch", "delete"] as const).every((verb) => t.verbs.includes(verb)) &&
    !IGNORED.has(groupResource(t)),
);
// #endregion monitoredResources

/** The apiVersion and kind name no resource this collector knows (Kubernetes' restMappingError). */
export class RestMappingError extends Error {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`unable to get REST mapping for ${apiVersion}/${kind}.`);
  }
}

/** The resource an apiVersion and kind name: "apps/v1" + "ReplicaSet" → replicasets.apps. */
export function resourceFor(apiVersion: string, kind: string): ResourceType {
  const { group, version } = parseApiVersion(apiVersion);
  const type = BUILTIN_TYPES.find(
    (t) => t.group === group && t.version === version && t.kind === kind,
  );
  if (!type || type.virtual) throw new RestMappingError(apiVersion, kind);
  return type;
}
