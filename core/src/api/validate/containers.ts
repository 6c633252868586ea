/**
 * Containers, as core validation checks them for every kind that embeds a pod spec
 * (validateContainers, validateInitContainers and validateContainerCommon).
 *
 * Two things users often expect that Kubernetes does not do:
 * - two ports with the same containerPort and protocol are accepted (only a warning in
 *   Kubernetes); what must be unique are port *names*, and hostPorts across the pod;
 * - environment variable names may hold any printable ASCII but "=", since 1.32
 *   (RelaxedEnvironmentVariableValidation), so `MY-VAR.1` and `1ST` are fine.
 */
import {
  duplicate,
  type FieldError,
  forbidden,
  IS_NEGATIVE_ERROR_MSG,
  invalid,
  isDNS1123Label,
  nameIsDNSSubdomain,
  notFound,
  notSupported,
  required,
} from "../validation.ts";
import { isSet, type JsonObject, num, obj, objects, str, strings } from "./access.ts";
import {
  isConfigMapKey,
  isHTTPHeaderName,
  isRelaxedEnvVarName,
  isValidPortName,
  isValidPortNum,
} from "./formats.ts";
import { localDescendingPath } from "./paths.ts";
import { resourceRequirementsErrors } from "./resources.ts";
import { objectFieldSelectorErrors } from "./volumes.ts";

const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];
const ENV_FIELD_PATHS = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];
const ENV_RESOURCE_FIELDS = [
  "limits.cpu",
  "limits.ephemeral-storage",
  "limits.memory",
  "requests.cpu",
  "requests.ephemeral-storage",
  "requests.memory",
];
const MAX_UID = 4294967295;

/** What a container check needs from its pod. */
export interface ContainerContext {
  /** Names of the pod's valid volumes. */
  volumes: Set<string>;
  /** terminationGracePeriodSeconds, which bounds a preStop sleep. */
  gracePeriod: number | undefined;
}

// #region validate-containers
/** validateContainers: at least one, unique names, probes and lifecycle allowed. */
export function validateContainers(
  list: unknown,
  field: string,
  ctx: ContainerContext,
): FieldError[] {
  const containers = objects(list);
  if (containers.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const at = `${field}[${i}]`;
    errs.push(...containerCommonErrors(c, at, ctx));
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else names.add(name);
    if (isSet(c.lifecycle)) errs.push(...lifecycleErrors(obj(c.lifecycle), `${at}.lifecycle`, ctx));
    errs.push(...probeErrors(c, at, ctx));
    if (isSet(c.restartPolicy))
      errs.push(forbidden(`${at}.restartPolicy`, "may not be set for non-init containers"));
  });
  errs.push(...hostPortConflicts(containers, field));
  return errs;
}
// #endregion validate-containers

/**
 * validateInitContainers: names unique across init and regular containers; probes and lifecycle
 * only for sidecars (`restartPolicy: Always`), which keep running beside the main containers.
 */
export function validateInitContainers(
  list: unknown,
  regular: unknown,
  field: string,
  ctx: ContainerContext,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(objects(regular).map((c) => str(c.name)));
  objects(list).forEach((c, i) => {
    const at = `${field}[${i}]`;
    errs.push(...containerCommonErrors(c, at, ctx));
    let sidecar = false;
    if (isSet(c.restartPolicy)) {
      if (c.restartPolicy !== "Always")
        errs.push(notSupported(`${at}.restartPolicy`, c.restartPolicy, ["Always"]));
      sidecar = c.restartPolicy === "Always";
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else if (name !== "") names.add(name);
    // Init containers run one at a time, so only ports within one of them can clash.
    errs.push(...hostPortConflicts([c], field));
    if (sidecar) {
      if (isSet(c.lifecycle))
        errs.push(...lifecycleErrors(obj(c.lifecycle), `${at}.lifecycle`, ctx));
      errs.push(...probeErrors(c, at, ctx));
    } else {
      for (const f of ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"]) {
        if (isSet(c[f]))
          errs.push(
            forbidden(
              `${at}.${f}`,
              "may not be set for init containers without restartPolicy=Always",
            ),
          );
      }
    }
  });
  return errs;
}

/** validateContainerCommon: what every kind of container must get right. */
function containerCommonErrors(c: JsonObject, at: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (name === "") errs.push(required(`${at}.name`));
  else errs.push(...isDNS1123Label(name).map((msg) => invalid(`${at}.name`, name, msg)));
  if (str(c.image) === "") errs.push(required(`${at}.image`));
  const policy = str(c.terminationMessagePolicy);
  if (policy === "") errs.push(required(`${at}.terminationMessagePolicy`));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(policy)) {
    errs.push(notSupported(`${at}.terminationMessagePolicy`, policy, TERMINATION_MESSAGE_POLICIES));
  }
  errs.push(...portErrors(c.ports, `${at}.ports`));
  errs.push(...envErrors(c.env, `${at}.env`));
  errs.push(...envFromErrors(c.envFrom, `${at}.envFrom`));
  errs.push(...volumeMountErrors(c.volumeMounts, `${at}.volumeMounts`, ctx.volumes));
  const pull = str(c.imagePullPolicy);
  if (pull === "") errs.push(required(`${at}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(pull))
    errs.push(notSupported(`${at}.imagePullPolicy`, pull, PULL_POLICIES));
  errs.push(...resourceRequirementsErrors(obj(c.resources), `${at}.resources`));
  errs.push(...securityContextErrors(c.securityContext, `${at}.securityContext`));
  return errs;
}

function portErrors(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objects(list).forEach((port, i) => {
    const at = `${field}[${i}]`;
    const name = str(port.name);
    if (name !== "") {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) errs.push(...msgs.map((msg) => invalid(`${at}.name`, name, msg)));
      else if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
      else names.add(name);
    }
    const containerPort = num(port.containerPort) ?? 0;
    if (containerPort === 0) errs.push(required(`${at}.containerPort`));
    else
      errs.push(
        ...isValidPortNum(containerPort).map((msg) =>
          invalid(`${at}.containerPort`, containerPort, msg),
        ),
      );
    const hostPort = num(port.hostPort) ?? 0;
    if (hostPort !== 0)
      errs.push(...isValidPortNum(hostPort).map((msg) => invalid(`${at}.hostPort`, hostPort, msg)));
    const protocol = str(port.protocol);
    if (protocol === "") errs.push(required(`${at}.protocol`));
    else if (!PROTOCOLS.includes(protocol))
      errs.push(notSupported(`${at}.protocol`, protocol, PROTOCOLS));
  });
  return errs;
}

/** AccumulateUniqueHostPorts: one hostPort per protocol and host IP across the containers. */
function hostPortConflicts(containers: JsonObject[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    objects(c.ports).forEach((port, pi) => {
      const hostPort = num(port.hostPort) ?? 0;
      if (hostPort === 0) return;
      const key = `${str(port.protocol)}/${str(port.hostIP)}/${hostPort}`;
      if (seen.has(key)) errs.push(duplicate(`${field}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

function envErrors(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(list).forEach((env, i) => {
    const at = `${field}[${i}]`;
    const name = str(env.name);
    if (name === "") errs.push(required(`${at}.name`));
    else errs.push(...isRelaxedEnvVarName(name).map((msg) => invalid(`${at}.name`, name, msg)));
    if (isSet(env.valueFrom))
      errs.push(...valueFromErrors(obj(env.valueFrom), str(env.value), `${at}.valueFrom`));
  });
  return errs;
}

/** validateEnvVarValueFrom: exactly one source, and no literal value beside it. */
function valueFromErrors(valueFrom: JsonObject, value: string, at: string): FieldError[] {
  const errs: FieldError[] = [];
  let sources = 0;
  if (isSet(valueFrom.fieldRef)) {
    sources++;
    errs.push(
      ...objectFieldSelectorErrors(obj(valueFrom.fieldRef), ENV_FIELD_PATHS, `${at}.fieldRef`),
    );
  }
  if (isSet(valueFrom.resourceFieldRef)) {
    sources++;
    const ref = obj(valueFrom.resourceFieldRef);
    const resource = str(ref.resource);
    if (resource === "") errs.push(required(`${at}.resourceFieldRef.resource`));
    else if (
      !ENV_RESOURCE_FIELDS.includes(resource) &&
      !/^(requests|limits)\.hugepages-/.test(resource)
    ) {
      errs.push(notSupported(`${at}.resourceFieldRef.resource`, resource, ENV_RESOURCE_FIELDS));
    }
  }
  for (const kind of ["configMapKeyRef", "secretKeyRef"]) {
    if (!isSet(valueFrom[kind])) continue;
    sources++;
    const ref = obj(valueFrom[kind]);
    const name = str(ref.name);
    // The name is checked as a name even when empty, so "" gets the DNS-subdomain message.
    errs.push(
      ...nameIsDNSSubdomain(name, false).map((msg) => invalid(`${at}.${kind}.name`, name, msg)),
    );
    const key = str(ref.key);
    if (key === "") errs.push(required(`${at}.${kind}.key`));
    else errs.push(...isConfigMapKey(key).map((msg) => invalid(`${at}.${kind}.key`, key, msg)));
  }
  if (sources === 0) {
    errs.push(
      invalid(
        at,
        "",
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
      ),
    );
  } else if (value !== "") {
    errs.push(invalid(at, "", "may not be specified when `value` is not empty"));
  } else if (sources > 1) {
    errs.push(invalid(at, "", "may not have more than one field specified at a time"));
  }
  return errs;
}

/** ValidateEnvFrom. Kubernetes reports a source-less entry on the list, not the entry. */
function envFromErrors(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(list).forEach((source, i) => {
    const at = `${field}[${i}]`;
    const prefix = str(source.prefix);
    if (prefix !== "")
      errs.push(...isRelaxedEnvVarName(prefix).map((msg) => invalid(`${at}.prefix`, prefix, msg)));
    let sources = 0;
    for (const kind of ["configMapRef", "secretRef"]) {
      if (!isSet(source[kind])) continue;
      sources++;
      const name = str(obj(source[kind]).name);
      if (name === "") errs.push(required(`${at}.${kind}.name`));
      else
        errs.push(
          ...nameIsDNSSubdomain(name, true).map((msg) => invalid(`${at}.${kind}.name`, name, msg)),
        );
    }
    if (sources === 0)
      errs.push(invalid(field, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (sources > 1)
      errs.push(invalid(field, "", "may not have more than one field specified at a time"));
  });
  return errs;
}

/**
 * ValidateVolumeMounts: each mount names a volume of the pod, at a unique path. (Kubernetes
 * reports a bad subPath on `volumeMounts.subPath`, without the index; so do we.)
 */
function volumeMountErrors(list: unknown, field: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  objects(list).forEach((mount, i) => {
    const at = `${field}[${i}]`;
    const name = str(mount.name);
    const mountPath = str(mount.mountPath);
    if (name === "") errs.push(required(`${at}.name`));
    if (!volumes.has(name)) errs.push(notFound(`${at}.name`, name));
    if (mountPath === "") errs.push(required(`${at}.mountPath`));
    if (mountPaths.has(mountPath))
      errs.push(invalid(`${at}.mountPath`, mountPath, "must be unique"));
    mountPaths.add(mountPath);
    const subPath = str(mount.subPath);
    const subPathExpr = str(mount.subPathExpr);
    if (subPath !== "") errs.push(...localDescendingPath(subPath, `${field}.subPath`));
    if (subPathExpr !== "") {
      if (subPath !== "") {
        errs.push(
          invalid(
            `${at}.subPathExpr`,
            subPathExpr,
            "subPathExpr and subPath are mutually exclusive",
          ),
        );
      }
      errs.push(...localDescendingPath(subPathExpr, `${field}.subPathExpr`));
    }
  });
  return errs;
}

function probeErrors(c: JsonObject, at: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  for (const kind of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
    if (!isSet(c[kind])) continue;
    const probe = obj(c[kind]);
    const path = `${at}.${kind}`;
    errs.push(...handlerErrors(probe, ["exec", "httpGet", "tcpSocket", "grpc"], path, ctx));
    for (const f of [
      "initialDelaySeconds",
      "timeoutSeconds",
      "periodSeconds",
      "successThreshold",
      "failureThreshold",
    ]) {
      const value = num(probe[f]) ?? 0;
      if (value < 0) errs.push(invalid(`${path}.${f}`, value, IS_NEGATIVE_ERROR_MSG));
    }
    const grace = num(probe.terminationGracePeriodSeconds);
    if (grace !== undefined && grace <= 0) {
      errs.push(invalid(`${path}.terminationGracePeriodSeconds`, grace, "must be greater than 0"));
    }
    // A liveness or startup probe that needs several successes would restart healthy containers.
    if (kind !== "readinessProbe" && num(probe.successThreshold) !== 1) {
      errs.push(invalid(`${path}.successThreshold`, num(probe.successThreshold) ?? 0, "must be 1"));
    }
    if (kind === "readinessProbe" && isSet(probe.terminationGracePeriodSeconds)) {
      errs.push(
        invalid(
          `${path}.terminationGracePeriodSeconds`,
          probe.terminationGracePeriodSeconds,
          "must not be set for readinessProbes",
        ),
      );
    }
  }
  return errs;
}

function lifecycleErrors(lifecycle: JsonObject, at: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  for (const hook of ["postStart", "preStop"]) {
    if (isSet(lifecycle[hook]))
      errs.push(
        ...handlerErrors(
          obj(lifecycle[hook]),
          ["exec", "httpGet", "tcpSocket", "sleep"],
          `${at}.${hook}`,
          ctx,
        ),
      );
  }
  return errs;
}

/** validateHandler: exactly one way to probe or hook. */
function handlerErrors(
  handler: JsonObject,
  kinds: readonly string[],
  at: string,
  ctx: ContainerContext,
): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    if (!isSet(handler[kind])) continue;
    if (count > 0) {
      errs.push(forbidden(`${at}.${kind}`, "may not specify more than 1 handler type"));
      continue;
    }
    count++;
    const h = obj(handler[kind]);
    const path = `${at}.${kind}`;
    switch (kind) {
      case "exec":
        if (strings(h.command).length === 0) errs.push(required(`${path}.command`));
        break;
      case "httpGet":
        if (str(h.path) === "") errs.push(required(`${path}.path`));
        errs.push(...portNumOrNameErrors(h.port, `${path}.port`));
        if (!["HTTP", "HTTPS"].includes(str(h.scheme)))
          errs.push(notSupported(`${path}.scheme`, str(h.scheme), ["HTTP", "HTTPS"]));
        for (const header of objects(h.httpHeaders)) {
          errs.push(
            ...isHTTPHeaderName(str(header.name)).map((msg) =>
              invalid(`${path}.httpHeaders`, str(header.name), msg),
            ),
          );
        }
        break;
      case "tcpSocket":
        errs.push(...portNumOrNameErrors(h.port, `${path}.port`));
        break;
      case "grpc":
        errs.push(...portNumOrNameErrors(num(h.port) ?? 0, `${path}.port`));
        break;
      case "sleep": {
        // PodLifecycleSleepActionAllowZero (on by default since 1.33): 0 means "do not wait".
        const seconds = num(h.seconds) ?? 0;
        if (ctx.gracePeriod !== undefined && (seconds < 0 || seconds > ctx.gracePeriod)) {
          errs.push(
            invalid(
              path,
              seconds,
              `must be non-negative and less than terminationGracePeriodSeconds (${ctx.gracePeriod})`,
            ),
          );
        }
        break;
      }
    }
  }
  if (count === 0) errs.push(required(at, "must specify a handler type"));
  return errs;
}

/** ValidatePortNumOrName: a number is a port, a string is a port name (so "8080" is not valid). */
export function portNumOrNameErrors(port: unknown, field: string): FieldError[] {
  if (typeof port === "string")
    return isValidPortName(port).map((msg) => invalid(field, port, msg));
  const n = num(port) ?? 0;
  return isValidPortNum(n).map((msg) => invalid(field, n, msg));
}

/** ValidateSecurityContext, the parts that are not about Windows, AppArmor or seccomp. */
function securityContextErrors(value: unknown, at: string): FieldError[] {
  if (!isSet(value)) return [];
  const sc = obj(value);
  const errs: FieldError[] = [];
  for (const f of ["runAsUser", "runAsGroup"]) {
    const id = num(sc[f]);
    if (id !== undefined && (id < 0 || id > MAX_UID))
      errs.push(invalid(`${at}.${f}`, id, `must be between 0 and ${MAX_UID}, inclusive`));
  }
  if (sc.allowPrivilegeEscalation === false && sc.privileged === true) {
    errs.push(
      invalid(at, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"),
    );
  }
  return errs;
}
