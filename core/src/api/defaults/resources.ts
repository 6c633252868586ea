/**
 * Quantities in defaulted objects, written back the way a Kubernetes API server writes them.
 *
 * Kubernetes decodes every quantity into a resource.Quantity and encodes it again on the way out,
 * so what `kubectl get -o yaml` shows is the quantity's canonical text: `cpu: 0.5` comes back as
 * "500m", `memory: 1024Mi` as "1Gi", a bare number `cpu: 2` as the string "2". On top of that,
 * SetDefaults_ResourceList rounds every request and limit up to milli-units ("1n" → "1m"): a
 * container asking for a sliver of a resource asks for at least the smallest unit the kubelet
 * schedules by.
 *
 * A value that is not a quantity is left as it is: validation reports it.
 */
import {
  formatQuantity,
  newMilliQuantity,
  parseQuantityJSON,
  type Quantity,
  QuantityError,
  scaledValue,
} from "../quantity.ts";
import { isObject, type JsonObject } from "./fields.ts";

const MILLI = -3;

/** SetDefaults_ResourceList, in place: round up to milli, print canonically. */
export function defaultResourceList(list: unknown): void {
  if (!isObject(list)) return;
  for (const [name, value] of Object.entries(list)) {
    const q = parse(value);
    if (q) list[name] = formatQuantity(roundUpToMilli(q));
  }
}

/** A single Quantity field (emptyDir.sizeLimit, a downward API divisor): printed canonically. */
export function canonicalQuantityField(holder: JsonObject, key: string): void {
  if (holder[key] === undefined || holder[key] === null) return;
  const q = parse(holder[key]);
  if (q) holder[key] = formatQuantity(q);
}

/** Quantity.RoundUp(-3); a value already in whole milli-units keeps its text. */
function roundUpToMilli(q: Quantity): Quantity {
  return q.exponent >= MILLI ? q : newMilliQuantity(scaledValue(q, MILLI), q.format);
}

function parse(value: unknown): Quantity | undefined {
  try {
    return parseQuantityJSON(value);
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
}
