/**
 * Labels and label selectors as the printers show them in SELECTOR columns. Parsing, validation
 * and the canonical selector form live in api/labels.ts; this module adds the two ways
 * Kubernetes' printers present them:
 *
 * - labels.FormatLabels for a label map (a Service's selector): "k1=v1,k2=v2", keys sorted,
 *   "<none>" when empty.
 * - metav1.FormatLabelSelector for an API selector (a ReplicaSet's): the canonical form, e.g.
 *   {matchLabels: {app: "web"}, matchExpressions: [{key: "tier", operator: "In", values:
 *   ["front", "back"]}]} prints "app=web,tier in (back,front)"; "<none>" when empty, "<error>"
 *   when it is not a valid selector.
 */
import {
  LabelSelectorError,
  labelSelectorToString,
  selectorFromLabelSelector,
} from "../../api/labels.ts";
import type { LabelSelectorObject } from "../../api/validation.ts";

export type { LabelSelectorObject };

/** labels.FormatLabels: "<none>" for an empty or missing map. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const text = Object.keys(labels ?? {})
    .sort()
    .map((key) => `${key}=${labels?.[key] ?? ""}`)
    .join(",");
  return text === "" ? "<none>" : text;
}

/**
 * metav1.LabelSelectorAsSelector(selector).String(): "" for a missing selector (matches
 * nothing) and for an empty one (matches everything). Throws LabelSelectorError for a selector
 * Kubernetes would refuse.
 */
export function selectorString(selector: LabelSelectorObject | undefined | null): string {
  return labelSelectorToString(selectorFromLabelSelector(selector));
}

/** metav1.FormatLabelSelector: like selectorString, but "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(selector: LabelSelectorObject | undefined | null): string {
  try {
    const text = selectorString(selector);
    return text === "" ? "<none>" : text;
  } catch (error) {
    if (error instanceof LabelSelectorError) return "<error>";
    throw error;
  }
}
