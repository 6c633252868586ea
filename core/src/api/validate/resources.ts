/**
 * Resource names and quantities: a container's requests and limits, a LimitRange, a
 * ResourceQuota, a node's capacity (pkg/apis/core/validation with pkg/apis/core/helper).
 *
 * The vocabulary:
 * - a *native* resource has no "/" or lives under kubernetes.io/ ("cpu", "kubernetes.io/foo");
 * - an *extended* resource is any other qualified name ("example.com/gpu"): counted in whole
 *   units, and not overcommittable, so its request must equal its limit;
 * - hugepages-<size> is native but not overcommittable either.
 */
import {
  compareQuantities,
  formatQuantity,
  parseQuantityJSON,
  type Quantity,
  QuantityError,
} from "../quantity.ts";
import {
  type FieldError,
  forbidden,
  IS_NEGATIVE_ERROR_MSG,
  invalid,
  isQualifiedName,
  required,
} from "../validation.ts";
import { isObject, type JsonObject } from "./access.ts";

const STANDARD_RESOURCES = new Set([
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "storage",
  "requests.storage",
  "services.nodeports",
  "services.loadbalancers",
]);

const STANDARD_QUOTA_RESOURCES = new Set([
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.storage",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "persistentvolumeclaims",
  "configmaps",
  "services.nodeports",
  "services.loadbalancers",
]);

const INTEGER_RESOURCES = new Set([
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "services.nodeports",
  "services.loadbalancers",
]);

const CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

export const isHugePages = (name: string) => name.startsWith("hugepages-");
const isQuotaHugePages = (name: string) =>
  isHugePages(name) || name.startsWith("requests.hugepages-");
export const isNative = (name: string) => !name.includes("/") || name.includes("kubernetes.io/");
export const isOvercommitAllowed = (name: string) => isNative(name) && !isHugePages(name);

export function isExtended(name: string): boolean {
  if (isNative(name) || name.startsWith("requests.")) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

const isInteger = (name: string) => INTEGER_RESOURCES.has(name) || isExtended(name);

/** validateResourceName: qualified, and either standard or fully qualified. */
export function resourceNameErrors(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((msg) => invalid(field, name, msg));
  if (errs.length > 0) return errs;
  if (!name.includes("/") && !STANDARD_RESOURCES.has(name) && !isQuotaHugePages(name)) {
    return [invalid(field, name, "must be a standard resource type or fully qualified")];
  }
  return [];
}

/** validateContainerResourceName: cpu, memory, ephemeral-storage, hugepages-*, or extended. */
export function containerResourceNameErrors(name: string, field: string): FieldError[] {
  const errs = resourceNameErrors(name, field);
  if (!name.includes("/")) {
    if (!CONTAINER_RESOURCES.has(name) && !isHugePages(name)) {
      return [...errs, invalid(field, name, "must be a standard resource for containers")];
    }
  } else if (!isNative(name) && !isExtended(name)) {
    return [...errs, invalid(field, name, "doesn't follow extended resource name standard")];
  }
  return errs;
}

/** ValidateResourceQuotaResourceName. */
export function quotaResourceNameErrors(name: string, field: string): FieldError[] {
  const errs = resourceNameErrors(name, field);
  if (!name.includes("/") && !STANDARD_QUOTA_RESOURCES.has(name) && !isQuotaHugePages(name)) {
    return [...errs, invalid(field, name, "must be a standard resource for quota")];
  }
  return errs;
}

/**
 * A quantity as Go would have decoded it. Kubernetes rejects an unparsable one while decoding
 * (400 BadRequest); tinykube reports it here, as an Invalid value with the same message.
 */
export function quantityAt(value: unknown, field: string): { q?: Quantity; errors: FieldError[] } {
  try {
    return { q: parseQuantityJSON(value), errors: [] };
  } catch (e) {
    if (e instanceof QuantityError) return { errors: [invalid(field, value, e.message)] };
    throw e;
  }
}

/** ValidateResourceQuantityValue: not negative, and whole for resources counted in units. */
export function quantityValueErrors(resource: string, q: Quantity, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (q.mantissa < 0n) errs.push(invalid(field, formatQuantity(q), IS_NEGATIVE_ERROR_MSG));
  if (isInteger(resource) && q.exponent < 0)
    errs.push(invalid(field, formatQuantity(q), "must be an integer"));
  return errs;
}

/** Each entry of a ResourceList with its parsed quantity; unparsable entries become errors. */
export function resourceListEntries(
  list: unknown,
  field: string,
): { name: string; q?: Quantity; at: string; errors: FieldError[] }[] {
  if (!isObject(list)) return [];
  return Object.entries(list).map(([name, value]) => {
    const at = `${field}[${name}]`;
    return { name, at, ...quantityAt(value, at) };
  });
}

// #region resource-requirements
/**
 * ValidateContainerResourceRequirements. A request above its limit is reported on
 * `resources.requests` (the list, not the entry), with the quantity as Kubernetes prints it:
 *
 *   spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1
 */
export function resourceRequirementsErrors(resources: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const limPath = `${field}.limits`;
  const reqPath = `${field}.requests`;
  const limits = new Map<string, Quantity>();
  let cpuOrMemory = false;
  let hugePages = false;
  for (const entry of resourceListEntries(resources.limits, limPath)) {
    errs.push(...containerResourceNameErrors(entry.name, entry.at), ...entry.errors);
    if (!entry.q) continue;
    limits.set(entry.name, entry.q);
    errs.push(...quantityValueErrors(entry.name, entry.q, entry.at));
    if (isHugePages(entry.name)) hugePages = true;
    if (entry.name === "cpu" || entry.name === "memory") cpuOrMemory = true;
  }
  for (const entry of resourceListEntries(resources.requests, reqPath)) {
    errs.push(...containerResourceNameErrors(entry.name, entry.at), ...entry.errors);
    if (!entry.q) continue;
    errs.push(...quantityValueErrors(entry.name, entry.q, entry.at));
    const limit = limits.get(entry.name);
    const shown = formatQuantity(entry.q);
    if (limit) {
      const cmp = compareQuantities(entry.q, limit);
      if (cmp !== 0 && !isOvercommitAllowed(entry.name)) {
        errs.push(
          invalid(
            reqPath,
            shown,
            `must be equal to ${entry.name} limit of ${formatQuantity(limit)}`,
          ),
        );
      } else if (cmp > 0) {
        errs.push(
          invalid(
            reqPath,
            shown,
            `must be less than or equal to ${entry.name} limit of ${formatQuantity(limit)}`,
          ),
        );
      }
    } else if (!isOvercommitAllowed(entry.name)) {
      errs.push(required(limPath, "Limit must be set for non overcommitable resources"));
    }
    if (isHugePages(entry.name)) hugePages = true;
    if (entry.name === "cpu" || entry.name === "memory") cpuOrMemory = true;
  }
  if (!cpuOrMemory && hugePages) errs.push(forbidden(field, "HugePages require cpu or memory"));
  return errs;
}
// #endregion resource-requirements
