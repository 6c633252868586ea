/**
 * A pod's node selection rules as predicates on a Node — k8s.io/component-helpers
 * scheduling/corev1/nodeaffinity (GetRequiredNodeAffinity, LazyErrorNodeSelector,
 * PreferredSchedulingTerms). NodeAffinity filters and scores with it; PodTopologySpread uses it to
 * decide which nodes count towards a domain.
 *
 * Guarantees, as in Kubernetes:
 * - spec.nodeSelector and affinity.nodeAffinity.required must both hold.
 * - Required terms are ORed; the requirements inside one term (matchExpressions and matchFields)
 *   are ANDed. A term with no requirements at all matches no node.
 * - Expressions test node labels with In, NotIn, Exists, DoesNotExist, Gt and Lt (NotIn and
 *   DoesNotExist hold on a node without the label; Gt/Lt compare integers and fail on a label
 *   that is not one). matchFields tests only metadata.name, with In or NotIn and exactly one value.
 * - A term that does not parse (bad operator, Gt with two values) never matches, but does not spoil
 *   the other terms: the "lazy error" Kubernetes keeps for backwards compatibility.
 *
 * Worked example: nodeSelector {disktype: ssd} and one required term
 * [zone In (a, b), gpu-count Gt 1]: a node labelled disktype=ssd, zone=a, gpu-count=2 matches;
 * with gpu-count=1, or without disktype, it does not.
 */
import {
  type LabelOperator,
  LabelSelectorError,
  matchesLabels,
  newRequirement,
} from "../../../api/labels.ts";
import type {
  Node,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Pod,
  PreferredSchedulingTerm,
} from "../../../api/types.ts";

/** A node test built once per pod and run for every node. */
export type NodeMatcher = (node: Node) => boolean;

/** The only field matchFields may name (metav1.ObjectNameField). */
export const OBJECT_NAME_FIELD = "metadata.name";

const LABEL_OPERATORS: Record<string, LabelOperator> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
  Gt: "gt",
  Lt: "lt",
};

/** A term that failed to parse; it matches nothing, and says why. */
export class NodeSelectorTermError extends Error {
  override name = "NodeSelectorTermError";
}

function labelTest(requirements: NodeSelectorRequirement[]): NodeMatcher {
  const parsed = requirements.map((r) => {
    const operator = LABEL_OPERATORS[r.operator];
    if (operator === undefined) {
      throw new NodeSelectorTermError(
        `Unsupported value: "${r.operator}": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"`,
      );
    }
    try {
      return newRequirement(r.key, operator, r.values ?? []);
    } catch (err) {
      if (err instanceof LabelSelectorError) throw new NodeSelectorTermError(err.message);
      throw err;
    }
  });
  const selector = { type: "requirements", requirements: parsed } as const;
  return (node) => matchesLabels(selector, node.metadata.labels);
}

function fieldTest(requirements: NodeSelectorRequirement[]): NodeMatcher {
  const parsed = requirements.map((r) => {
    if (r.operator !== "In" && r.operator !== "NotIn") {
      throw new NodeSelectorTermError(
        `Unsupported value: "${r.operator}": supported values: "In", "NotIn"`,
      );
    }
    // Field selectors compare one value; several names need several terms (ORed).
    if (r.values?.length !== 1) {
      throw new NodeSelectorTermError(
        `Invalid value: ${JSON.stringify(r.values ?? null)}: must have one element`,
      );
    }
    return { key: r.key, equal: r.operator === "In", value: r.values[0] as string };
  });
  return (node) => {
    const name = node.metadata.name;
    // Kubernetes extracts no fields from a nameless node, and then skips matchFields.
    if (!name) return true;
    return parsed.every((r) => ((r.key === OBJECT_NAME_FIELD ? name : "") === r.value) === r.equal);
  };
}

/**
 * One term as a node test; throws NodeSelectorTermError if it does not parse. Returns undefined
 * for an empty term, which Kubernetes drops (it matches nothing).
 */
export function nodeSelectorTerm(term: NodeSelectorTerm): NodeMatcher | undefined {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return undefined;
  const tests = [
    ...(expressions.length > 0 ? [labelTest(expressions)] : []),
    ...(fields.length > 0 ? [fieldTest(fields)] : []),
  ];
  return (node) => tests.every((test) => test(node));
}

/** Terms ORed; a term that does not parse is dropped (the lazy error), as is an empty one. */
export function nodeSelectorTerms(terms: NodeSelectorTerm[]): NodeMatcher {
  const matchers: NodeMatcher[] = [];
  for (const term of terms) {
    try {
      const m = nodeSelectorTerm(term);
      if (m) matchers.push(m);
    } catch (err) {
      if (!(err instanceof NodeSelectorTermError)) throw err;
    }
  }
  return (node) => matchers.some((m) => m(node));
}

// #region requiredNodeAffinity
/** GetRequiredNodeAffinity: spec.nodeSelector AND the required node affinity terms. */
export function requiredNodeAffinity(pod: Pod): NodeMatcher {
  const selector = pod.spec.nodeSelector ?? {};
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required ? nodeSelectorTerms(required.nodeSelectorTerms ?? []) : undefined;
  return (node) => {
    const labels = node.metadata.labels ?? {};
    for (const [key, value] of Object.entries(selector)) {
      if (labels[key] !== value) return false;
    }
    return terms ? terms(node) : true;
  };
}
// #endregion requiredNodeAffinity

/**
 * NewPreferredSchedulingTerms: the node's score is the sum of the weights of the terms it matches.
 * Terms of weight 0 and empty terms are skipped; a term that does not parse throws (the caller
 * reports an Error status).
 */
export function preferredSchedulingTerms(terms: PreferredSchedulingTerm[]): (node: Node) => number {
  const parsed: { weight: number; matches: NodeMatcher }[] = [];
  for (const term of terms) {
    if (term.weight === 0) continue;
    const matches = nodeSelectorTerm(term.preference ?? {});
    if (matches) parsed.push({ weight: term.weight, matches });
  }
  return (node) => parsed.reduce((sum, t) => sum + (t.matches(node) ? t.weight : 0), 0);
}
