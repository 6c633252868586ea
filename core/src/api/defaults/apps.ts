/**
 * apps/v1 defaulting (k8s.io/kubernetes/pkg/apis/apps/v1/defaults.go): SetDefaults_Deployment and
 * SetDefaults_ReplicaSet, then the pod template's defaults (the generated SetObjectDefaults_*
 * functions call the PodSpec defaulters on `spec.template.spec`).
 *
 * A minimal `kubectl create deployment web --image=nginx` comes back with:
 *
 *   replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
 *   strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 25%, maxUnavailable: 25% } },
 *   template.spec: dnsPolicy, restartPolicy, schedulerName, securityContext,
 *                  terminationGracePeriodSeconds, and per container imagePullPolicy,
 *                  terminationMessagePath, terminationMessagePolicy, resources: {}
 *
 * (the fixture in apps.test.ts spells it out). In apps/v1 nothing defaults `spec.selector` from the
 * template labels any more (extensions/v1beta1 did): a missing selector is a validation error.
 */
import { defaultString, defaultValue, ensureObject, type JsonObject } from "./fields.ts";
import { applyPodTemplateSpecDefaults } from "./pod.ts";

// #region deployment-defaults
export function applyDeploymentDefaults<T extends JsonObject>(deployment: T): T {
  const spec = ensureObject(deployment, "spec");
  if (!spec) return deployment;
  defaultValue(spec, "replicas", 1);
  const strategy = ensureObject(spec, "strategy");
  if (strategy) {
    defaultString(strategy, "type", "RollingUpdate");
    if (strategy.type === "RollingUpdate") {
      const rollingUpdate = ensureObject(strategy, "rollingUpdate");
      if (rollingUpdate) {
        // A quarter of the replicas may be missing, and a quarter extra may exist, mid-rollout.
        defaultValue(rollingUpdate, "maxUnavailable", "25%");
        defaultValue(rollingUpdate, "maxSurge", "25%");
      }
    }
  }
  defaultValue(spec, "revisionHistoryLimit", 10);
  defaultValue(spec, "progressDeadlineSeconds", 600);
  templateDefaults(spec);
  return deployment;
}
// #endregion deployment-defaults

export function applyReplicaSetDefaults<T extends JsonObject>(replicaSet: T): T {
  const spec = ensureObject(replicaSet, "spec");
  if (!spec) return replicaSet;
  defaultValue(spec, "replicas", 1);
  templateDefaults(spec);
  return replicaSet;
}

/** `template` is a Go value struct, so even a Deployment without one gets template defaults. */
function templateDefaults(spec: JsonObject): void {
  const template = ensureObject(spec, "template");
  if (template) applyPodTemplateSpecDefaults(template);
}
