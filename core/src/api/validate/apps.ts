/**
 * apps/v1 Deployment and ReplicaSet validation (pkg/apis/apps/validation, plus the selector
 * immutability the apps/v1 registry strategies add on update).
 *
 * The rule users meet most: the selector must select the template's own pods, or the controller
 * would create pods it then does not count, forever.
 *
 *   selector: {matchLabels: {app: web}}, template labels: {app: api}
 *   → spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not match template `labels`
 *
 * A missing selector gets both "spec.selector: Required value" and that mismatch: Kubernetes
 * reads a missing selector as one that selects nothing.
 */
import {
  isLabelSelectorEmpty,
  type LabelSelector,
  LabelSelectorError,
  matchesLabels,
  selectorFromLabelSelector,
} from "../labels.ts";
import {
  FIELD_IMMUTABLE_ERROR_MSG,
  type FieldError,
  forbidden,
  IS_NEGATIVE_ERROR_MSG,
  invalid,
  nameIsDNSSubdomain,
  notSupported,
  required,
  validateLabelSelector,
} from "../validation.ts";
import {
  deepEqual,
  isSet,
  type JsonObject,
  labelSelectorOf,
  num,
  obj,
  stringMap,
} from "./access.ts";
import { isValidPercent } from "./formats.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";
import { validatePodTemplateSpec } from "./pod-spec.ts";

function nonNegative(value: unknown, field: string): FieldError[] {
  const n = num(value) ?? 0;
  return n < 0 ? [invalid(field, n, IS_NEGATIVE_ERROR_MSG)] : [];
}

// #region selector-and-template
/**
 * The selector (required, valid, not empty) and the template it must match, as
 * ValidateDeploymentSpec and ValidateReplicaSetSpec check them.
 */
function selectorAndTemplateErrors(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const selector = spec.selector;
  if (!isSet(selector)) {
    errs.push(required("spec.selector"));
  } else {
    const s = labelSelectorOf(selector);
    errs.push(...validateLabelSelector(s, "spec.selector"));
    if (Object.keys(s.matchLabels ?? {}).length + (s.matchExpressions ?? []).length === 0) {
      // Kubernetes says "deployment" for ReplicaSets too.
      errs.push(invalid("spec.selector", selector, "empty selector is invalid for deployment"));
    }
  }
  let parsed: LabelSelector;
  try {
    parsed = selectorFromLabelSelector(isSet(selector) ? labelSelectorOf(selector) : null);
  } catch (e) {
    if (!(e instanceof LabelSelectorError)) throw e;
    errs.push(invalid("spec.selector", selector, "invalid label selector"));
    return errs;
  }
  const template = obj(spec.template);
  const labels = stringMap(obj(template.metadata).labels);
  if (!isLabelSelectorEmpty(parsed) && !matchesLabels(parsed, labels)) {
    errs.push(
      invalid(
        "spec.template.metadata.labels",
        labels ?? null,
        "`selector` does not match template `labels`",
      ),
    );
  }
  errs.push(...validatePodTemplateSpec(template, "spec.template"));
  const templateSpec = obj(template.spec);
  // A controller replaces pods that exit, so a pod that may stay down makes no sense here.
  if (templateSpec.restartPolicy !== "Always") {
    errs.push(
      notSupported("spec.template.spec.restartPolicy", templateSpec.restartPolicy ?? "", [
        "Always",
      ]),
    );
  }
  if (isSet(templateSpec.activeDeadlineSeconds)) {
    // Kubernetes says "ReplicaSet" for Deployments too: both share ValidatePodTemplateSpecForReplicaSet.
    errs.push(
      forbidden(
        "spec.template.spec.activeDeadlineSeconds",
        "activeDeadlineSeconds in ReplicaSet is not Supported",
      ),
    );
  }
  return errs;
}
// #endregion selector-and-template

function selectorImmutable(object: JsonObject, old: JsonObject): FieldError[] {
  const selector = obj(object.spec).selector;
  return deepEqual(selector, obj(old.spec).selector)
    ? []
    : [invalid("spec.selector", selector ?? null, FIELD_IMMUTABLE_ERROR_MSG)];
}

// #region deployment
function deploymentSpecErrors(deployment: JsonObject): FieldError[] {
  const spec = obj(deployment.spec);
  const errs = [...nonNegative(spec.replicas, "spec.replicas"), ...selectorAndTemplateErrors(spec)];
  errs.push(...strategyErrors(obj(spec.strategy)));
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  if (isSet(spec.revisionHistoryLimit))
    errs.push(...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  if (isSet(spec.progressDeadlineSeconds)) {
    const deadline = num(spec.progressDeadlineSeconds) ?? 0;
    errs.push(...nonNegative(deadline, "spec.progressDeadlineSeconds"));
    if (deadline <= (num(spec.minReadySeconds) ?? 0)) {
      errs.push(
        invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"),
      );
    }
  }
  return errs;
}

/** ValidateDeploymentStrategy. */
function strategyErrors(strategy: JsonObject): FieldError[] {
  const path = "spec.strategy";
  switch (strategy.type) {
    case "Recreate":
      return isSet(strategy.rollingUpdate)
        ? [
            forbidden(
              `${path}.rollingUpdate`,
              "may not be specified when strategy `type` is 'Recreate'",
            ),
          ]
        : [];
    case "RollingUpdate": {
      if (!isSet(strategy.rollingUpdate))
        return [required(`${path}.rollingUpdate`, "this should be defaulted and never be nil")];
      const ru = obj(strategy.rollingUpdate);
      const at = `${path}.rollingUpdate`;
      const errs = [
        ...intOrPercentErrors(ru.maxUnavailable, `${at}.maxUnavailable`),
        ...intOrPercentErrors(ru.maxSurge, `${at}.maxSurge`),
      ];
      // With neither extra pods nor missing pods allowed, a rollout could never make progress.
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(
          invalid(
            `${at}.maxUnavailable`,
            ru.maxUnavailable ?? 0,
            "may not be 0 when `maxSurge` is 0",
          ),
        );
      }
      const percent = percentValue(ru.maxUnavailable);
      if (percent !== undefined && percent > 100) {
        errs.push(
          invalid(`${at}.maxUnavailable`, ru.maxUnavailable, "must not be greater than 100%"),
        );
      }
      return errs;
    }
    default:
      return [notSupported(path, strategy, ["Recreate", "RollingUpdate"])];
  }
}

/** ValidatePositiveIntOrPercent: a non-negative integer, or "<digits>%". */
function intOrPercentErrors(value: unknown, field: string): FieldError[] {
  if (typeof value === "string")
    return isValidPercent(value).map((msg) => invalid(field, value, msg));
  return nonNegative(value, field);
}

function percentValue(value: unknown): number | undefined {
  return typeof value === "string" && isValidPercent(value).length === 0
    ? Number.parseInt(value, 10)
    : undefined;
}

/** getIntOrPercentValue: the number, the percentage, or 0 for a string that is neither. */
function intOrPercentValue(value: unknown): number {
  if (typeof value === "string")
    return percentValue(value) ?? (/^-?[0-9]+$/.test(value) ? Number(value) : 0);
  return num(value) ?? 0;
}

export function validateDeploymentCreate(deployment: JsonObject): FieldError[] {
  return [
    ...validateMeta(deployment, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ...deploymentSpecErrors(deployment),
  ];
}

export function validateDeploymentUpdate(deployment: JsonObject, old: JsonObject): FieldError[] {
  return [
    ...validateMetaUpdate(deployment, old),
    ...deploymentSpecErrors(deployment),
    ...selectorImmutable(deployment, old),
  ];
}
// #endregion deployment

function replicaSetSpecErrors(replicaSet: JsonObject): FieldError[] {
  const spec = obj(replicaSet.spec);
  return [
    ...nonNegative(spec.replicas, "spec.replicas"),
    ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"),
    ...selectorAndTemplateErrors(spec),
  ];
}

export function validateReplicaSetCreate(replicaSet: JsonObject): FieldError[] {
  return [
    ...validateMeta(replicaSet, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ...replicaSetSpecErrors(replicaSet),
  ];
}

export function validateReplicaSetUpdate(replicaSet: JsonObject, old: JsonObject): FieldError[] {
  return [
    ...validateMetaUpdate(replicaSet, old),
    ...replicaSetSpecErrors(replicaSet),
    ...selectorImmutable(replicaSet, old),
  ];
}
