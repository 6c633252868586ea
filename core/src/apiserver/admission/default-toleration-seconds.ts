/**
 * DefaultTolerationSeconds: every pod tolerates, for five minutes, a node that stops reporting
 * or reports NotReady — kube-apiserver's plugin/pkg/admission/defaulttolerationseconds.
 *
 * Why: the node lifecycle controller taints such a node node.kubernetes.io/unreachable:NoExecute
 * (or not-ready:NoExecute), and the taint eviction controller then evicts every pod on it that
 * does not tolerate the taint — at once — or, for a pod whose toleration has tolerationSeconds,
 * once that time is up. These defaults turn "at once" into "after 300 s", so a node that
 * blips (a kubelet restart, a short network partition) does not lose all its pods.
 *
 * Guarantees:
 * - Mutating, on pod CREATE and UPDATE (not on subresources such as status or binding), as the
 *   plugin's handler is registered for both: appends
 *   {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
 *   and the same for node.kubernetes.io/unreachable, each unless the pod already tolerates it.
 * - "Already tolerates" is the plugin's own test: a toleration whose key is the taint's or empty,
 *   and whose effect is NoExecute or empty. Operator, value and tolerationSeconds are not looked
 *   at, so a pod's own choice (tolerate forever, or for 10 s) is kept as it is.
 * - The pod's own tolerations are never changed or reordered; the defaults go after them, so an
 *   UPDATE of a pod that already has them changes nothing.
 */
import type { Toleration } from "../../api/types.ts";
import type { AdmissionRequest } from "../server.ts";
import type { AdmissionPlugin } from "./chain.ts";

/** v1.TaintNodeNotReady and v1.TaintNodeUnreachable (k8s.io/api/core/v1, well_known_taints.go). */
export const TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable";

export interface DefaultTolerationSecondsOptions {
  /** --default-not-ready-toleration-seconds, 300 by default. */
  notReadySeconds?: number;
  /** --default-unreachable-toleration-seconds, 300 by default. */
  unreachableSeconds?: number;
}

/** kube-apiserver's default for both flags: five minutes. */
const DEFAULT_SECONDS = 300;

// #region tolerates
/** Whether some toleration already covers `key`:NoExecute, by the plugin's test. */
export function toleratesNoExecute(tolerations: readonly Toleration[], key: string): boolean {
  return tolerations.some(
    (t) => (!t.key || t.key === key) && (!t.effect || t.effect === "NoExecute"),
  );
}
// #endregion tolerates

// #region withDefaultTolerations
/** The pod's tolerations with the missing defaults appended (a new list; the input is kept). */
export function withDefaultTolerations(
  tolerations: readonly Toleration[],
  options: DefaultTolerationSecondsOptions = {},
): Toleration[] {
  const defaults: [string, number][] = [
    [TAINT_NODE_NOT_READY, options.notReadySeconds ?? DEFAULT_SECONDS],
    [TAINT_NODE_UNREACHABLE, options.unreachableSeconds ?? DEFAULT_SECONDS],
  ];
  const result = [...tolerations];
  for (const [key, seconds] of defaults) {
    if (toleratesNoExecute(tolerations, key)) continue;
    result.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds });
  }
  return result;
}
// #endregion withDefaultTolerations

export function newDefaultTolerationSeconds(
  options: DefaultTolerationSecondsOptions = {},
): AdmissionPlugin {
  return {
    name: "DefaultTolerationSeconds",
    mutate(request: AdmissionRequest) {
      const { type, operation, subresource, object } = request;
      if (type.group !== "" || type.resource !== "pods" || subresource) return;
      if (operation !== "CREATE" && operation !== "UPDATE") return;
      const spec = (object.spec ?? {}) as { tolerations?: Toleration[] };
      const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
      const next = withDefaultTolerations(tolerations, options);
      if (next.length !== tolerations.length) object.spec = { ...spec, tolerations: next };
    },
  };
}

/** The plugin with kube-apiserver's defaults, as the API server runs it. */
export const defaultTolerationSeconds = newDefaultTolerationSeconds();
