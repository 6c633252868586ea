/**
 * Pod volumes (ValidateVolumes in pkg/apis/core/validation): unique DNS-label names and exactly
 * one source each. The sources pods use with tinykube (emptyDir, hostPath, secret, configMap,
 * downwardAPI, projected, persistentVolumeClaim, nfs) get their own checks; the cloud and
 * network-storage sources only get the one-source rule.
 */
import {
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  isDNS1123Label,
  isQualifiedName,
  notSupported,
  required,
} from "../validation.ts";
import { isSet, type JsonObject, num, obj, objects, str } from "./access.ts";
import { localNonReservedPath, pathNoBacksteps } from "./paths.ts";

/**
 * Every VolumeSource member in the order Kubernetes checks them, with the path it reports a
 * second source under. Two of those paths are Kubernetes' own spelling mistakes ("downwarAPI",
 * "cephFS" for the cephfs field), kept so the messages match.
 */
const SOURCES: readonly (readonly [field: string, reported: string])[] = [
  ["emptyDir", "emptyDir"],
  ["hostPath", "hostPath"],
  ["gitRepo", "gitRepo"],
  ["gcePersistentDisk", "gcePersistentDisk"],
  ["awsElasticBlockStore", "awsElasticBlockStore"],
  ["secret", "secret"],
  ["nfs", "nfs"],
  ["iscsi", "iscsi"],
  ["glusterfs", "glusterfs"],
  ["flocker", "flocker"],
  ["persistentVolumeClaim", "persistentVolumeClaim"],
  ["rbd", "rbd"],
  ["cinder", "cinder"],
  ["cephfs", "cephFS"],
  ["quobyte", "quobyte"],
  ["downwardAPI", "downwarAPI"],
  ["fc", "fc"],
  ["flexVolume", "flexVolume"],
  ["configMap", "configMap"],
  ["azureFile", "azureFile"],
  ["vsphereVolume", "vsphereVolume"],
  ["photonPersistentDisk", "photonPersistentDisk"],
  ["portworxVolume", "portworxVolume"],
  ["azureDisk", "azureDisk"],
  ["storageos", "storageos"],
  ["projected", "projected"],
  ["scaleIO", "scaleIO"],
  ["csi", "csi"],
  ["ephemeral", "ephemeral"],
  ["image", "image"],
];

const FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive";
const HOST_PATH_TYPES = [
  "",
  "BlockDevice",
  "CharDevice",
  "Directory",
  "DirectoryOrCreate",
  "File",
  "FileOrCreate",
  "Socket",
];
const DOWNWARD_VOLUME_FIELDS = [
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
];
/** The shortest token lifetime a projected service account token may ask for: ten minutes. */
const MIN_TOKEN_SECONDS = 600;

/**
 * Validates `spec.volumes` and returns the names of the valid volumes (a container may only
 * mount those; a mount of an invalid volume is reported as not found, as in Kubernetes).
 */
export function validateVolumes(
  volumes: unknown,
  field: string,
): { names: Set<string>; errors: FieldError[] } {
  const names = new Set<string>();
  const errors: FieldError[] = [];
  objects(volumes).forEach((volume, i) => {
    const at = `${field}[${i}]`;
    const name = str(volume.name);
    const errs = volumeSourceErrors(volume, at);
    if (name === "") errs.push(required(`${at}.name`));
    else errs.push(...isDNS1123Label(name).map((msg) => invalid(`${at}.name`, name, msg)));
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    if (errs.length === 0) names.add(name);
    else errors.push(...errs);
  });
  return { names, errors };
}

function volumeSourceErrors(volume: JsonObject, at: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const [source, reported] of SOURCES) {
    if (!isSet(volume[source])) continue;
    if (count > 0) {
      errs.push(forbidden(`${at}.${reported}`, "may not specify more than 1 volume type"));
      continue;
    }
    count++;
    errs.push(...sourceErrors(source, obj(volume[source]), `${at}.${source}`));
  }
  if (count === 0) errs.push(required(at, "must specify a volume type"));
  return errs;
}

function sourceErrors(source: string, s: JsonObject, at: string): FieldError[] {
  switch (source) {
    case "emptyDir":
      // A sizeLimit below zero; its form is checked by the quantity decoder.
      return typeof s.sizeLimit === "string" && s.sizeLimit.trim().startsWith("-")
        ? [forbidden(`${at}.sizeLimit`, "SizeLimit field must be a valid resource quantity")]
        : [];
    case "hostPath": {
      const path = str(s.path);
      if (path === "") return [required(`${at}.path`)];
      const errs = pathNoBacksteps(path, `${at}.path`);
      if (isSet(s.type) && !HOST_PATH_TYPES.includes(str(s.type))) {
        errs.push(notSupported(`${at}.type`, s.type, HOST_PATH_TYPES));
      }
      return errs;
    }
    case "secret":
      return [
        ...(str(s.secretName) === "" ? [required(`${at}.secretName`)] : []),
        ...fileModeErrors(s.defaultMode, `${at}.defaultMode`),
        ...keyToPathErrors(s.items, `${at}.items`),
      ];
    case "configMap":
      return [
        ...(str(s.name) === "" ? [required(`${at}.name`)] : []),
        ...fileModeErrors(s.defaultMode, `${at}.defaultMode`),
        ...keyToPathErrors(s.items, `${at}.items`),
      ];
    case "persistentVolumeClaim":
      return str(s.claimName) === "" ? [required(`${at}.claimName`)] : [];
    case "nfs": {
      const errs: FieldError[] = [];
      if (str(s.server) === "") errs.push(required(`${at}.server`));
      if (str(s.path) === "") errs.push(required(`${at}.path`));
      if (!str(s.path).startsWith("/"))
        errs.push(invalid(`${at}.path`, str(s.path), "must be an absolute path"));
      return errs;
    }
    case "downwardAPI":
      // Kubernetes reports a downwardAPI item's errors on the source, not on the item.
      return [
        ...fileModeErrors(s.defaultMode, `${at}.defaultMode`),
        ...objects(s.items).flatMap((item) => downwardAPIFileErrors(item, at)),
      ];
    case "projected":
      return projectedErrors(s, at);
    default:
      return [];
  }
}

function fileModeErrors(mode: unknown, field: string): FieldError[] {
  const m = num(mode);
  return m !== undefined && (m > 0o777 || m < 0) ? [invalid(field, m, FILE_MODE_ERROR)] : [];
}

/** A secret or configMap key projected to a file. */
function keyToPathErrors(items: unknown, field: string): FieldError[] {
  return objects(items).flatMap((item, i) => {
    const at = `${field}[${i}]`;
    const errs: FieldError[] = [];
    if (str(item.key) === "") errs.push(required(`${at}.key`));
    if (str(item.path) === "") errs.push(required(`${at}.path`));
    errs.push(...localNonReservedPath(str(item.path), `${at}.path`));
    errs.push(...fileModeErrors(item.mode, `${at}.mode`));
    return errs;
  });
}

function downwardAPIFileErrors(file: JsonObject, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const path = str(file.path);
  if (path === "") errs.push(required(`${at}.path`));
  errs.push(...localNonReservedPath(path, `${at}.path`));
  if (isSet(file.fieldRef)) {
    errs.push(
      ...objectFieldSelectorErrors(obj(file.fieldRef), DOWNWARD_VOLUME_FIELDS, `${at}.fieldRef`),
    );
    if (isSet(file.resourceFieldRef)) {
      errs.push(
        invalid(
          at,
          "resource",
          "fieldRef and resourceFieldRef can not be specified simultaneously",
        ),
      );
    }
  } else if (isSet(file.resourceFieldRef)) {
    const ref = obj(file.resourceFieldRef);
    if (str(ref.containerName) === "") errs.push(required(`${at}.resourceFieldRef.containerName`));
    else if (str(ref.resource) === "") errs.push(required(`${at}.resourceFieldRef.resource`));
  } else {
    errs.push(required(at, "one of fieldRef and resourceFieldRef is required"));
  }
  errs.push(...fileModeErrors(file.mode, `${at}.mode`));
  return errs;
}

function projectedErrors(s: JsonObject, at: string): FieldError[] {
  const errs = fileModeErrors(s.defaultMode, `${at}.defaultMode`);
  const paths = new Set<string>();
  const claimPath = (path: string, owner: unknown) => {
    if (path === "") return;
    if (paths.has(path)) errs.push(invalid(at, owner, "conflicting duplicate paths"));
    paths.add(path);
  };
  objects(s.sources).forEach((source, i) => {
    const src = `${at}.sources[${i}]`;
    let kinds = 0;
    for (const kind of ["secret", "configMap"] as const) {
      if (!isSet(source[kind])) continue;
      kinds++;
      const ref = obj(source[kind]);
      if (str(ref.name) === "") errs.push(required(`${src}.${kind}.name`));
      errs.push(...keyToPathErrors(ref.items, `${src}.${kind}.items`));
      for (const item of objects(ref.items)) claimPath(str(item.path), str(ref.name));
    }
    if (isSet(source.downwardAPI)) {
      kinds++;
      for (const item of objects(obj(source.downwardAPI).items)) {
        errs.push(...downwardAPIFileErrors(item, `${src}.downwardAPI`));
        claimPath(str(item.path), "");
      }
    }
    if (isSet(source.serviceAccountToken)) {
      kinds++;
      const token = obj(source.serviceAccountToken);
      const seconds = num(token.expirationSeconds) ?? 0;
      const tokenAt = `${src}.serviceAccountToken`;
      if (seconds < MIN_TOKEN_SECONDS) {
        errs.push(
          invalid(
            `${tokenAt}.expirationSeconds`,
            seconds,
            "may not specify a duration less than 10 minutes",
          ),
        );
      }
      if (seconds > 2 ** 32) {
        errs.push(
          invalid(
            `${tokenAt}.expirationSeconds`,
            seconds,
            "may not specify a duration larger than 2^32 seconds",
          ),
        );
      }
      const path = str(token.path);
      if (path === "") errs.push(required(`${tokenAt}.path`));
      claimPath(path, "");
    }
    if (kinds > 1) errs.push(forbidden(src, "may not specify more than 1 volume type per source"));
  });
  return errs;
}

/**
 * validateObjectFieldSelector: a downward API fieldRef names one of the fields the kubelet can
 * fill in, or one label or annotation (`metadata.labels['app']`).
 */
export function objectFieldSelectorErrors(
  fieldRef: JsonObject,
  allowed: readonly string[],
  at: string,
): FieldError[] {
  const apiVersion = str(fieldRef.apiVersion);
  const fieldPath = str(fieldRef.fieldPath);
  if (apiVersion === "") return [required(`${at}.apiVersion`)];
  if (fieldPath === "") return [required(`${at}.fieldPath`)];
  const converted = convertFieldLabel(apiVersion, fieldPath);
  if (typeof converted !== "string") {
    return [
      invalid(`${at}.fieldPath`, fieldPath, `error converting fieldPath: ${converted.error}`),
    ];
  }
  const split = splitSubscript(converted);
  if (split) {
    if (split.path === "metadata.annotations") return qualified(split.key.toLowerCase(), at);
    if (split.path === "metadata.labels") return qualified(split.key, at);
    return [invalid(at, split.path, "does not support subscript")];
  }
  return allowed.includes(converted) ? [] : [notSupported(`${at}.fieldPath`, converted, allowed)];
}

const qualified = (name: string, at: string) =>
  isQualifiedName(name).map((msg) => invalid(at, name, msg));

/** fieldpath.SplitMaybeSubscriptedPath: "metadata.labels['app']" → metadata.labels, app. */
function splitSubscript(fieldPath: string): { path: string; key: string } | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const body = fieldPath.slice(0, -2);
  const open = body.indexOf("['");
  if (open <= 0) return undefined;
  return { path: body.slice(0, open), key: body.slice(open + 2) };
}

/** pods.ConvertDownwardAPIFieldLabel: the field labels a v1 fieldRef may name. */
function convertFieldLabel(apiVersion: string, label: string): string | { error: string } {
  if (apiVersion !== "v1") return { error: `unsupported pod version: ${apiVersion}` };
  const split = splitSubscript(label);
  if (split) {
    return split.path === "metadata.annotations" || split.path === "metadata.labels"
      ? label
      : { error: `field label does not support subscript: ${label}` };
  }
  // Old v1 clients sent spec.host.
  if (label === "spec.host") return "spec.nodeName";
  return POD_FIELD_LABELS.has(label) ? label : { error: `field label not supported: ${label}` };
}

const POD_FIELD_LABELS = new Set([
  "metadata.annotations",
  "metadata.labels",
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.restartPolicy",
  "spec.serviceAccountName",
  "spec.schedulerName",
  "status.phase",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
]);
