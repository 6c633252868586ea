/**
 * Pod and pod-template defaulting: SetDefaults_Pod, SetDefaults_PodSpec, SetDefaults_Container,
 * SetDefaults_Volume, SetDefaults_Probe and friends from k8s.io/kubernetes/pkg/apis/core/v1,
 * walked in the order the generated SetObjectDefaults_Pod walks them.
 *
 * Two entry points, because Kubernetes defaults a Pod and a pod *template* differently:
 * - `applyPodTemplateSpecDefaults` (Deployment, ReplicaSet templates) runs only the PodSpec,
 *   volume and container defaults. That is why a Deployment's template never shows
 *   `enableServiceLinks`: "New fields added here will break upgrade tests", so newer defaults go
 *   into SetDefaults_Pod, which templates skip.
 * - `applyPodDefaults` adds SetDefaults_Pod: requests copied from limits, `enableServiceLinks`,
 *   and host ports for `hostNetwork` pods.
 *
 * Not defaulting, and so not here: `serviceAccountName` and the token volume (ServiceAccount
 * admission), `priority` and `preemptionPolicy` (Priority admission), the not-ready/unreachable
 * tolerations (DefaultTolerationSeconds admission), `status.phase: Pending` (the pod strategy),
 * `nodeName` (the scheduler).
 */
import {
  defaultNumber,
  defaultString,
  defaultValue,
  ensureObject,
  hasEntries,
  type JsonObject,
  objectAt,
  objectsAt,
} from "./fields.ts";
import { defaultPullPolicy } from "./image.ts";
import { canonicalQuantityField, defaultResourceList } from "./resources.ts";

/** 0644: the file mode of secret, configMap, downwardAPI and projected volume files. */
const DEFAULT_FILE_MODE = 0o644;
/** One hour: the lifetime of a projected service account token nobody asked a lifetime for. */
const TOKEN_EXPIRATION_SECONDS = 3600;

/** Every `VolumeSource` member: a volume naming none of them becomes an emptyDir. */
const VOLUME_SOURCES = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
];

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

/** Defaults a Pod in place and returns it. */
export function applyPodDefaults<T extends JsonObject>(pod: T): T {
  const spec = ensureObject(pod, "spec");
  if (spec) {
    podOnlyDefaults(spec);
    podSpecDefaults(spec);
  }
  return pod;
}

/** Defaults a pod template (`{ metadata, spec }`) in place, as Deployments and ReplicaSets embed it. */
export function applyPodTemplateSpecDefaults(template: JsonObject): JsonObject {
  const spec = ensureObject(template, "spec");
  if (spec) podSpecDefaults(spec);
  return template;
}

// #region pod-only-defaults
/** SetDefaults_Pod: what a Pod gets and a pod template does not. */
function podOnlyDefaults(spec: JsonObject): void {
  // A container that sets limits but not requests asks for exactly its limits.
  for (const list of ["containers", "initContainers"]) {
    for (const container of objectsAt(spec, list)) {
      const resources = objectAt(container, "resources");
      const limits = resources && objectAt(resources, "limits");
      if (!resources || !limits || !hasEntries(limits)) continue;
      const requests = ensureObject(resources, "requests");
      for (const [name, quantity] of Object.entries(limits)) {
        if (requests && !(name in requests)) requests[name] = quantity;
      }
    }
  }
  defaultValue(spec, "enableServiceLinks", true);
  // A hostNetwork pod listens on the node's ports: each containerPort is also its hostPort.
  if (spec.hostNetwork === true) {
    for (const list of ["containers", "initContainers"]) {
      for (const container of objectsAt(spec, list)) {
        for (const port of objectsAt(container, "ports")) {
          if (typeof port.containerPort === "number")
            defaultNumber(port, "hostPort", port.containerPort);
        }
      }
    }
  }
}
// #endregion pod-only-defaults

// #region pod-spec-defaults
/** SetDefaults_PodSpec and everything nested in a PodSpec. */
function podSpecDefaults(spec: JsonObject): void {
  defaultString(spec, "dnsPolicy", "ClusterFirst");
  defaultString(spec, "restartPolicy", "Always");
  ensureObject(spec, "securityContext");
  defaultValue(spec, "terminationGracePeriodSeconds", 30);
  defaultString(spec, "schedulerName", "default-scheduler");

  for (const volume of objectsAt(spec, "volumes")) volumeDefaults(volume);
  for (const list of CONTAINER_LISTS) {
    for (const container of objectsAt(spec, list)) containerDefaults(container);
  }
  defaultResourceList(spec.overhead);
}
// #endregion pod-spec-defaults

/** SetDefaults_Volume and the defaults of each volume source. */
function volumeDefaults(volume: JsonObject): void {
  if (!VOLUME_SOURCES.some((source) => volume[source] !== undefined && volume[source] !== null)) {
    volume.emptyDir = {};
  }
  const emptyDir = objectAt(volume, "emptyDir");
  if (emptyDir) canonicalQuantityField(emptyDir, "sizeLimit");
  const hostPath = objectAt(volume, "hostPath");
  if (hostPath) defaultValue(hostPath, "type", "");
  for (const source of ["secret", "configMap", "downwardAPI", "projected"]) {
    const s = objectAt(volume, source);
    if (s) defaultValue(s, "defaultMode", DEFAULT_FILE_MODE);
  }
  const downwardAPI = objectAt(volume, "downwardAPI");
  if (downwardAPI) downwardAPIItemsDefaults(downwardAPI);
  const projected = objectAt(volume, "projected");
  for (const source of projected ? objectsAt(projected, "sources") : []) {
    const d = objectAt(source, "downwardAPI");
    if (d) downwardAPIItemsDefaults(d);
    const token = objectAt(source, "serviceAccountToken");
    if (token) defaultValue(token, "expirationSeconds", TOKEN_EXPIRATION_SECONDS);
  }
  const ephemeral = objectAt(volume, "ephemeral");
  const claimTemplate = ephemeral && objectAt(ephemeral, "volumeClaimTemplate");
  const claimSpec = claimTemplate && objectAt(claimTemplate, "spec");
  if (claimSpec) {
    defaultValue(claimSpec, "volumeMode", "Filesystem");
    const resources = objectAt(claimSpec, "resources");
    if (resources) {
      defaultResourceList(resources.limits);
      defaultResourceList(resources.requests);
    }
  }
}

function downwardAPIItemsDefaults(source: JsonObject): void {
  for (const item of objectsAt(source, "items")) {
    fieldRefDefaults(item);
    resourceFieldRefDefaults(item);
  }
}

/** A resourceFieldRef's divisor is a quantity, printed canonically like every quantity. */
function resourceFieldRefDefaults(holder: JsonObject): void {
  const ref = objectAt(holder, "resourceFieldRef");
  if (ref) canonicalQuantityField(ref, "divisor");
}

/** SetDefaults_ObjectFieldSelector: a fieldRef without apiVersion means v1. */
function fieldRefDefaults(holder: JsonObject): void {
  const fieldRef = objectAt(holder, "fieldRef");
  if (fieldRef) defaultString(fieldRef, "apiVersion", "v1");
}

// #region container-defaults
/** SetDefaults_Container and the defaults nested in a container. */
function containerDefaults(container: JsonObject): void {
  if (
    container.imagePullPolicy === undefined ||
    container.imagePullPolicy === null ||
    container.imagePullPolicy === ""
  ) {
    container.imagePullPolicy = defaultPullPolicy(
      typeof container.image === "string" ? container.image : "",
    );
  }
  defaultString(container, "terminationMessagePath", "/dev/termination-log");
  defaultString(container, "terminationMessagePolicy", "File");
  for (const port of objectsAt(container, "ports")) defaultString(port, "protocol", "TCP");
  for (const env of objectsAt(container, "env")) {
    const valueFrom = objectAt(env, "valueFrom");
    if (valueFrom) {
      fieldRefDefaults(valueFrom);
      resourceFieldRefDefaults(valueFrom);
    }
  }
  // `resources` is a Go value struct (not a pointer), so the encoder always writes it:
  // every container in `kubectl get -o yaml` shows at least `resources: {}`.
  const resources = ensureObject(container, "resources");
  if (resources) {
    defaultResourceList(resources.limits);
    defaultResourceList(resources.requests);
  }
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const p = objectAt(container, probe);
    if (p) probeDefaults(p);
  }
  const lifecycle = objectAt(container, "lifecycle");
  for (const hook of lifecycle ? ["postStart", "preStop"] : []) {
    const handler = lifecycle && objectAt(lifecycle, hook);
    const httpGet = handler && objectAt(handler, "httpGet");
    if (httpGet) httpGetDefaults(httpGet);
  }
}
// #endregion container-defaults

/** SetDefaults_Probe: plain int fields, so 0 counts as unset too. */
function probeDefaults(probe: JsonObject): void {
  defaultNumber(probe, "timeoutSeconds", 1);
  defaultNumber(probe, "periodSeconds", 10);
  defaultNumber(probe, "successThreshold", 1);
  defaultNumber(probe, "failureThreshold", 3);
  const httpGet = objectAt(probe, "httpGet");
  if (httpGet) httpGetDefaults(httpGet);
  const grpc = objectAt(probe, "grpc");
  if (grpc) defaultValue(grpc, "service", "");
}

/** SetDefaults_HTTPGetAction. */
function httpGetDefaults(httpGet: JsonObject): void {
  defaultString(httpGet, "path", "/");
  defaultString(httpGet, "scheme", "HTTP");
}
