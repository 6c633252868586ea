/**
 * Service validation (ValidateService, ValidateServiceUpdate in pkg/apis/core/validation).
 *
 * Expects what Kubernetes' service registry guarantees before it validates: defaults applied,
 * and clusterIP/clusterIPs/ipFamilies allocated and kept in step (on update, an allocated
 * clusterIP the request left out is copied from the old object). A request that names only
 * `clusterIP` is read as if `clusterIPs` were `[clusterIP]`, as NormalizeClusterIPs makes it.
 *
 * Once set, the cluster IP never changes, and Kubernetes words that on the list field:
 *
 *   spec.clusterIPs[0]: Invalid value: ["10.96.0.9"]: may not change once set
 */
import {
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  isDNS1123Label,
  isQualifiedName,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
  notSupported,
  required,
  validateLabels,
} from "../validation.ts";
import {
  deepEqual,
  isSet,
  type JsonObject,
  num,
  obj,
  objects,
  str,
  stringMap,
  strings,
} from "./access.ts";
import { portNumOrNameErrors } from "./containers.ts";
import {
  isValidCIDR,
  isValidIP,
  isValidPortNum,
  nonSpecialIPErrors,
  parseIPSloppy,
} from "./formats.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const SESSION_AFFINITIES = ["ClientIP", "None"];
const TRAFFIC_POLICIES = ["Cluster", "Local"];
const IP_FAMILIES = ["IPv4", "IPv6"];
const IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"];
/** ClientIP affinity may last at most a day. */
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

/** `clusterIPs`, or `[clusterIP]` when only the singular field was given. */
function clusterIPsOf(spec: JsonObject): string[] {
  const ips = strings(spec.clusterIPs);
  const ip = str(spec.clusterIP);
  return ips.length === 0 && ip !== "" ? [ip] : ips;
}

const isHeadless = (spec: JsonObject) => {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === "None";
};

const externallyAccessible = (spec: JsonObject) =>
  spec.type === "LoadBalancer" ||
  spec.type === "NodePort" ||
  (spec.type === "ClusterIP" && strings(spec.externalIPs).length > 0);

// #region validate-service
function serviceErrors(service: JsonObject): FieldError[] {
  const errs = validateMeta(service, { namespaced: true, nameValidator: nameIsDNS1035Label });
  const spec = obj(service.spec);
  const type = str(spec.type);
  const ports = objects(spec.ports);
  const headless = isHeadless(spec);
  const clusterIPs = clusterIPsOf(spec);

  if (ports.length === 0 && !headless && type !== "ExternalName") errs.push(required("spec.ports"));
  if ((type === "LoadBalancer" || type === "NodePort") && headless) {
    errs.push(
      invalid("spec.clusterIPs[0]", clusterIPs[0], `may not be set to 'None' for ${type} services`),
    );
  }
  if (type === "ExternalName") {
    if (clusterIPs.length > 0)
      errs.push(forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
    if (strings(spec.ipFamilies).length > 0)
      errs.push(forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
    if (isSet(spec.ipFamilyPolicy))
      errs.push(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
    // A CNAME; a trailing dot marks it fully qualified.
    const cname = str(spec.externalName).replace(/\.$/, "");
    if (cname === "") errs.push(required("spec.externalName"));
    else
      errs.push(
        ...nameIsDNSSubdomain(cname, false).map((msg) => invalid("spec.externalName", cname, msg)),
      );
  }

  const names = new Set<string>();
  errs.push(
    ...ports.flatMap((port, i) =>
      servicePortErrors(port, ports.length > 1, names, `spec.ports[${i}]`),
    ),
  );
  if (isSet(spec.selector)) errs.push(...validateLabels(stringMap(spec.selector), "spec.selector"));

  const affinity = str(spec.sessionAffinity);
  if (affinity === "") errs.push(required("spec.sessionAffinity"));
  else if (!SESSION_AFFINITIES.includes(affinity))
    errs.push(notSupported("spec.sessionAffinity", affinity, SESSION_AFFINITIES));
  if (affinity === "ClientIP") errs.push(...clientIPConfigErrors(spec.sessionAffinityConfig));
  else if (affinity === "None" && isSet(spec.sessionAffinityConfig)) {
    errs.push(
      forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"),
    );
  }

  errs.push(...clusterIPsRelatedErrors(spec));
  strings(spec.externalIPs).forEach((ip, i) => {
    const at = `spec.externalIPs[${i}]`;
    const ipErrs = isValidIP(ip);
    if (ipErrs.length > 0) errs.push(...ipErrs.map((msg) => invalid(at, ip, msg)));
    else errs.push(...nonSpecialIPErrors(ip).map((msg) => invalid(at, ip, msg)));
  });

  if (type === "") errs.push(required("spec.type"));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported("spec.type", type, SERVICE_TYPES));
  if (type === "ClusterIP") {
    ports.forEach((port, i) => {
      if ((num(port.nodePort) ?? 0) !== 0)
        errs.push(
          forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"),
        );
    });
  }
  errs.push(...duplicatePorts(ports));

  const sourceRanges = strings(spec.loadBalancerSourceRanges);
  if (sourceRanges.length > 0) {
    // Kubernetes spells this path with a capital L.
    const at = "spec.LoadBalancerSourceRanges";
    if (type !== "LoadBalancer")
      errs.push(forbidden(at, "may only be used when `type` is 'LoadBalancer'"));
    sourceRanges.forEach((range, i) => {
      const value = range.trim();
      errs.push(...isValidCIDR(value).map((msg) => invalid(`${at}[${i}]`, value, msg)));
    });
  }
  if (isSet(spec.allocateLoadBalancerNodePorts) && type !== "LoadBalancer") {
    errs.push(
      forbidden(
        "spec.allocateLoadBalancerNodePorts",
        "may only be used when `type` is 'LoadBalancer'",
      ),
    );
  }
  // Kubernetes reports this one without "spec.".
  if (type === "LoadBalancer" && !isSet(spec.allocateLoadBalancerNodePorts))
    errs.push(required("allocateLoadBalancerNodePorts"));
  if (isSet(spec.loadBalancerClass)) {
    const cls = str(spec.loadBalancerClass);
    if (type === "LoadBalancer")
      errs.push(...isQualifiedName(cls).map((msg) => invalid("spec.loadBalancerClass", cls, msg)));
    else
      errs.push(
        forbidden("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"),
      );
  }
  errs.push(...trafficPolicyErrors(spec));
  if (isSet(spec.trafficDistribution) && spec.trafficDistribution !== "PreferClose") {
    errs.push(notSupported("spec.trafficDistribution", spec.trafficDistribution, ["PreferClose"]));
  }
  return errs;
}
// #endregion validate-service

function servicePortErrors(
  port: JsonObject,
  requireName: boolean,
  names: Set<string>,
  at: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && name === "") errs.push(required(`${at}.name`));
  else if (name !== "") {
    errs.push(...isDNS1123Label(name).map((msg) => invalid(`${at}.name`, name, msg)));
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else names.add(name);
  }
  const portNumber = num(port.port) ?? 0;
  errs.push(...isValidPortNum(portNumber).map((msg) => invalid(`${at}.port`, portNumber, msg)));
  const protocol = str(port.protocol);
  if (protocol === "") errs.push(required(`${at}.protocol`));
  else if (!PROTOCOLS.includes(protocol))
    errs.push(notSupported(`${at}.protocol`, protocol, PROTOCOLS));
  errs.push(...portNumOrNameErrors(port.targetPort ?? 0, `${at}.targetPort`));
  if (isSet(port.appProtocol)) {
    const app = str(port.appProtocol);
    errs.push(...isQualifiedName(app).map((msg) => invalid(`${at}.appProtocol`, app, msg)));
  }
  return errs;
}

function clientIPConfigErrors(value: unknown): FieldError[] {
  const at = "spec.sessionAffinityConfig";
  const detail = "when session affinity type is ClientIP";
  if (!isSet(value)) return [required(at, detail)];
  const clientIP = obj(value).clientIP;
  if (!isSet(clientIP)) return [required(`${at}.clientIP`, detail)];
  const timeout = obj(clientIP).timeoutSeconds;
  if (!isSet(timeout)) return [required(`${at}.clientIP.timeoutSeconds`, detail)];
  const t = num(timeout) ?? 0;
  return t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS
    ? [
        invalid(
          `${at}.clientIP.timeoutSeconds`,
          t,
          `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`,
        ),
      ]
    : [];
}

/** Two ports may share a number only with different protocols; the same goes for nodePorts. */
function duplicatePorts(ports: JsonObject[]): FieldError[] {
  const errs: FieldError[] = [];
  const nodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const nodePort = num(port.nodePort) ?? 0;
    if (nodePort === 0) return;
    const key = `${str(port.protocol)}/${nodePort}`;
    if (nodePorts.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, nodePort));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((port, i) => {
    const key = `${str(port.protocol)}/${num(port.port) ?? 0}`;
    if (seen.has(key))
      errs.push(
        duplicate(`spec.ports[${i}]`, { protocol: str(port.protocol), port: num(port.port) ?? 0 }),
      );
    seen.add(key);
  });
  return errs;
}

/** ValidateServiceClusterIPsRelatedFields: clusterIPs, ipFamilies and ipFamilyPolicy agree. */
function clusterIPsRelatedErrors(spec: JsonObject): FieldError[] {
  if (spec.type === "ExternalName") return [];
  const errs: FieldError[] = [];
  const clusterIP = str(spec.clusterIP);
  const ips = clusterIPsOf(spec);
  if (clusterIP !== "" && ips[0] !== clusterIP)
    errs.push(invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"));
  if (clusterIP === "" && ips.length > 0)
    errs.push(invalid("spec.clusterIPs", ips, "must be empty when `clusterIP` is not specified"));
  const families = strings(spec.ipFamilies);
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (!IP_FAMILIES.includes(family))
      errs.push(notSupported(`spec.ipFamilies[${i}]`, family, IP_FAMILIES));
    if (seen.has(family)) errs.push(duplicate(`spec.ipFamilies[${i}]`, family));
    seen.add(family);
  });
  if (isSet(spec.ipFamilyPolicy) && !IP_FAMILY_POLICIES.includes(str(spec.ipFamilyPolicy))) {
    errs.push(notSupported("spec.ipFamilyPolicy", spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === "None") {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(invalid("spec.clusterIPs", ips, "'None' must be the first and only value"));
      }
      return;
    }
    const msgs = isValidIP(ip);
    if (msgs.length > 0) badIPs = true;
    errs.push(...msgs.map((msg) => invalid(`spec.clusterIPs[${i}]`, ip, msg)));
  });
  if (ips.length > 2) errs.push(invalid("spec.clusterIPs", ips, "may only hold up to 2 values"));
  if (badIPs) return errs;
  if (
    ips.length > 1 &&
    parseIPSloppy(ips[0] ?? "")?.family === parseIPSloppy(ips[1] ?? "")?.family
  ) {
    errs.push(
      invalid("spec.clusterIPs", ips, "may specify no more than one IP for each IP family"),
    );
  }
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      const family = families[i];
      const v6 = parseIPSloppy(ip)?.family === 6;
      if (family === "IPv4" && v6)
        errs.push(
          invalid(
            `spec.clusterIPs[${i}]`,
            ip,
            `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      if (family === "IPv6" && !v6)
        errs.push(
          invalid(
            `spec.clusterIPs[${i}]`,
            ip,
            `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
    });
  }
  return errs;
}

function trafficPolicyErrors(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const external = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (external !== "") {
      errs.push(
        invalid(
          "spec.externalTrafficPolicy",
          external,
          "may only be set for externally-accessible services",
        ),
      );
    }
  } else if (external === "") {
    errs.push(required("spec.externalTrafficPolicy"));
  } else if (!TRAFFIC_POLICIES.includes(external)) {
    errs.push(notSupported("spec.externalTrafficPolicy", external, TRAFFIC_POLICIES));
  }
  const healthCheckNodePort = num(spec.healthCheckNodePort) ?? 0;
  const needsHealthCheck = spec.type === "LoadBalancer" && external === "Local";
  if (!needsHealthCheck && healthCheckNodePort !== 0) {
    errs.push(
      invalid(
        "spec.healthCheckNodePort",
        healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ),
    );
  } else if (needsHealthCheck) {
    if (healthCheckNodePort === 0) errs.push(required("spec.healthCheckNodePort"));
    else
      errs.push(
        ...isValidPortNum(healthCheckNodePort).map((msg) =>
          invalid("spec.healthCheckNodePort", healthCheckNodePort, msg),
        ),
      );
  }
  if (!isSet(spec.internalTrafficPolicy)) {
    if (spec.type === "NodePort" || spec.type === "LoadBalancer" || spec.type === "ClusterIP") {
      errs.push(required("spec.internalTrafficPolicy"));
    }
  } else if (!TRAFFIC_POLICIES.includes(str(spec.internalTrafficPolicy))) {
    errs.push(
      notSupported("spec.internalTrafficPolicy", spec.internalTrafficPolicy, TRAFFIC_POLICIES),
    );
  }
  return errs;
}

/**
 * ValidateServiceClusterIPsRelatedFields alone: the Service registry runs it before it allocates
 * anything, so an allocator never sees a malformed clusterIP.
 */
export function validateServiceClusterIPsRelatedFields(service: JsonObject): FieldError[] {
  return clusterIPsRelatedErrors(obj(service.spec));
}

export function validateServiceCreate(service: JsonObject): FieldError[] {
  return serviceErrors(service);
}

// #region validate-service-update
export function validateServiceUpdate(service: JsonObject, old: JsonObject): FieldError[] {
  const spec = obj(service.spec);
  const oldSpec = obj(old.spec);
  const errs = [
    ...validateMetaUpdate(service, old),
    ...clusterIPChangeErrors(spec, oldSpec),
    ...ipFamilyChangeErrors(spec, oldSpec),
  ];
  const bothLB = spec.type === "LoadBalancer" && oldSpec.type === "LoadBalancer";
  if (bothLB && !deepEqual(spec.loadBalancerClass, oldSpec.loadBalancerClass)) {
    errs.push(
      invalid("spec.loadBalancerClass", spec.loadBalancerClass ?? null, "may not change once set"),
    );
  }
  const needsHealthCheck = (s: JsonObject) =>
    s.type === "LoadBalancer" && s.externalTrafficPolicy === "Local";
  if (
    needsHealthCheck(spec) &&
    needsHealthCheck(oldSpec) &&
    spec.healthCheckNodePort !== oldSpec.healthCheckNodePort
  ) {
    errs.push(forbidden("spec.healthCheckNodePort", "field is immutable"));
  }
  return [...errs, ...serviceErrors(service)];
}
// #endregion validate-service-update

/** validateUpgradeDowngradeClusterIPs: a secondary IP may come or go; the primary stays. */
function clusterIPChangeErrors(spec: JsonObject, oldSpec: JsonObject): FieldError[] {
  if (spec.type === "ExternalName" || oldSpec.type === "ExternalName") return [];
  if (isHeadless(spec) && isHeadless(oldSpec)) return [];
  const ips = clusterIPsOf(spec);
  const oldIPs = clusterIPsOf(oldSpec);
  const errs: FieldError[] = [];
  if (oldIPs.length === ips.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== ips[i])
        errs.push(invalid(`spec.clusterIPs[${i}]`, ips, "may not change once set"));
    });
  } else if (oldIPs.length > ips.length) {
    if (ips.length === 0)
      errs.push(invalid("spec.clusterIPs[0]", ips, "primary clusterIP can not be unset"));
    if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0]) {
      errs.push(invalid("spec.clusterIPs[0]", ips, "may not change once set"));
    }
    if (ips.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
      errs.push(
        invalid(
          "spec.ipFamilyPolicy",
          spec.ipFamilyPolicy ?? null,
          "must be set to 'SingleStack' when releasing the secondary clusterIP",
        ),
      );
    }
  } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
    errs.push(invalid("spec.clusterIPs[0]", ips, "may not change once set"));
  }
  return errs;
}

/** validateUpgradeDowngradeIPFamilies: the primary family stays, unless the service is headless. */
function ipFamilyChangeErrors(spec: JsonObject, oldSpec: JsonObject): FieldError[] {
  if (spec.type === "ExternalName" || oldSpec.type === "ExternalName") return [];
  if (isHeadless(spec) || isHeadless(oldSpec)) return [];
  const families = strings(spec.ipFamilies);
  const oldFamilies = strings(oldSpec.ipFamilies);
  const errs: FieldError[] = [];
  if (oldFamilies.length === families.length) {
    if (oldFamilies.some((f, i) => f !== families[i]))
      errs.push(invalid("spec.ipFamilies[0]", families, "may not change once set"));
  } else if (oldFamilies.length > families.length) {
    if (clusterIPsOf(spec).length === 0)
      errs.push(invalid("spec.ipFamilies[0]", families, "primary ipFamily can not be unset"));
    if (families.length > 0 && families[0] !== oldFamilies[0]) {
      errs.push(invalid("spec.ipFamilies[0]", clusterIPsOf(spec), "may not change once set"));
    }
    if (families.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
      errs.push(
        invalid(
          "spec.ipFamilyPolicy",
          spec.ipFamilyPolicy ?? null,
          "must be set to 'SingleStack' when releasing the secondary ipFamily",
        ),
      );
    }
  } else if (oldFamilies.length > 0 && families.length > 0 && families[0] !== oldFamilies[0]) {
    errs.push(invalid("spec.ipFamilies[0]", clusterIPsOf(spec), "may not change once set"));
  }
  return errs;
}
