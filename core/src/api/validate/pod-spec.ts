/**
 * ValidatePodSpec and ValidatePodTemplateSpec: the rules a pod spec follows wherever it is
 * embedded (a Pod, a Deployment's or ReplicaSet's template), in Kubernetes' order.
 *
 * Skipped, as esoteric for tinykube: affinity, topologySpreadConstraints, sysctls, seccomp and
 * AppArmor profiles, Windows options, `os`, resource claims, pod-level resources, overhead and
 * ephemeral-container field allow-lists.
 */
import {
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  isDNS1123Label,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSSubdomain,
  notSupported,
  required,
  validateAnnotations,
  validateLabelName,
  validateLabels,
} from "../validation.ts";
import {
  isObject,
  isSet,
  type JsonObject,
  num,
  obj,
  objects,
  str,
  stringMap,
  strings,
} from "./access.ts";
import { validateContainers, validateInitContainers } from "./containers.ts";
import { inclusiveRangeError, isValidIP } from "./formats.ts";
import { validateVolumes } from "./volumes.ts";

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const PREEMPTION_POLICIES = ["PreemptLowerPriority", "Never"];
const MAX_INT32 = 2 ** 31 - 1;
const MAX_ID = 4294967295;
/** Limits from Linux libc name resolution. */
const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;
const MAX_DNS_SEARCH_LIST_CHARS = 2048;

export interface PodSpecOptions {
  /** The spec belongs to a Pod, not a template: hostNetwork ports must then match exactly. */
  resourceIsPod: boolean;
}

// #region validate-pod-spec
export function validatePodSpec(
  spec: JsonObject,
  field: string,
  opts: PodSpecOptions,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!isSet(spec.terminationGracePeriodSeconds))
    errs.push(required(`${field}.terminationGracePeriodSeconds`));
  const gracePeriod = num(spec.terminationGracePeriodSeconds);

  const volumes = validateVolumes(spec.volumes, `${field}.volumes`);
  errs.push(...volumes.errors);
  const ctx = { volumes: volumes.names, gracePeriod };
  errs.push(...validateContainers(spec.containers, `${field}.containers`, ctx));
  errs.push(
    ...validateInitContainers(spec.initContainers, spec.containers, `${field}.initContainers`, ctx),
  );
  errs.push(...hostNetworkErrors(spec, field, opts));

  const restartPolicy = str(spec.restartPolicy);
  if (restartPolicy === "") errs.push(required(`${field}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(restartPolicy))
    errs.push(notSupported(`${field}.restartPolicy`, restartPolicy, RESTART_POLICIES));
  const dnsPolicy = str(spec.dnsPolicy);
  if (dnsPolicy === "") errs.push(required(`${field}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(dnsPolicy))
    errs.push(notSupported(`${field}.dnsPolicy`, dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(stringMap(spec.nodeSelector), `${field}.nodeSelector`));
  errs.push(...podSecurityContextErrors(spec.securityContext, `${field}.securityContext`));
  objects(spec.imagePullSecrets).forEach((ref, i) => {
    if (Object.keys(ref).some((k) => k !== "name"))
      errs.push(invalid(`${field}.imagePullSecrets[${i}]`, ref, "only name may be set"));
  });
  errs.push(...dnsConfigErrors(spec.dnsConfig, dnsPolicy, `${field}.dnsConfig`));
  objects(spec.readinessGates).forEach((gate, i) => {
    const type = str(gate.conditionType);
    errs.push(
      ...isQualifiedName(type).map((msg) =>
        invalid(`${field}.readinessGates[${i}].conditionType`, type, msg),
      ),
    );
  });
  const gates = new Set<string>();
  objects(spec.schedulingGates).forEach((gate, i) => {
    const name = str(gate.name);
    errs.push(
      ...isQualifiedName(name).map((msg) => invalid(`${field}.schedulingGates[${i}]`, name, msg)),
    );
    if (gates.has(name)) errs.push(duplicate(`${field}.schedulingGates[${i}]`, name));
    gates.add(name);
  });
  for (const key of ["serviceAccountName", "nodeName"]) {
    const value = str(spec[key]);
    if (value !== "")
      errs.push(
        ...nameIsDNSSubdomain(value, false).map((msg) => invalid(`${field}.${key}`, value, msg)),
      );
  }
  const deadline = num(spec.activeDeadlineSeconds);
  if (deadline !== undefined && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(
      invalid(`${field}.activeDeadlineSeconds`, deadline, inclusiveRangeError(1, MAX_INT32)),
    );
  }
  for (const key of ["hostname", "subdomain"]) {
    const value = str(spec[key]);
    if (value !== "")
      errs.push(...isDNS1123Label(value).map((msg) => invalid(`${field}.${key}`, value, msg)));
  }
  errs.push(...validateTolerations(spec.tolerations, `${field}.tolerations`));
  objects(spec.hostAliases).forEach((alias, i) => {
    const ip = str(alias.ip);
    errs.push(...isValidIP(ip).map((msg) => invalid(`${field}.hostAliases[${i}].ip`, ip, msg)));
    strings(alias.hostnames).forEach((host, j) => {
      errs.push(
        ...nameIsDNSSubdomain(host, false).map((msg) =>
          invalid(`${field}.hostAliases[${i}].hostnames[${j}]`, host, msg),
        ),
      );
    });
  });
  for (const key of ["priorityClassName", "runtimeClassName"]) {
    const value = str(spec[key]);
    if (value !== "")
      errs.push(
        ...nameIsDNSSubdomain(value, false).map((msg) => invalid(`${field}.${key}`, value, msg)),
      );
  }
  if (isSet(spec.preemptionPolicy) && !PREEMPTION_POLICIES.includes(str(spec.preemptionPolicy))) {
    errs.push(
      notSupported(`${field}.preemptionPolicy`, spec.preemptionPolicy, PREEMPTION_POLICIES),
    );
  }
  return errs;
}
// #endregion validate-pod-spec

/**
 * A hostNetwork pod's ports are the node's ports. In a Pod (after defaulting) hostPort must
 * equal containerPort; in a template it may also be left 0, to be defaulted in each Pod.
 */
function hostNetworkErrors(spec: JsonObject, field: string, opts: PodSpecOptions): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  objects(spec.containers).forEach((c, i) => {
    objects(c.ports).forEach((port, j) => {
      const hostPort = num(port.hostPort) ?? 0;
      const containerPort = num(port.containerPort) ?? 0;
      if ((opts.resourceIsPod || hostPort !== 0) && hostPort !== containerPort) {
        errs.push(
          invalid(
            `${field}.containers[${i}].ports[${j}].hostPort`,
            hostPort,
            "must match `containerPort` when `hostNetwork` is true",
          ),
        );
      }
    });
  });
  return errs;
}

function podSecurityContextErrors(value: unknown, at: string): FieldError[] {
  if (!isObject(value)) return [];
  const errs: FieldError[] = [];
  for (const f of ["fsGroup", "runAsUser", "runAsGroup"]) {
    const id = num(value[f]);
    if (id !== undefined && (id < 0 || id > MAX_ID))
      errs.push(invalid(`${at}.${f}`, id, inclusiveRangeError(0, MAX_ID)));
  }
  (Array.isArray(value.supplementalGroups) ? value.supplementalGroups : []).forEach((gid, i) => {
    const id = num(gid) ?? 0;
    if (id < 0 || id > MAX_ID)
      errs.push(invalid(`${at}.supplementalGroups[${i}]`, id, inclusiveRangeError(0, MAX_ID)));
  });
  return errs;
}

function dnsConfigErrors(value: unknown, dnsPolicy: string, at: string): FieldError[] {
  if (dnsPolicy === "None") {
    if (!isSet(value)) return [required(at, "must provide `dnsConfig` when `dnsPolicy` is None")];
    if (strings(obj(value).nameservers).length === 0) {
      return [
        required(
          `${at}.nameservers`,
          "must provide at least one DNS nameserver when `dnsPolicy` is None",
        ),
      ];
    }
  }
  if (!isSet(value)) return [];
  const config = obj(value);
  const errs: FieldError[] = [];
  const nameservers = strings(config.nameservers);
  if (nameservers.length > MAX_DNS_NAMESERVERS) {
    errs.push(
      invalid(
        `${at}.nameservers`,
        nameservers,
        `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`,
      ),
    );
  }
  nameservers.forEach((ns, i) => {
    errs.push(...isValidIP(ns).map((msg) => invalid(`${at}.nameservers[${i}]`, ns, msg)));
  });
  const searches = strings(config.searches);
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    errs.push(
      invalid(
        `${at}.searches`,
        searches,
        `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`,
      ),
    );
  }
  if (searches.join(" ").length > MAX_DNS_SEARCH_LIST_CHARS) {
    errs.push(
      invalid(
        `${at}.searches`,
        searches,
        `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`,
      ),
    );
  }
  searches.forEach((search, i) => {
    const trimmed = search.endsWith(".") ? search.slice(0, -1) : search;
    errs.push(
      ...nameIsDNSSubdomain(trimmed, false).map((msg) =>
        invalid(`${at}.searches[${i}]`, trimmed, msg),
      ),
    );
  });
  objects(config.options).forEach((option, i) => {
    if (str(option.name) === "") errs.push(required(`${at}.options[${i}]`, "must not be empty"));
  });
  return errs;
}

// #region tolerations
/** ValidateTolerations: a toleration matches taints by key, operator, value and effect. */
export function validateTolerations(list: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(list).forEach((t, i) => {
    const at = `${field}[${i}]`;
    const key = str(t.key);
    const operator = str(t.operator);
    const value = str(t.value);
    const effect = str(t.effect);
    if (key !== "") errs.push(...validateLabelName(key, `${at}.key`));
    // An empty key with Exists tolerates every taint; with Equal it would match nothing.
    if (key === "" && operator !== "Exists") {
      errs.push(
        invalid(
          `${at}.operator`,
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (isSet(t.tolerationSeconds) && effect !== "NoExecute") {
      errs.push(
        invalid(
          `${at}.effect`,
          effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    if (operator === "Equal" || operator === "") {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(invalid(`${at}.operator`, value, msgs.join(";")));
    } else if (operator === "Exists") {
      if (value !== "")
        errs.push(
          invalid(`${at}.operator`, value, "value must be empty when `operator` is 'Exists'"),
        );
    } else {
      errs.push(notSupported(`${at}.operator`, operator, ["Equal", "Exists"]));
    }
    if (effect !== "" && !TAINT_EFFECTS.includes(effect))
      errs.push(notSupported(`${at}.effect`, effect, TAINT_EFFECTS));
  });
  return errs;
}
// #endregion tolerations

/** ValidatePodTemplateSpec: the template's labels and annotations, then its spec. */
export function validatePodTemplateSpec(template: JsonObject, field: string): FieldError[] {
  const metadata = obj(template.metadata);
  const spec = obj(template.spec);
  const errs = [
    ...validateLabels(stringMap(metadata.labels), `${field}.labels`),
    ...validateAnnotations(stringMap(metadata.annotations), `${field}.annotations`),
    ...validatePodSpec(spec, `${field}.spec`, { resourceIsPod: false }),
  ];
  if (objects(spec.ephemeralContainers).length > 0) {
    errs.push(
      forbidden(
        `${field}.spec.ephemeralContainers`,
        "ephemeral containers not allowed in pod template",
      ),
    );
  }
  return errs;
}
