/**
 * coordination.k8s.io/v1 Lease validation. Leases carry leader election and node heartbeats:
 * a holder, a duration and a renew time, nothing more to check than that the numbers make sense.
 * Metadata is checked with the plain apimachinery rules (Kubernetes' Lease validation does not
 * use core's finalizer rule).
 */
import {
  type FieldError,
  forbidden,
  invalid,
  isQualifiedName,
  nameIsDNSSubdomain,
  notSupported,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "../validation.ts";
import { isSet, type JsonObject, num, obj, str } from "./access.ts";
import { metaOf } from "./meta.ts";

function leaseSpecErrors(lease: JsonObject): FieldError[] {
  const spec = obj(lease.spec);
  const errs: FieldError[] = [];
  const duration = num(spec.leaseDurationSeconds);
  if (duration !== undefined && duration <= 0)
    errs.push(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
  const transitions = num(spec.leaseTransitions);
  if (transitions !== undefined && transitions < 0) {
    errs.push(invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"));
  }
  if (isSet(spec.strategy)) {
    const strategy = str(spec.strategy);
    // Kubernetes appends "strategy" twice to the path.
    const at = "spec.strategy.strategy";
    if (!strategy.includes("/")) {
      if (strategy !== "OldestEmulationVersion")
        errs.push(notSupported(at, strategy, ["OldestEmulationVersion"]));
    } else {
      errs.push(...isQualifiedName(strategy).map((msg) => invalid(at, strategy, msg)));
    }
  }
  if (str(spec.preferredHolder) !== "" && str(spec.strategy) === "") {
    errs.push(forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
  }
  return errs;
}

export function validateLeaseCreate(lease: JsonObject): FieldError[] {
  return [
    ...validateObjectMeta(metaOf(lease), { namespaced: true, nameValidator: nameIsDNSSubdomain }),
    ...leaseSpecErrors(lease),
  ];
}

export function validateLeaseUpdate(lease: JsonObject, old: JsonObject): FieldError[] {
  return [...validateObjectMetaUpdate(metaOf(lease), metaOf(old)), ...leaseSpecErrors(lease)];
}
