/** discovery.k8s.io/v1 defaulting (pkg/apis/discovery/v1/defaults.go). */
import { defaultValue, type JsonObject, objectsAt } from "./fields.ts";

/**
 * SetDefaults_EndpointPort: a port's name defaults to "" and its protocol to TCP. Both are
 * pointers, so unlike most empty strings the "" name is written out: `kubectl get endpointslice
 * -o yaml` shows `name: ""`.
 */
export function applyEndpointSliceDefaults<T extends JsonObject>(slice: T): T {
  for (const port of objectsAt(slice, "ports")) {
    defaultValue(port, "name", "");
    defaultValue(port, "protocol", "TCP");
  }
  return slice;
}
