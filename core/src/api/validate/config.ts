/**
 * ConfigMap and Secret validation (ValidateConfigMap, ValidateSecret and their updates).
 *
 * Both hold files for pods: each key becomes a file name in a volume (hence the key rule), and
 * all values together may not pass 1 MiB, because each object is one etcd value and the kubelet
 * keeps them all in memory. A Secret's `data` arrives base64-encoded; its size is the decoded size.
 */
import {
  byteLength,
  FIELD_IMMUTABLE_ERROR_MSG,
  type FieldError,
  forbidden,
  invalid,
  nameIsDNSSubdomain,
  required,
  tooLong,
} from "../validation.ts";
import { deepEqual, isObject, type JsonObject, obj, str } from "./access.ts";
import { isConfigMapKey } from "./formats.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";

/** core.MaxSecretSize: 1 MiB, for ConfigMaps too. */
export const MAX_SECRET_SIZE = 1024 * 1024;

const entries = (value: unknown): [string, unknown][] =>
  isObject(value) ? Object.entries(value) : [];
const decodedLength = (value: unknown) => Buffer.from(str(value), "base64").length;

// #region configmap
function configMapErrors(cm: JsonObject): FieldError[] {
  const errs = validateMeta(cm, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const binary = obj(cm.binaryData);
  let total = 0;
  for (const [key, value] of entries(cm.data)) {
    errs.push(...isConfigMapKey(key).map((msg) => invalid(`data[${key}]`, key, msg)));
    if (key in binary)
      errs.push(invalid(`data[${key}]`, key, "duplicate of key present in binaryData"));
    total += byteLength(str(value));
  }
  for (const [key, value] of entries(cm.binaryData)) {
    errs.push(...isConfigMapKey(key).map((msg) => invalid(`binaryData[${key}]`, key, msg)));
    total += decodedLength(value);
  }
  // The empty path: Kubernetes means the whole object, and prints ": Too long: ...".
  if (total > MAX_SECRET_SIZE) errs.push(tooLong("", MAX_SECRET_SIZE));
  return errs;
}

export function validateConfigMapCreate(cm: JsonObject): FieldError[] {
  return configMapErrors(cm);
}

export function validateConfigMapUpdate(cm: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateMetaUpdate(cm, old);
  if (old.immutable === true) {
    if (cm.immutable !== true)
      errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
    if (!deepEqual(cm.data, old.data))
      errs.push(forbidden("data", "field is immutable when `immutable` is set"));
    if (!deepEqual(cm.binaryData, old.binaryData))
      errs.push(forbidden("binaryData", "field is immutable when `immutable` is set"));
  }
  return [...errs, ...configMapErrors(cm)];
}
// #endregion configmap

// #region secret
/** The keys each well-known secret type must carry. */
function secretTypeErrors(secret: JsonObject): FieldError[] {
  const data = obj(secret.data);
  const has = (key: string) => key in data;
  switch (str(secret.type)) {
    case "kubernetes.io/service-account-token": {
      const annotations = obj(obj(secret.metadata).annotations);
      return str(annotations["kubernetes.io/service-account.name"]) === ""
        ? [required("metadata.annotations[kubernetes.io/service-account.name]")]
        : [];
    }
    case "kubernetes.io/dockercfg":
      return jsonKeyErrors(data, ".dockercfg");
    case "kubernetes.io/dockerconfigjson":
      return jsonKeyErrors(data, ".dockerconfigjson");
    case "kubernetes.io/basic-auth":
      // Either may be empty, but one of the two must be there.
      return has("username") || has("password")
        ? []
        : [required("data[username]"), required("data[password]")];
    case "kubernetes.io/ssh-auth":
      return decodedLength(data["ssh-privatekey"]) === 0 ? [required("data[ssh-privatekey]")] : [];
    case "kubernetes.io/tls":
      return [
        ...(has("tls.crt") ? [] : [required("data[tls.crt]")]),
        ...(has("tls.key") ? [] : [required("data[tls.key]")]),
      ];
    default:
      return [];
  }
}

function jsonKeyErrors(data: JsonObject, key: string): FieldError[] {
  if (!(key in data)) return [required(`data[${key}]`)];
  try {
    JSON.parse(Buffer.from(str(data[key]), "base64").toString("utf8"));
    return [];
  } catch (e) {
    return [
      invalid(
        `data[${key}]`,
        "<secret contents redacted>",
        e instanceof Error ? e.message : String(e),
      ),
    ];
  }
}

function secretErrors(secret: JsonObject): FieldError[] {
  const errs = validateMeta(secret, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  let total = 0;
  for (const [key, value] of entries(secret.data)) {
    errs.push(...isConfigMapKey(key).map((msg) => invalid(`data[${key}]`, key, msg)));
    total += decodedLength(value);
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong("data", MAX_SECRET_SIZE));
  return [...errs, ...secretTypeErrors(secret)];
}

export function validateSecretCreate(secret: JsonObject): FieldError[] {
  return secretErrors(secret);
}

export function validateSecretUpdate(secret: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateMetaUpdate(secret, old);
  if (str(secret.type) !== str(old.type))
    errs.push(invalid("type", str(secret.type), FIELD_IMMUTABLE_ERROR_MSG));
  if (old.immutable === true) {
    if (secret.immutable !== true)
      errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
    if (!deepEqual(secret.data, old.data))
      errs.push(forbidden("data", "field is immutable when `immutable` is set"));
  }
  return [...errs, ...secretErrors(secret)];
}
// #endregion secret
