/**
 * A container's environment as the kubelet builds it — makeEnvironmentVariables,
 * podFieldSelectorRuntimeValue and containerResourceRuntimeValue (pkg/kubelet/kubelet_pods.go),
 * the `$(VAR)` expansion (third_party/forked/golang/expansion) and the service links
 * (pkg/kubelet/envvars).
 *
 * The order decides who wins, as in Kubernetes:
 * 1. envFrom, source by source (a later source overrides an earlier one; `prefix` is prepended);
 * 2. env, in order: a `value` is expanded against what is defined so far and the service
 *    variables; a `valueFrom` is resolved (fieldRef, resourceFieldRef, configMapKeyRef,
 *    secretKeyRef);
 * 3. the service variables (KUBERNETES_SERVICE_HOST, ...) for every name not already set.
 *
 * Guarantees:
 * - A missing ConfigMap or Secret, or a missing key, is an error with the kubelet's message
 *   (the container then waits in CreateContainerConfigError), unless the reference is
 *   `optional`, in which case the variable (or the whole envFrom source) is skipped.
 * - Objects are fetched once per call, however many references name them.
 * - command and args are expanded with the finished environment (expandContainerCommand), where
 *   an unknown `$(NAME)` stays as written and `$$` is a literal `$`.
 */
import { parseQuantityJSON, type Quantity } from "../api/quantity.ts";
import type { Container, Pod } from "../api/types.ts";

/** What the environment reads from the API: nothing found is `undefined`, not an error. */
export interface EnvObjects {
  configMap(namespace: string, name: string): Promise<ConfigMapLike | undefined>;
  secret(namespace: string, name: string): Promise<SecretLike | undefined>;
}

export interface ConfigMapLike {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** A Secret's `data` is base64, as the API carries it. */
export interface SecretLike {
  data?: Record<string, string>;
}

/** The Service fields the links need. */
export interface ServiceLike {
  metadata: { name?: string; namespace?: string };
  spec?: {
    clusterIP?: string;
    ports?: { name?: string; port: number; protocol?: string }[];
  };
}

export interface EnvInput {
  pod: Pod;
  container: Container;
  podIP: string;
  hostIP: string;
  objects: EnvObjects;
  /** Every Service the kubelet knows (its lister); the links pick the ones the pod sees. */
  services: ServiceLike[];
  /** The node's allocatable: what resourceFieldRef reports for a limit the container lacks. */
  nodeAllocatable: Record<string, string>;
}

/** An error that leaves the container in CreateContainerConfigError. */
export class ContainerConfigError extends Error {
  override name = "ContainerConfigError";
}

type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    resourceFieldRef?: { containerName?: string; resource: string; divisor?: string | number };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
};
type EnvFromSource = {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
};

// #region makeEnvironmentVariables
/** The container's variables, as name → value. */
export async function makeEnvironment(input: EnvInput): Promise<Map<string, string>> {
  const { pod, container } = input;
  const namespace = (pod.metadata.namespace as string | undefined) ?? "default";
  const serviceEnv = serviceEnvironment(
    input.services,
    namespace,
    pod.spec.enableServiceLinks !== false, // the API defaults it to true
  );
  const fetch = cachedObjects(input.objects, namespace);
  const env = new Map<string, string>();

  for (const source of (container.envFrom as EnvFromSource[] | undefined) ?? []) {
    const prefix = source.prefix ?? "";
    if (source.configMapRef) {
      const ref = source.configMapRef;
      const cm = await fetch.configMap(ref.name, ref.optional === true);
      for (const [key, value] of Object.entries(cm?.data ?? {})) env.set(prefix + key, value);
    } else if (source.secretRef) {
      const ref = source.secretRef;
      const secret = await fetch.secret(ref.name, ref.optional === true);
      for (const [key, value] of Object.entries(secret?.data ?? {}))
        env.set(prefix + key, decodeBase64(value));
    }
  }

  const lookup = (name: string) => env.get(name) ?? serviceEnv.get(name);
  for (const v of (container.env as EnvVar[] | undefined) ?? []) {
    let value: string | undefined = v.value ?? "";
    if (v.value) value = expand(v.value, lookup);
    else if (v.valueFrom) value = await resolveSource(v.valueFrom, input, namespace, fetch);
    if (value === undefined) continue; // an optional reference that found nothing
    env.set(v.name, value);
  }

  for (const [name, value] of serviceEnv) if (!env.has(name)) env.set(name, value);
  return env;
}
// #endregion makeEnvironmentVariables

async function resolveSource(
  from: NonNullable<EnvVar["valueFrom"]>,
  input: EnvInput,
  namespace: string,
  fetch: ReturnType<typeof cachedObjects>,
): Promise<string | undefined> {
  if (from.fieldRef) return podFieldValue(input.pod, from.fieldRef.fieldPath, input);
  if (from.resourceFieldRef) return containerResourceValue(from.resourceFieldRef, input);
  if (from.configMapKeyRef) {
    const { name, key, optional } = from.configMapKeyRef;
    const cm = await fetch.configMap(name, optional === true);
    if (!cm) return undefined;
    const value = cm.data?.[key];
    if (value !== undefined) return value;
    if (optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`);
  }
  if (from.secretKeyRef) {
    const { name, key, optional } = from.secretKeyRef;
    const secret = await fetch.secret(name, optional === true);
    if (!secret) return undefined;
    const value = secret.data?.[key];
    if (value !== undefined) return decodeBase64(value);
    if (optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${key} in Secret ${namespace}/${name}`);
  }
  return "";
}

/**
 * One fetch per object per call. Not found and not optional is the error the kubelet's
 * watch-based ConfigMap/Secret managers return: `configmap "app" not found` (their resource
 * names are singular, unlike the API server's `configmaps "app" not found`).
 */
function cachedObjects(objects: EnvObjects, namespace: string) {
  const configMaps = new Map<string, ConfigMapLike | undefined>();
  const secrets = new Map<string, SecretLike | undefined>();
  async function get<T>(
    cache: Map<string, T | undefined>,
    name: string,
    optional: boolean,
    kind: string,
    load: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    if (!cache.has(name)) cache.set(name, await load());
    const found = cache.get(name);
    if (!found && !optional) throw new ContainerConfigError(`${kind} "${name}" not found`);
    return found;
  }
  return {
    configMap: (name: string, optional: boolean) =>
      get(configMaps, name, optional, "configmap", () => objects.configMap(namespace, name)),
    secret: (name: string, optional: boolean) =>
      get(secrets, name, optional, "secret", () => objects.secret(namespace, name)),
  };
}

// #region podFieldValue
/**
 * The downward API's pod fields (podFieldSelectorRuntimeValue, fieldpath.ExtractFieldPathAsString):
 * metadata.name, metadata.namespace, metadata.uid, metadata.labels['k'],
 * metadata.annotations['k'], spec.nodeName, spec.serviceAccountName, status.hostIP(s),
 * status.podIP(s). The IPs are the kubelet's own, not the API's status, which may lag.
 */
export function podFieldValue(
  pod: Pod,
  fieldPath: string,
  ips: { podIP: string; hostIP: string },
): string {
  const meta = pod.metadata;
  switch (fieldPath) {
    case "metadata.name":
      return (meta.name as string | undefined) ?? "";
    case "metadata.namespace":
      return (meta.namespace as string | undefined) ?? "default";
    case "metadata.uid":
      return (meta.uid as string | undefined) ?? "";
    case "spec.nodeName":
      return pod.spec.nodeName ?? "";
    case "spec.serviceAccountName":
      return (pod.spec.serviceAccountName as string | undefined) ?? "";
    case "status.hostIP":
    case "status.hostIPs":
      return ips.hostIP;
    case "status.podIP":
    case "status.podIPs":
      return ips.podIP;
  }
  const subscript = /^metadata\.(labels|annotations)\['([^']*)'\]$/.exec(fieldPath);
  if (subscript) {
    const map = meta[subscript[1] as "labels" | "annotations"] as
      | Record<string, string>
      | undefined;
    return map?.[subscript[2] as string] ?? "";
  }
  if (fieldPath === "metadata.labels" || fieldPath === "metadata.annotations") {
    // Whole maps exist for volumes only: one `key="value"` per line, sorted (FormatMap).
    const map = (meta[fieldPath.slice(9) as "labels" | "annotations"] ?? {}) as Record<
      string,
      string
    >;
    return Object.keys(map)
      .sort()
      .map((k) => `${k}=${JSON.stringify(map[k])}`)
      .join("\n");
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
}
// #endregion podFieldValue

// #region containerResourceValue
/**
 * resourceFieldRef: a limit or request of a container, divided by `divisor` (default 1) and
 * rounded up — so limits.cpu 250m with divisor 1 is "1", with divisor 1m "250"; limits.memory
 * 64Mi with divisor 1Mi is "64". A limit the container lacks is the node's allocatable
 * (defaultPodLimitsForDownwardAPI).
 */
export function containerResourceValue(
  ref: NonNullable<NonNullable<EnvVar["valueFrom"]>["resourceFieldRef"]>,
  input: Pick<EnvInput, "pod" | "container" | "nodeAllocatable">,
): string {
  const container = ref.containerName
    ? [...input.pod.spec.containers, ...(input.pod.spec.initContainers ?? [])].find(
        (c) => c.name === ref.containerName,
      )
    : input.container;
  if (!container) throw new ContainerConfigError(`container ${ref.containerName} not found`);
  const [kind, resource] = ref.resource.split(".") as [string, string];
  if ((kind !== "limits" && kind !== "requests") || !resource) {
    throw new ContainerConfigError(`unsupported container resource : ${ref.resource}`);
  }
  const resources = (container.resources ?? {}) as Record<string, Record<string, unknown>>;
  let raw = resources[kind]?.[resource];
  if (raw === undefined && kind === "limits") raw = input.nodeAllocatable[resource];
  const amount = raw === undefined ? undefined : parseQuantityJSON(raw);
  const divisor = parseQuantityJSON(ref.divisor ?? "1");
  const zero = (q: Quantity | undefined) => !q || q.mantissa === 0n;
  const by = zero(divisor) ? parseQuantityJSON("1") : divisor;
  // CPU compares in millicores, everything else in units (convertResourceCPUToString & co).
  const scale = resource === "cpu" ? 3 : 0;
  const value = amount ? toNumber(amount, scale) : 0;
  return String(Math.ceil(value / toNumber(by, scale)));
}
// #endregion containerResourceValue

function toNumber(q: Quantity, scale: number): number {
  return Number(q.mantissa) * 10 ** (q.exponent + scale);
}

// #region expand
/**
 * `$(NAME)` becomes NAME's value when `lookup` knows it, else stays as written; `$$` is a
 * literal `$` (so `$$(NAME)` is the text `$(NAME)`); a lone `$` or an unclosed `$(` stays.
 * Example: with A=1, "x-$(A)-$(B)-$$(A)" expands to "x-1-$(B)-$(A)".
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (c !== "$" || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out += "$(";
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        i = close + 1;
      }
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}
// #endregion expand

/** command and args with `$(VAR)` expanded against the container's environment. */
export function expandContainerCommand(
  container: Container,
  env: Map<string, string>,
): { command: string[]; args: string[] } {
  const lookup = (name: string) => env.get(name);
  return {
    command: ((container.command as string[] | undefined) ?? []).map((s) => expand(s, lookup)),
    args: ((container.args as string[] | undefined) ?? []).map((s) => expand(s, lookup)),
  };
}

// #region serviceEnvironment
/**
 * The service links (envvars.FromServices): for each Service with a ClusterIP that the pod sees —
 * the `kubernetes` Service in `default` always, its own namespace's when enableServiceLinks —
 * NAME_SERVICE_HOST and NAME_SERVICE_PORT (the first port), NAME_SERVICE_PORT_<PORTNAME> per
 * named port, and Docker's link variables NAME_PORT=tcp://ip:port and
 * NAME_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}. NAME is the service name upper-cased with `-`
 * and `.` as `_`: the Service `web-api` gives WEB_API_SERVICE_HOST.
 */
export function serviceEnvironment(
  services: ServiceLike[],
  namespace: string,
  enableServiceLinks: boolean,
): Map<string, string> {
  const chosen = new Map<string, ServiceLike>();
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    if (!ip || ip === "None") continue;
    const name = s.metadata.name as string;
    if (s.metadata.namespace === "default" && name === "kubernetes") {
      if (!chosen.has(name)) chosen.set(name, s);
    } else if (s.metadata.namespace === namespace && enableServiceLinks) {
      chosen.set(name, s);
    }
  }
  const env = new Map<string, string>();
  for (const [name, s] of chosen) {
    const prefix = envName(name);
    const ip = s.spec?.clusterIP as string;
    const ports = s.spec?.ports ?? [];
    env.set(`${prefix}_SERVICE_HOST`, ip);
    const first = ports[0];
    if (first) env.set(`${prefix}_SERVICE_PORT`, String(first.port));
    for (const p of ports) {
      if (p.name) {
        env.set(`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
      }
    }
    if (first) {
      env.set(`${prefix}_PORT`, `${(first.protocol ?? "TCP").toLowerCase()}://${ip}:${first.port}`);
    }
    for (const p of ports) {
      const proto = p.protocol ?? "TCP";
      const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      env.set(base, `${proto.toLowerCase()}://${ip}:${p.port}`);
      env.set(`${base}_PROTO`, proto.toLowerCase());
      env.set(`${base}_PORT`, String(p.port));
      env.set(`${base}_ADDR`, ip);
    }
  }
  return env;
}
// #endregion serviceEnvironment

/** makeEnvVariableName: upper case, `-` and `.` as `_`, and `_` before a leading digit. */
function envName(name: string): string {
  const upper = name.toUpperCase().replaceAll("-", "_").replaceAll(".", "_");
  return /^[0-9]/.test(upper) ? `_${upper}` : upper;
}

const decodeBase64 = (value: string) => Buffer.from(value, "base64").toString("utf8");
