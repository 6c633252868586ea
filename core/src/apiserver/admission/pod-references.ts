/**
 * Which Secrets and ConfigMaps a pod names — VisitPodSecretNames and VisitPodConfigmapNames
 * (pkg/api/pod/util.go), which admission uses to keep mirror pods from referring to API objects:
 * a static pod runs from a file, so whatever it names in the API is not the kubelet's to read.
 *
 * Looked at: every container list (initContainers, containers, ephemeralContainers: env
 * valueFrom and envFrom), the volumes (secret and configMap volumes, a projected volume's
 * sources, and the secretRef of the volume plugins that take one) and imagePullSecrets. Empty
 * names are skipped; references through other objects (pod → PVC → PV → secret) are not followed.
 */
import type { PodSpec } from "../../api/types.ts";

/** v1.MirrorPodAnnotationKey: a kubelet's copy of one of its static pods carries it. */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

type Json = Record<string, unknown>;

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;
/** Volume plugins with a `secretRef: {name}` (cephfs, cinder, flexVolume, rbd, scaleIO, iscsi, storageos). */
const SECRET_REF_VOLUMES = [
  "cephfs",
  "cinder",
  "flexVolume",
  "rbd",
  "scaleIO",
  "iscsi",
  "storageos",
];

const objects = (value: unknown): Json[] =>
  Array.isArray(value) ? value.filter((v): v is Json => !!v && typeof v === "object") : [];
const field = (value: unknown, key: string): Json | undefined => {
  const v = value && typeof value === "object" ? (value as Json)[key] : undefined;
  return v && typeof v === "object" ? (v as Json) : undefined;
};
const nameOf = (value: Json | undefined, key = "name"): string[] => {
  const name = value?.[key];
  return typeof name === "string" && name !== "" ? [name] : [];
};

function containers(spec: PodSpec): Json[] {
  return CONTAINER_LISTS.flatMap((list) => objects(spec[list]));
}

/** Every Secret name the pod spec refers to, in visiting order (duplicates kept). */
export function podSecretNames(spec: PodSpec): string[] {
  const names = objects(spec.imagePullSecrets).flatMap((s) => nameOf(s));
  for (const c of containers(spec)) {
    for (const from of objects(c.envFrom)) names.push(...nameOf(field(from, "secretRef")));
    for (const env of objects(c.env))
      names.push(...nameOf(field(field(env, "valueFrom"), "secretKeyRef")));
  }
  for (const volume of objects(spec.volumes)) {
    names.push(...nameOf(field(volume, "azureFile"), "secretName"));
    names.push(...nameOf(field(volume, "secret"), "secretName"));
    for (const plugin of SECRET_REF_VOLUMES)
      names.push(...nameOf(field(field(volume, plugin), "secretRef")));
    names.push(...nameOf(field(field(volume, "csi"), "nodePublishSecretRef")));
    for (const source of objects(field(volume, "projected")?.sources))
      names.push(...nameOf(field(source, "secret")));
  }
  return names;
}

/** Every ConfigMap name the pod spec refers to, in visiting order (duplicates kept). */
export function podConfigMapNames(spec: PodSpec): string[] {
  const names: string[] = [];
  for (const c of containers(spec)) {
    for (const from of objects(c.envFrom)) names.push(...nameOf(field(from, "configMapRef")));
    for (const env of objects(c.env))
      names.push(...nameOf(field(field(env, "valueFrom"), "configMapKeyRef")));
  }
  for (const volume of objects(spec.volumes)) {
    names.push(...nameOf(field(volume, "configMap")));
    for (const source of objects(field(volume, "projected")?.sources))
      names.push(...nameOf(field(source, "configMap")));
  }
  return names;
}
