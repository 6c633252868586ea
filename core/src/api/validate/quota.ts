/**
 * LimitRange and ResourceQuota validation: the two objects that bound what a namespace's pods
 * may ask for. The LimitRanger and ResourceQuota admission plugins enforce them; validation only
 * makes sure they are coherent (a default between min and max, a max not below the min, ...).
 */
import {
  compareQuantities,
  formatQuantity,
  milliValue,
  newQuantity,
  type Quantity,
  quantityValue,
} from "../quantity.ts";
import {
  duplicate,
  FIELD_IMMUTABLE_ERROR_MSG,
  type FieldError,
  forbidden,
  invalid,
  isQualifiedName,
  nameIsDNSSubdomain,
  required,
} from "../validation.ts";
import { isObject, type JsonObject, obj, objects, str, strings } from "./access.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";
import {
  containerResourceNameErrors,
  isOvercommitAllowed,
  quantityAt,
  quantityValueErrors,
  quotaResourceNameErrors,
  resourceNameErrors,
} from "./resources.ts";

const LIMIT_TYPES = new Set(["Pod", "Container", "PersistentVolumeClaim"]);
/** Quantity.MaxMilliValue: past it, MilliValue saturates and ratios fall back to whole units. */
const MAX_MILLI_VALUE = 9223372036854775807n / 1000n;

// #region limit-range
function limitRangeErrors(limitRange: JsonObject): FieldError[] {
  const errs = validateMeta(limitRange, { namespaced: true, nameValidator: nameIsDNSSubdomain });
  const types = new Set<string>();
  objects(obj(limitRange.spec).limits).forEach((item, i) => {
    const at = `spec.limits[${i}]`;
    const type = str(item.type);
    const typeErrs = isQualifiedName(type).map((msg) => invalid(`${at}.type`, type, msg));
    if (typeErrs.length === 0 && !type.includes("/") && !LIMIT_TYPES.has(type)) {
      typeErrs.push(
        invalid(`${at}.type`, type, "must be a standard limit type or fully qualified"),
      );
    }
    errs.push(...typeErrs);
    if (types.has(type)) errs.push(duplicate(`${at}.type`, type));
    types.add(type);

    const nameErrors = (name: string, field: string) =>
      type === "Pod" || type === "Container"
        ? containerResourceNameErrors(name, field)
        : resourceNameErrors(name, field);
    const read = (list: string): Map<string, Quantity> => {
      const out = new Map<string, Quantity>();
      if (!isObject(item[list])) return out;
      for (const [name, value] of Object.entries(item[list])) {
        const field = `${at}.${list}[${name}]`;
        errs.push(...nameErrors(name, field));
        const { q, errors } = quantityAt(value, field);
        errs.push(...errors);
        if (q) out.set(name, q);
      }
      return out;
    };
    const max = read("max");
    const min = read("min");
    let defaults = new Map<string, Quantity>();
    let defaultRequests = new Map<string, Quantity>();
    if (type === "Pod") {
      // A pod has no limits of its own to default: its containers do.
      if (Object.keys(obj(item.default)).length > 0)
        errs.push(forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(obj(item.defaultRequest)).length > 0) {
        errs.push(forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
      }
    } else {
      defaults = read("default");
      defaultRequests = read("defaultRequest");
    }
    if (type === "PersistentVolumeClaim" && !min.has("storage") && !max.has("storage")) {
      errs.push(
        required(
          `${at}.limits`,
          "either minimum or maximum storage value is required, but neither was provided",
        ),
      );
    }
    const ratios = read("maxLimitRequestRatio");
    const keys = new Set([
      ...max.keys(),
      ...min.keys(),
      ...defaults.keys(),
      ...defaultRequests.keys(),
      ...ratios.keys(),
    ]);
    for (const k of keys)
      errs.push(
        ...limitRelationErrors(
          k,
          at,
          min.get(k),
          max.get(k),
          defaults.get(k),
          defaultRequests.get(k),
          ratios.get(k),
        ),
      );
  });
  return errs;
}

/** min ≤ defaultRequest ≤ default ≤ max, and a ratio that the min and max allow. */
function limitRelationErrors(
  k: string,
  at: string,
  min: Quantity | undefined,
  max: Quantity | undefined,
  def: Quantity | undefined,
  defReq: Quantity | undefined,
  ratio: Quantity | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  const s = formatQuantity;
  const gt = (a: Quantity, b: Quantity) => compareQuantities(a, b) > 0;
  if (min && max && gt(min, max))
    errs.push(
      invalid(`${at}.min[${k}]`, s(min), `min value ${s(min)} is greater than max value ${s(max)}`),
    );
  if (defReq && min && gt(min, defReq)) {
    errs.push(
      invalid(
        `${at}.defaultRequest[${k}]`,
        s(defReq),
        `min value ${s(min)} is greater than default request value ${s(defReq)}`,
      ),
    );
  }
  if (defReq && max && gt(defReq, max)) {
    errs.push(
      invalid(
        `${at}.defaultRequest[${k}]`,
        s(defReq),
        `default request value ${s(defReq)} is greater than max value ${s(max)}`,
      ),
    );
  }
  if (defReq && def && gt(defReq, def)) {
    errs.push(
      invalid(
        `${at}.defaultRequest[${k}]`,
        s(defReq),
        `default request value ${s(defReq)} is greater than default limit value ${s(def)}`,
      ),
    );
  }
  if (def && min && gt(min, def))
    errs.push(
      invalid(
        `${at}.default[${k}]`,
        s(min),
        `min value ${s(min)} is greater than default value ${s(def)}`,
      ),
    );
  if (def && max && gt(def, max))
    errs.push(
      invalid(
        `${at}.default[${k}]`,
        s(max),
        `default value ${s(def)} is greater than max value ${s(max)}`,
      ),
    );
  if (ratio && compareQuantities(ratio, newQuantity(1, "DecimalSI")) < 0) {
    errs.push(
      invalid(`${at}.maxLimitRequestRatio[${k}]`, s(ratio), `ratio ${s(ratio)} is less than 1`),
    );
  }
  if (ratio && min && max) {
    // Worked example: min 100m, max 1 allows a ratio up to 1000m / 100m = 10.
    let ratioValue = Number(quantityValue(ratio));
    let minValue = Number(quantityValue(min));
    let maxValue = Number(quantityValue(max));
    if (
      quantityValue(ratio) < MAX_MILLI_VALUE &&
      quantityValue(min) < MAX_MILLI_VALUE &&
      quantityValue(max) < MAX_MILLI_VALUE
    ) {
      ratioValue = Number(milliValue(ratio)) / 1000;
      minValue = Number(milliValue(min));
      maxValue = Number(milliValue(max));
    }
    const limit = maxValue / minValue;
    if (ratioValue > limit) {
      errs.push(
        invalid(
          `${at}.maxLimitRequestRatio[${k}]`,
          s(ratio),
          `ratio ${s(ratio)} is greater than max/min = ${limit.toFixed(6)}`,
        ),
      );
    }
  }
  // An extended resource or hugepages cannot be overcommitted: request and limit are the same.
  if (!isOvercommitAllowed(k) && def && defReq && compareQuantities(def, defReq) !== 0) {
    errs.push(
      invalid(
        `${at}.defaultRequest[${k}]`,
        s(defReq),
        `default value ${s(def)} must equal to defaultRequest value ${s(defReq)} in ${k}`,
      ),
    );
  }
  return errs;
}

export function validateLimitRangeCreate(limitRange: JsonObject): FieldError[] {
  return limitRangeErrors(limitRange);
}

export function validateLimitRangeUpdate(limitRange: JsonObject, old: JsonObject): FieldError[] {
  return [...validateMetaUpdate(limitRange, old), ...limitRangeErrors(limitRange)];
}
// #endregion limit-range

// #region resource-quota
const QUOTA_SCOPES = new Set([
  "Terminating",
  "NotTerminating",
  "BestEffort",
  "NotBestEffort",
  "PriorityClass",
  "CrossNamespacePodAffinity",
  "VolumeAttributesClass",
]);
const CONFLICTING_SCOPES = [
  ["BestEffort", "NotBestEffort"],
  ["Terminating", "NotTerminating"],
];

function quotaListErrors(list: unknown, field: string): FieldError[] {
  if (!isObject(list)) return [];
  return Object.entries(list).flatMap(([name, value]) => {
    const at = `${field}[${name}]`;
    const { q, errors } = quantityAt(value, at);
    return [
      ...quotaResourceNameErrors(name, at),
      ...errors,
      ...(q ? quantityValueErrors(name, q, at) : []),
    ];
  });
}

function quotaSpecErrors(quota: JsonObject): FieldError[] {
  const spec = obj(quota.spec);
  const errs = quotaListErrors(spec.hard, "spec.hard");
  const scopes = strings(spec.scopes);
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.has(scope)) errs.push(invalid("spec.scopes", scopes, "unsupported scope"));
  }
  for (const [a = "", b = ""] of CONFLICTING_SCOPES) {
    if (scopes.includes(a) && scopes.includes(b))
      errs.push(invalid("spec.scopes", scopes, "conflicting scopes"));
  }
  return errs;
}

export function validateResourceQuotaCreate(quota: JsonObject): FieldError[] {
  const status = obj(quota.status);
  return [
    ...validateMeta(quota, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ...quotaSpecErrors(quota),
    ...quotaListErrors(status.hard, "status.hard"),
    ...quotaListErrors(status.used, "status.used"),
  ];
}

/** A quota's scopes decide which pods it counts; changing them would make its usage wrong. */
export function validateResourceQuotaUpdate(quota: JsonObject, old: JsonObject): FieldError[] {
  const errs = [...validateMetaUpdate(quota, old), ...quotaSpecErrors(quota)];
  const scopes = strings(obj(quota.spec).scopes);
  const oldScopes = new Set(strings(obj(old.spec).scopes));
  const same = new Set(scopes).size === oldScopes.size && scopes.every((s) => oldScopes.has(s));
  if (!same) errs.push(invalid("spec.scopes", scopes, FIELD_IMMUTABLE_ERROR_MSG));
  return errs;
}
// #endregion resource-quota
