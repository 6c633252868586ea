/**
 * maxSurge and maxUnavailable: from "25%" or 3 to a number of pods, as the Deployment controller
 * resolves them (apimachinery `intstr.GetScaledValueFromIntOrPercent`, kubernetes
 * `pkg/controller/deployment/util/deployment_util.go` `ResolveFenceposts`, `MaxSurge`,
 * `MaxUnavailable`).
 *
 * Guarantees:
 * - A number is taken as it is; a string must be an integer followed by "%" and is scaled
 *   against the Deployment's replicas: maxSurge rounds UP, maxUnavailable rounds DOWN. Both
 *   lean to the safe side: more room to add pods, less room to lose them.
 * - If both resolve to 0, maxUnavailable becomes 1, or the rollout could never move.
 * - Anything else throws an IntOrStringError whose message starts with Kubernetes' own
 *   "invalid value for IntOrString: ". (Validation rejects such values before a controller sees
 *   them; Kubernetes' MaxUnavailable would then quietly use 0, we prefer to say so.)
 *
 * Worked example, 10 replicas, maxSurge "25%", maxUnavailable "25%" (the defaults):
 *
 *   maxSurge       = ceil(25 × 10 / 100)  = ceil(2.5)  = 3   → at most 13 pods
 *   maxUnavailable = floor(25 × 10 / 100) = floor(2.5) = 2   → at least 8 available
 *
 * and 3 replicas, maxSurge "0%", maxUnavailable "10%": ceil(0) = 0 and floor(0.3) = 0, so the
 * fencepost rule makes maxUnavailable 1: the rollout proceeds by deleting one old pod at a time.
 */
import { goQuote } from "../../api/validation.ts";

/** An IntOrString as it arrives in JSON: 3 or "25%". */
export type IntOrString = number | string;

/** The fields of a RollingUpdate Deployment that the rollout arithmetic reads. */
export interface RollingUpdateSpec {
  /** spec.replicas. */
  replicas: number;
  /** spec.strategy.rollingUpdate.maxSurge; absent means 0, as Go's ValueOrDefault(nil, 0). */
  maxSurge?: IntOrString | undefined;
  /** spec.strategy.rollingUpdate.maxUnavailable; absent means 0. */
  maxUnavailable?: IntOrString | undefined;
}

/** A value that is neither an integer nor an integer percentage. `value` is what was given. */
export class IntOrStringError extends Error {
  override name = "IntOrStringError";
  constructor(
    readonly value: IntOrString,
    reason: string,
  ) {
    super(`invalid value for IntOrString: ${reason}`);
  }
}

// #region scaled-value
/**
 * `value` as a number of pods out of `total`: a number as is, "N%" as N × total / 100 rounded up
 * or down. Mirrors intstr.GetScaledValueFromIntOrPercent, including Go's error texts (plus the
 * value where Go leaves it out).
 */
export function scaledValueFromIntOrPercent(
  value: IntOrString,
  total: number,
  roundUp: boolean,
): number {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new IntOrStringError(value, `${value} is not an integer`);
    }
    return value;
  }
  if (!value.endsWith("%")) {
    throw new IntOrStringError(
      value,
      `invalid type: string is not a percentage (got ${goQuote(value)})`,
    );
  }
  const percent = goAtoi(value.slice(0, -1), value);
  const exact = (percent * total) / 100;
  // + 0 turns Math.ceil's -0 (for small negative values) into 0.
  return (roundUp ? Math.ceil(exact) : Math.floor(exact)) + 0;
}
// #endregion scaled-value

/** Go's strconv.Atoi, with its error texts: an optional sign and decimal digits, within int64. */
function goAtoi(digits: string, whole: string): number {
  const fail = (why: string) =>
    new IntOrStringError(
      whole,
      `invalid value ${goQuote(whole)}: strconv.Atoi: parsing ${goQuote(digits)}: ${why}`,
    );
  if (!/^[+-]?[0-9]+$/.test(digits)) throw fail("invalid syntax");
  const big = BigInt(digits);
  if (big > 2n ** 63n - 1n || big < -(2n ** 63n)) throw fail("value out of range");
  return Number(big);
}

/** The two limits of a rolling update, in pods. */
export interface Fenceposts {
  maxSurge: number;
  maxUnavailable: number;
}

// #region resolve-fenceposts
/**
 * Resolves maxSurge (rounding up) and maxUnavailable (rounding down) against `replicas` in one
 * step, because of the rule that binds them: if both come out 0, maxUnavailable is 1. Validation
 * forbids both being 0 as written, but "0%" and "10%" of 3 replicas both round to 0, and with
 * neither a surge pod nor an unavailable one allowed, nothing could ever be replaced. 1 rather
 * than a surge of 1, "on the theory that surge might not work due to quota" (ResolveFenceposts).
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  replicas: number,
): Fenceposts {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? 0, replicas, true);
  const unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? 0, replicas, false);
  if (surge === 0 && unavailable === 0) return { maxSurge: 0, maxUnavailable: 1 };
  return { maxSurge: surge, maxUnavailable: unavailable };
}
// #endregion resolve-fenceposts

/**
 * The limits the rollout arithmetic uses: deploymentutil.MaxSurge and MaxUnavailable. On top of
 * resolveFenceposts, maxUnavailable never exceeds replicas (10 unavailable out of 4 means 4), and
 * a Deployment scaled to 0 has nothing that could be unavailable (0, not the fencepost's 1).
 */
export function rollingLimits(spec: RollingUpdateSpec): Fenceposts {
  const { maxSurge, maxUnavailable } = resolveFenceposts(
    spec.maxSurge,
    spec.maxUnavailable,
    spec.replicas,
  );
  if (spec.replicas === 0) return { maxSurge, maxUnavailable: 0 };
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, spec.replicas) };
}
