/**
 * scheduling.k8s.io/v1 PriorityClass validation (pkg/apis/scheduling/validation/validation.go).
 *
 * Guarantees:
 * - A name starting "system-" must be one of the two system classes, with exactly its value and
 *   globalDefault false; the API server creates both at start, nobody else may.
 * - Any other class's value is at most 1,000,000,000 (HighestUserDefinablePriority): the two
 *   billions above it are kept for the system classes, so no user pod outranks a node agent.
 * - value and preemptionPolicy never change: pods copied them at admission, and a changed value
 *   would silently disagree with every running pod of the class.
 * "Only one globalDefault" needs the other classes, so the Priority admission plugin checks it.
 */
import {
  FIELD_IMMUTABLE_ERROR_MSG,
  type FieldError,
  forbidden,
  invalid,
  nameIsDNSSubdomain,
  notSupported,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "../validation.ts";
import { isSet, type JsonObject, num } from "./access.ts";
import { metaOf } from "./meta.ts";

/** scheduling.HighestUserDefinablePriority. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
/** scheduling.SystemCriticalPriority: twice the user maximum. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
export const SYSTEM_PRIORITY_CLASS_PREFIX = "system-";

/** The system classes (scheduling.SystemPriorityClasses), with Kubernetes' descriptions. */
export const SYSTEM_PRIORITY_CLASSES = [
  {
    name: "system-node-critical",
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    name: "system-cluster-critical",
    value: SYSTEM_CRITICAL_PRIORITY,
    description:
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
] as const;

/** IsKnownSystemPriorityClass: undefined when it is one, else Kubernetes' reason. */
function notKnownSystemClass(name: string, value: number, globalDefault: boolean) {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

const PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"];

export function validatePriorityClassCreate(pc: JsonObject): FieldError[] {
  const errs = validateObjectMeta(metaOf(pc), {
    namespaced: false,
    nameValidator: nameIsDNSSubdomain,
  });
  const name = metaOf(pc).name ?? "";
  const value = num(pc.value) ?? 0;
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const reason = notKnownSystemClass(name, value, pc.globalDefault === true);
    if (reason) {
      errs.push(
        forbidden(
          "metadata.name",
          `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${reason}`,
        ),
      );
    }
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(
      forbidden(
        "value",
        `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
      ),
    );
  }
  if (isSet(pc.preemptionPolicy) && !PREEMPTION_POLICIES.includes(pc.preemptionPolicy as string)) {
    errs.push(notSupported("preemptionPolicy", pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

export function validatePriorityClassUpdate(pc: JsonObject, old: JsonObject): FieldError[] {
  const errs = validateObjectMetaUpdate(metaOf(pc), metaOf(old));
  if ((num(pc.value) ?? 0) !== (num(old.value) ?? 0))
    errs.push(forbidden("value", "may not be changed in an update."));
  if (pc.preemptionPolicy !== old.preemptionPolicy)
    errs.push(invalid("preemptionPolicy", pc.preemptionPolicy, FIELD_IMMUTABLE_ERROR_MSG));
  return errs;
}
