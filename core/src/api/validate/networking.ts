/**
 * networking.k8s.io/v1 Ingress and IngressClass validation (pkg/apis/networking/validation).
 *
 * Since networking.k8s.io/v1 every path says how it matches (`pathType`: Exact, Prefix or
 * ImplementationSpecific): there is no default, so a missing one is the error users meet most.
 */
import {
  FIELD_IMMUTABLE_ERROR_MSG,
  type FieldError,
  forbidden,
  invalid,
  isDNS1123Subdomain,
  isValidPathSegmentName,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
  notSupported,
  required,
  tooLong,
  validateNamespaceName,
} from "../validation.ts";
import { isSet, type JsonObject, num, obj, objects, str, strings } from "./access.ts";
import {
  isDomainPrefixedPath,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  parseIPSloppy,
} from "./formats.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";

const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"];
const INVALID_PATH_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
const INVALID_PATH_SUFFIXES = ["/..", "/."];
const MAX_CONTROLLER_LENGTH = 250;

// #region ingress
function ingressErrors(ingress: JsonObject): FieldError[] {
  const errs = validateMeta(ingress, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const spec = obj(ingress.spec);
  const rules = objects(spec.rules);
  if (rules.length === 0 && !isSet(spec.defaultBackend)) {
    errs.push(
      invalid("spec", spec.rules ?? null, "either `defaultBackend` or `rules` must be specified"),
    );
  }
  if (isSet(spec.defaultBackend))
    errs.push(...backendErrors(obj(spec.defaultBackend), "spec.defaultBackend"));
  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    const host = str(rule.host);
    if (host !== "") {
      if (parseIPSloppy(host))
        errs.push(invalid(`${at}.host`, host, "must be a DNS name, not an IP address"));
      const msgs = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      errs.push(...msgs.map((msg) => invalid(`${at}.host`, host, msg)));
    }
    if (isSet(rule.http)) {
      const paths = objects(obj(rule.http).paths);
      if (paths.length === 0) errs.push(required(`${at}.http.paths`));
      errs.push(...paths.flatMap((path, j) => pathErrors(path, `${at}.http.paths[${j}]`)));
    }
  });
  objects(spec.tls).forEach((tls, i) => {
    strings(tls.hosts).forEach((host, j) => {
      const msgs = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      errs.push(...msgs.map((msg) => invalid(`spec.tls[${i}].hosts[${j}]`, host, msg)));
    });
    const secretName = str(tls.secretName);
    if (secretName !== "") {
      errs.push(
        ...nameIsDNSSubdomain(secretName, false).map((msg) =>
          invalid(`spec.tls[${i}].secretName`, secretName, msg),
        ),
      );
    }
  });
  if (isSet(spec.ingressClassName)) {
    const cls = str(spec.ingressClassName);
    errs.push(
      ...nameIsDNSSubdomain(cls, false).map((msg) => invalid("spec.ingressClassName", cls, msg)),
    );
  }
  return errs;
}

function pathErrors(path: JsonObject, at: string): FieldError[] {
  if (!isSet(path.pathType)) return [required(`${at}.pathType`, "pathType must be specified")];
  const errs: FieldError[] = [];
  const p = str(path.path);
  switch (path.pathType) {
    case "Exact":
    case "Prefix":
      if (!p.startsWith("/")) errs.push(invalid(`${at}.path`, p, "must be an absolute path"));
      for (const seq of INVALID_PATH_SEQUENCES) {
        if (p.includes(seq)) errs.push(invalid(`${at}.path`, p, `must not contain '${seq}'`));
      }
      for (const suffix of INVALID_PATH_SUFFIXES) {
        if (p.endsWith(suffix)) errs.push(invalid(`${at}.path`, p, `cannot end with '${suffix}'`));
      }
      break;
    case "ImplementationSpecific":
      if (p !== "" && !p.startsWith("/"))
        errs.push(invalid(`${at}.path`, p, "must be an absolute path"));
      break;
    default:
      errs.push(notSupported(`${at}.pathType`, path.pathType, PATH_TYPES));
  }
  return [...errs, ...backendErrors(obj(path.backend), `${at}.backend`)];
}

/** validateIngressBackend: a Service (by name and port) or another resource, not both. */
function backendErrors(backend: JsonObject, at: string): FieldError[] {
  const hasResource = isSet(backend.resource);
  const hasService = isSet(backend.service);
  if (hasResource && hasService)
    return [invalid(at, "", "cannot set both resource and service backends")];
  if (hasResource) return typedReferenceErrors(obj(backend.resource), `${at}.resource`);
  if (!hasService) return [invalid(at, "", "resource or service backend is required")];
  const service = obj(backend.service);
  const errs: FieldError[] = [];
  const name = str(service.name);
  if (name === "") errs.push(required(`${at}.service.name`));
  else
    errs.push(
      ...nameIsDNS1035Label(name, false).map((msg) => invalid(`${at}.service.name`, name, msg)),
    );
  const port = obj(service.port);
  const portName = str(port.name);
  const portNumber = num(port.number) ?? 0;
  if (portName !== "" && portNumber !== 0)
    errs.push(invalid(at, "", "cannot set both port name & port number"));
  else if (portName !== "")
    errs.push(
      ...isValidPortName(portName).map((msg) => invalid(`${at}.service.port.name`, portName, msg)),
    );
  else if (portNumber !== 0)
    errs.push(
      ...isValidPortNum(portNumber).map((msg) =>
        invalid(`${at}.service.port.number`, portNumber, msg),
      ),
    );
  else errs.push(required(at, "port name or number is required"));
  return errs;
}

function typedReferenceErrors(ref: JsonObject, at: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(ref.apiGroup)) {
    const group = str(ref.apiGroup);
    errs.push(...isDNS1123Subdomain(group).map((msg) => invalid(`${at}.apiGroup`, group, msg)));
  }
  for (const key of ["kind", "name"]) {
    const value = str(ref[key]);
    if (value === "") errs.push(required(`${at}.${key}`));
    else
      errs.push(...isValidPathSegmentName(value).map((msg) => invalid(`${at}.${key}`, value, msg)));
  }
  return errs;
}

export function validateIngressCreate(ingress: JsonObject): FieldError[] {
  const errs = ingressErrors(ingress);
  // The old annotation and the field must agree when both are given. (Kubernetes reports it
  // under "annotations", without "metadata.".)
  const annotation = obj(obj(ingress.metadata).annotations)["kubernetes.io/ingress.class"];
  const className = obj(ingress.spec).ingressClassName;
  if (typeof annotation === "string" && isSet(className) && annotation !== className) {
    errs.push(
      invalid(
        "annotations.kubernetes.io/ingress.class",
        annotation,
        "must match `ingressClassName` when both are specified",
      ),
    );
  }
  return errs;
}

export function validateIngressUpdate(ingress: JsonObject, old: JsonObject): FieldError[] {
  return [...validateMetaUpdate(ingress, old), ...ingressErrors(ingress)];
}
// #endregion ingress

// #region ingress-class
function ingressClassErrors(ingressClass: JsonObject): FieldError[] {
  const errs = validateMeta(ingressClass, { namespaced: false, nameValidator: nameIsDNSSubdomain });
  const spec = obj(ingressClass.spec);
  const controller = str(spec.controller);
  if (controller === "") errs.push(required("spec.controller"));
  else {
    if (controller.length > MAX_CONTROLLER_LENGTH)
      errs.push(tooLong("spec.controller", MAX_CONTROLLER_LENGTH));
    errs.push(
      ...isDomainPrefixedPath(controller).map((e) =>
        invalid("spec.controller", e.value, e.message),
      ),
    );
  }
  if (isSet(spec.parameters))
    errs.push(...parametersErrors(obj(spec.parameters), "spec.parameters"));
  return errs;
}

function parametersErrors(params: JsonObject, at: string): FieldError[] {
  const errs = typedReferenceErrors(params, at);
  if (!isSet(params.scope)) return [...errs, required(`${at}.scope`)];
  const scope = str(params.scope);
  if (scope !== "Namespace" && scope !== "Cluster")
    return [...errs, notSupported(`${at}.scope`, scope, ["Cluster", "Namespace"])];
  if (scope === "Namespace") {
    if (!isSet(params.namespace))
      errs.push(required(`${at}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else {
      const ns = str(params.namespace);
      errs.push(
        ...validateNamespaceName(ns, false).map((msg) => invalid(`${at}.namespace`, ns, msg)),
      );
    }
  }
  if (scope === "Cluster" && isSet(params.namespace))
    errs.push(forbidden(`${at}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  return errs;
}

export function validateIngressClassCreate(ingressClass: JsonObject): FieldError[] {
  return ingressClassErrors(ingressClass);
}

/** The controller is fixed: another controller would read the parameters differently. */
export function validateIngressClassUpdate(
  ingressClass: JsonObject,
  old: JsonObject,
): FieldError[] {
  const errs = validateMetaUpdate(ingressClass, old);
  const controller = str(obj(ingressClass.spec).controller);
  if (controller !== str(obj(old.spec).controller))
    errs.push(invalid("spec.controller", controller, FIELD_IMMUTABLE_ERROR_MSG));
  return [...errs, ...ingressClassErrors(ingressClass)];
}
// #endregion ingress-class
