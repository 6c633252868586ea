/** apps/v1 (k8s.io/api/apps/v1) as of Kubernetes 1.32: Deployment and ReplicaSet. */
import {
  bool,
  type GroupVersionKind,
  int,
  int64,
  intOrString,
  kind,
  listMap,
  obj,
  ref,
  type SchemaMap,
  str,
  time,
  withList,
} from "../schema.ts";
import { CORE_V1 } from "./core-v1.ts";
import { META_V1 } from "./meta-v1.ts";

export const APPS_V1 = "io.k8s.api.apps.v1.";
const apps = (name: string, description?: string) => ref(APPS_V1 + name, description);
const gvk = (k: string): GroupVersionKind => ({ group: "apps", version: "v1", kind: k });

const selector = (description: string) => ref(`${META_V1}LabelSelector`, description);
const template = (description: string) => ref(`${CORE_V1}PodTemplateSpec`, description);

const types: SchemaMap = {
  DeploymentSpec: obj(
    {
      minReadySeconds: int("Seconds a new pod must be ready before it counts as available."),
      paused: bool("Stop rolling out changes to the template."),
      progressDeadlineSeconds: int(
        "Seconds without progress before the rollout is reported as failed (600).",
      ),
      replicas: int("Desired number of pods (1)."),
      revisionHistoryLimit: int("Old ReplicaSets to keep for rollback (10)."),
      selector: selector("Which pods belong to the Deployment; must match the template's labels."),
      strategy: {
        ...apps("DeploymentStrategy", "How old pods are replaced by new ones."),
        "x-kubernetes-patch-strategy": "retainKeys",
      },
      template: template("The pods to run; changing it starts a rollout."),
    },
    {
      required: ["selector", "template"],
      description: "The desired state of a Deployment.",
    },
  ),
  DeploymentStrategy: obj({
    rollingUpdate: apps("RollingUpdateDeployment", "Limits for a RollingUpdate."),
    type: str("RollingUpdate (default) or Recreate."),
  }),
  RollingUpdateDeployment: obj({
    maxSurge: intOrString("Pods allowed above the desired count during a rollout (25%)."),
    maxUnavailable: intOrString("Pods allowed to be unavailable during a rollout (25%)."),
  }),
  DeploymentStatus: obj(
    {
      availableReplicas: int("Pods ready for at least minReadySeconds."),
      collisionCount: int("Bumped when a ReplicaSet name collides, to make a new name."),
      conditions: listMap(apps("DeploymentCondition"), ["type"], {
        description: "Available, Progressing, ReplicaFailure.",
        mergeKey: "type",
      }),
      observedGeneration: int64("The metadata.generation the controller last acted on."),
      readyReplicas: int("Pods whose Ready condition is true."),
      replicas: int("Pods of all the Deployment's ReplicaSets."),
      unavailableReplicas: int("Pods still needed for the desired count to be available."),
      updatedReplicas: int("Pods made from the current template."),
    },
    { description: "The observed state of a Deployment, written by its controller." },
  ),
  DeploymentCondition: obj(
    {
      lastTransitionTime: time(),
      lastUpdateTime: time(),
      message: str(),
      reason: str(),
      status: str("True, False or Unknown."),
      type: str("Available, Progressing or ReplicaFailure."),
    },
    { required: ["type", "status"] },
  ),
  ReplicaSetSpec: obj(
    {
      minReadySeconds: int("Seconds a new pod must be ready before it counts as available."),
      replicas: int("Desired number of pods (1)."),
      selector: selector("Which pods belong to the ReplicaSet; must match the template's labels."),
      template: template("The pods to create when there are too few."),
    },
    { required: ["selector"], description: "The desired state of a ReplicaSet." },
  ),
  ReplicaSetStatus: obj(
    {
      availableReplicas: int(),
      conditions: listMap(apps("ReplicaSetCondition"), ["type"], { mergeKey: "type" }),
      fullyLabeledReplicas: int("Pods whose labels match the template's labels."),
      observedGeneration: int64(),
      readyReplicas: int(),
      replicas: int("Pods the ReplicaSet owns now."),
    },
    { required: ["replicas"] },
  ),
  ReplicaSetCondition: obj(
    { lastTransitionTime: time(), message: str(), reason: str(), status: str(), type: str() },
    { required: ["type", "status"] },
  ),
};

export const appsV1Schemas: SchemaMap = {
  ...Object.fromEntries(Object.entries(types).map(([name, s]) => [APPS_V1 + name, s])),
  ...withList(
    APPS_V1,
    gvk("Deployment"),
    kind({
      ...gvk("Deployment"),
      description:
        "Runs a replicated set of pods and rolls out changes to them through ReplicaSets.",
      properties: {
        spec: apps("DeploymentSpec", "The desired pods and how to roll out changes."),
        status: apps("DeploymentStatus", "Rollout progress, as last observed."),
      },
    }),
  ),
  ...withList(
    APPS_V1,
    gvk("ReplicaSet"),
    kind({
      ...gvk("ReplicaSet"),
      description: "Keeps a given number of identical pods running.",
      properties: {
        spec: apps("ReplicaSetSpec", "How many pods, of which template."),
        status: apps("ReplicaSetStatus", "How many pods exist and are ready."),
      },
    }),
  ),
};
