/**
 * Configuration objects show how much they hold: ConfigMap (NAME DATA AGE), Secret (NAME TYPE
 * DATA AGE) and ServiceAccount (NAME SECRETS AGE).
 */
import type { KubeObject } from "../../../api/object.ts";
import { age } from "../age.ts";
import { ageColumn, column, countOf, definePrinter, nameColumn, nameOf } from "../printer.ts";

interface ConfigMapFields extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export const configMapColumns = [
  nameColumn(),
  column(
    "Data",
    "string",
    "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
  ),
  ageColumn(),
];

/** DATA counts the keys of data and binaryData together. */
export const configMapPrinter = definePrinter<ConfigMapFields>(configMapColumns, (cm, { now }) => [
  nameOf(cm),
  countOf(cm.data) + countOf(cm.binaryData),
  age(cm.metadata.creationTimestamp, now),
]);

interface SecretFields extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export const secretColumns = [
  nameColumn(),
  column(
    "Type",
    "string",
    "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
  ),
  column(
    "Data",
    "string",
    "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
  ),
  ageColumn(),
];

/** DATA counts data only: stringData is write-only, merged into data when the secret is stored. */
export const secretPrinter = definePrinter<SecretFields>(secretColumns, (secret, { now }) => [
  nameOf(secret),
  secret.type ?? "",
  countOf(secret.data),
  age(secret.metadata.creationTimestamp, now),
]);

interface ServiceAccountFields extends KubeObject {
  secrets?: unknown[];
}

export const serviceAccountColumns = [
  nameColumn(),
  column(
    "Secrets",
    "string",
    'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". The "kubernetes.io/enforce-mountable-secrets" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
  ),
  ageColumn(),
];

export const serviceAccountPrinter = definePrinter<ServiceAccountFields>(
  serviceAccountColumns,
  (sa, { now }) => [nameOf(sa), countOf(sa.secrets), age(sa.metadata.creationTimestamp, now)],
);
