/**
 * networking.k8s.io/v1 defaulting (pkg/apis/networking/v1/defaults.go).
 *
 * Ingress has no defaults: `pathType` is required in networking.k8s.io/v1 (the beta API
 * defaulted it to ImplementationSpecific), and `ingressClassName` is filled in by the
 * DefaultIngressClass admission plugin, not by defaulting.
 */
import { defaultValue, type JsonObject, objectAt } from "./fields.ts";

/** SetDefaults_IngressClass: parameters without a scope refer to a cluster-scoped object. */
export function applyIngressClassDefaults<T extends JsonObject>(ingressClass: T): T {
  const spec = objectAt(ingressClass, "spec");
  const parameters = spec && objectAt(spec, "parameters");
  if (parameters) defaultValue(parameters, "scope", "Cluster");
  return ingressClass;
}
