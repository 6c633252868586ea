/**
 * Pod validation on create and update (ValidatePodCreate, ValidatePodUpdate).
 *
 * A pod is nearly immutable once created: the kubelet has started its containers from that
 * spec. An update may change only what the kubelet can apply in place: container images, a
 * shorter activeDeadlineSeconds, added tolerations, removed scheduling gates, and a negative
 * terminationGracePeriodSeconds set to 1. Anything else fails with Kubernetes' message
 *
 *   spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,...
 *
 * followed by what changed. Kubernetes prints a go-cmp diff of its internal Go structs there;
 * tinykube prints one line per changed field instead (`- spec.restartPolicy: "Always"`).
 */
import {
  type FieldError,
  forbidden,
  invalid,
  nameIsDNSSubdomain,
  required,
} from "../validation.ts";
import { deepEqual, isObject, isSet, type JsonObject, num, obj, objects, str } from "./access.ts";
import { inclusiveRangeError } from "./formats.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";
import { validatePodSpec, validateTolerations } from "./pod-spec.ts";

const MAX_INT32 = 2 ** 31 - 1;

const UPDATABLE_POD_SPEC_FIELDS = [
  "`spec.containers[*].image`",
  "`spec.initContainers[*].image`",
  "`spec.activeDeadlineSeconds`",
  "`spec.tolerations` (only additions to existing tolerations)",
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
];

/** validatePodMetadataAndSpec: what both create and update check. */
function podMetadataAndSpecErrors(pod: JsonObject): FieldError[] {
  const spec = obj(pod.spec);
  const errs = [
    ...validateMeta(pod, { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ...validatePodSpec(spec, "spec", { resourceIsPod: true }),
  ];
  // A projected token needs an account to be a token of.
  if (str(spec.serviceAccountName) === "") {
    objects(spec.volumes).forEach((volume, v) => {
      objects(obj(volume.projected).sources).forEach((source, s) => {
        if (isSet(source.serviceAccountToken)) {
          errs.push(
            forbidden(
              `spec.volumes[${v}].projected.sources[${s}].serviceAccountToken`,
              "must not be specified when serviceAccountName is not set",
            ),
          );
        }
      });
    });
  }
  for (const list of ["containers", "initContainers"]) {
    objects(spec[list]).forEach((c, i) => {
      const image = str(c.image);
      if (image !== image.trim()) {
        errs.push(
          invalid(
            `spec.${list}[${i}].image`,
            image,
            "must not have leading or trailing whitespace",
          ),
        );
      }
    });
  }
  return errs;
}

export function validatePodCreate(pod: JsonObject): FieldError[] {
  const errs = podMetadataAndSpecErrors(pod);
  const spec = obj(pod.spec);
  // Ephemeral containers arrive through the ephemeralcontainers subresource, never on create.
  if (objects(spec.ephemeralContainers).length > 0)
    errs.push(forbidden("spec.ephemeralContainers", "cannot be set on create"));
  if (str(spec.nodeName) !== "" && objects(spec.schedulingGates).length > 0) {
    errs.push(
      forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"),
    );
  }
  return errs;
}

// #region validate-pod-update
export function validatePodUpdate(pod: JsonObject, old: JsonObject): FieldError[] {
  const errs = [...validateMetaUpdate(pod, old), ...podMetadataAndSpecErrors(pod)];
  const spec = obj(pod.spec);
  const oldSpec = obj(old.spec);

  // 1. Images may change, containers may not come or go.
  for (const list of ["containers", "initContainers"]) {
    const next = objects(spec[list]);
    if (next.length !== objects(oldSpec[list]).length) {
      errs.push(forbidden(`spec.${list}`, "pod updates may not add or remove containers"));
      return errs;
    }
    next.forEach((c, i) => {
      if (str(c.image) === "") errs.push(required(`spec.${list}[${i}].image`));
    });
  }

  // 2. activeDeadlineSeconds may be set, or shortened, never lengthened or removed.
  const deadline = num(spec.activeDeadlineSeconds);
  const oldDeadline = num(oldSpec.activeDeadlineSeconds);
  if (deadline !== undefined) {
    if (deadline < 0 || deadline > MAX_INT32) {
      errs.push(invalid("spec.activeDeadlineSeconds", deadline, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldDeadline !== undefined && oldDeadline < deadline) {
      errs.push(
        invalid(
          "spec.activeDeadlineSeconds",
          deadline,
          "must be less than or equal to previous value",
        ),
      );
      return errs;
    }
  } else if (oldDeadline !== undefined) {
    errs.push(
      invalid(
        "spec.activeDeadlineSeconds",
        null,
        "must not update from a positive integer to nil value",
      ),
    );
  }

  // 3. Tolerations may be added; an existing one may only change its tolerationSeconds.
  errs.push(...onlyAddedTolerations(spec.tolerations, oldSpec.tolerations));

  // 4. Scheduling gates may only be removed.
  const oldGates = new Set(objects(oldSpec.schedulingGates).map((g) => str(g.name)));
  objects(spec.schedulingGates).forEach((gate, i) => {
    const name = str(gate.name);
    if (!oldGates.has(name)) {
      errs.push(
        forbidden(
          `spec.schedulingGates[${i}].name`,
          `only deletion is allowed, but found new scheduling gate '${name}'`,
        ),
      );
    }
  });

  // 5. Everything else must be as it was: compare with the updatable fields put back.
  if (deepEqual(spec, oldSpec)) return errs;
  const munged = mungeUpdatable(spec, oldSpec);
  if (!deepEqual(munged, oldSpec)) {
    const changes = specDiff(oldSpec, munged, "spec");
    errs.push(
      forbidden(
        "spec",
        `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(",")}\n${changes.join("\n")}`,
      ),
    );
  }
  return errs;
}
// #endregion validate-pod-update

/** The new spec with each field a pod update may change reset to its old value. */
function mungeUpdatable(spec: JsonObject, oldSpec: JsonObject): JsonObject {
  const munged: JsonObject = structuredClone(spec);
  for (const list of ["containers", "initContainers"]) {
    const oldList = objects(oldSpec[list]);
    if (Array.isArray(munged[list])) {
      munged[list] = (munged[list] as unknown[]).map((c, i) =>
        isObject(c) ? withField(c, "image", oldList[i]?.image) : c,
      );
    }
  }
  setOrDelete(munged, "activeDeadlineSeconds", oldSpec.activeDeadlineSeconds);
  setOrDelete(munged, "schedulingGates", oldSpec.schedulingGates);
  setOrDelete(munged, "tolerations", oldSpec.tolerations);
  const oldGrace = num(oldSpec.terminationGracePeriodSeconds);
  if (oldGrace !== undefined && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  return munged;
}

function withField(o: JsonObject, key: string, value: unknown): JsonObject {
  const copy = { ...o };
  setOrDelete(copy, key, value);
  return copy;
}

function setOrDelete(o: JsonObject, key: string, value: unknown): void {
  if (value === undefined) delete o[key];
  else o[key] = value;
}

function onlyAddedTolerations(next: unknown, previous: unknown): FieldError[] {
  const candidates = objects(next);
  for (const old of objects(previous)) {
    const kept = candidates.some((t) =>
      deepEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t),
    );
    if (!kept)
      return [
        forbidden(
          "spec.tolerations",
          "existing toleration can not be modified except its tolerationSeconds",
        ),
      ];
  }
  return validateTolerations(next, "spec.tolerations");
}

/** One line per leaf that differs: "- path: old" and "+ path: new". */
function specDiff(before: unknown, after: unknown, path: string): string[] {
  if (deepEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => specDiff(before[k], after[k], `${path}.${k}`));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((b, i) => specDiff(b, after[i], `${path}[${i}]`));
  }
  const lines: string[] = [];
  if (before !== undefined) lines.push(`- ${path}: ${JSON.stringify(before)}`);
  if (after !== undefined) lines.push(`+ ${path}: ${JSON.stringify(after)}`);
  return lines;
}
