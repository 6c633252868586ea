/**
 * Pod (anti-)affinity terms, parsed — kube-scheduler's framework.AffinityTerm and
 * WeightedAffinityTerm (framework/types.go) and the namespace handling of
 * plugins/interpodaffinity/plugin.go.
 *
 * A term selects pods: those in its namespaces whose labels match its labelSelector. The
 * namespaces are the `namespaces` list plus every namespace the namespaceSelector matches; with
 * neither, the namespace of the pod that owns the term. A missing labelSelector selects no pod; `{}`
 * selects all. The term then asks "is such a pod running in the same domain", a domain being all
 * nodes sharing the node label topologyKey's value.
 *
 * For the incoming pod's own terms the namespaceSelector is resolved once against the namespace
 * list (mergeNamespaces), so matching existing pods needs no namespace lookups. For an existing
 * pod's terms matched against the incoming pod, the selector is tested on the incoming pod's
 * namespace labels instead.
 */
import {
  EVERYTHING,
  isLabelSelectorEmpty,
  type LabelSelector,
  matchesLabels,
  NOTHING,
  selectorFromLabelSelector,
} from "../../../api/labels.ts";
import type {
  Namespace,
  Pod,
  PodAffinityTerm,
  WeightedPodAffinityTerm,
} from "../../../api/types.ts";

export interface AffinityTerm {
  namespaces: Set<string>;
  selector: LabelSelector;
  namespaceSelector: LabelSelector;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** Every namespace with its labels (a namespace lister). */
export interface NamespaceLister {
  list(): Namespace[];
}

/** newAffinityTerm: throws LabelSelectorError if a selector does not parse. */
export function affinityTerm(owner: Pod, term: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set<string>(
    (term.namespaces ?? []).length === 0 && !term.namespaceSelector
      ? [owner.metadata.namespace ?? ""]
      : (term.namespaces ?? []),
  );
  return {
    namespaces,
    selector: selectorFromLabelSelector(term.labelSelector),
    namespaceSelector: selectorFromLabelSelector(term.namespaceSelector),
    topologyKey: term.topologyKey,
  };
}

export function weightedAffinityTerm(
  owner: Pod,
  term: WeightedPodAffinityTerm,
): WeightedAffinityTerm {
  return { ...affinityTerm(owner, term.podAffinityTerm), weight: term.weight };
}

// #region termMatches
/** AffinityTerm.Matches: the pod is in one of the term's namespaces and matches its selector. */
export function termMatches(
  term: AffinityTerm,
  pod: Pod,
  namespaceLabels: Record<string, string> | undefined,
): boolean {
  const inNamespace =
    term.namespaces.has(pod.metadata.namespace ?? "") ||
    matchesLabels(term.namespaceSelector, namespaceLabels);
  return inNamespace && matchesLabels(term.selector, pod.metadata.labels);
}
// #endregion termMatches

/** podMatchesAllAffinityTerms: false for no terms. */
export function matchesAllTerms(terms: AffinityTerm[], pod: Pod): boolean {
  return terms.length > 0 && terms.every((t) => termMatches(t, pod, undefined));
}

/**
 * mergeAffinityTermNamespacesIfNotEmpty: for the incoming pod's terms, the namespaces the
 * namespaceSelector picks join `namespaces` and the selector becomes NOTHING. An empty selector
 * `{}` (every namespace) stays as it is.
 */
export function mergeNamespaces(term: AffinityTerm, namespaces: NamespaceLister): AffinityTerm {
  if (isLabelSelectorEmpty(term.namespaceSelector))
    return { ...term, namespaceSelector: EVERYTHING };
  const merged = new Set(term.namespaces);
  for (const ns of namespaces.list()) {
    if (matchesLabels(term.namespaceSelector, ns.metadata.labels))
      merged.add(ns.metadata.name ?? "");
  }
  return { ...term, namespaces: merged, namespaceSelector: NOTHING };
}

/** The labels of the pod's namespace (GetNamespaceLabelsSnapshot); none if it is not listed. */
export function namespaceLabelsOf(pod: Pod, namespaces: NamespaceLister) {
  const ns = namespaces.list().find((n) => n.metadata.name === pod.metadata.namespace);
  return ns?.metadata.labels ?? {};
}

/** The four kinds of terms a pod carries (framework.PodInfo), parsed. */
export interface PodTerms {
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: WeightedAffinityTerm[];
  preferredAntiAffinity: WeightedAffinityTerm[];
}

export function podTerms(pod: Pod): PodTerms {
  const a = pod.spec.affinity;
  return {
    requiredAffinity: (a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map(
      (t) => affinityTerm(pod, t),
    ),
    requiredAntiAffinity: (
      a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []
    ).map((t) => affinityTerm(pod, t)),
    preferredAffinity: (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map(
      (t) => weightedAffinityTerm(pod, t),
    ),
    preferredAntiAffinity: (
      a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
    ).map((t) => weightedAffinityTerm(pod, t)),
  };
}

/**
 * An existing pod's terms, parsed once per pod object (Kubernetes parses them once too, when the
 * pod enters the cache as a PodInfo). Cached pod objects are never changed in place — an update
 * arrives as a new object — so the object is a safe key. A pod whose terms do not parse carries
 * none (undefined), as in the scheduler cache.
 */
const parsedTerms = new WeakMap<Pod, PodTerms | undefined>();

export function existingPodTerms(pod: Pod): PodTerms | undefined {
  if (parsedTerms.has(pod)) return parsedTerms.get(pod);
  let terms: PodTerms | undefined;
  try {
    terms = podTerms(pod);
  } catch {
    terms = undefined;
  }
  parsedTerms.set(pod, terms);
  return terms;
}
