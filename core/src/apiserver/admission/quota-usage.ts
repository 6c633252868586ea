/**
 * What an object costs a ResourceQuota: resource lists and their arithmetic
 * (k8s.io/apiserver/pkg/quota/v1), and the evaluators that measure pods, services and object
 * counts (k8s.io/kubernetes/pkg/quota/v1/evaluator/core, k8s.io/apiserver/pkg/quota/v1/generic).
 * Pure: no server, no store. The ResourceQuota admission plugin and the quota recalculator both
 * build on it.
 *
 * Guarantees:
 * - Exact: quantities are added and compared with the exact arithmetic of api/quantity.ts, so
 *   three pods of 100m use 300m, never 0.30000000000000004.
 * - A list prints as Kubernetes prints it: quantities in canonical form, names sorted (Go writes
 *   a map's keys in order).
 *
 * The names a quota can limit, and what counts toward them:
 *
 *   pods, count/pods                 1 per pod (`pods` only while the pod is not terminal)
 *   cpu, requests.cpu                the pod's CPU requests (so for memory, ephemeral-storage)
 *   limits.cpu                       the pod's CPU limits
 *   hugepages-<size>, requests.<extended resource>   requests of those resources
 *   services, count/services         1 per service
 *   services.nodeports, services.loadbalancers       node ports and load balancers it needs
 *   configmaps, secrets, resourcequotas, replicationcontrollers (and count/<them>)   1 each
 *   count/<resource>.<group>         1 per object of any other resource (count/deployments.apps)
 */
import type { KubeObject } from "../../api/object.ts";
import {
  addQuantities,
  compareQuantities,
  formatQuantity,
  isZeroQuantity,
  newQuantity,
  parseQuantityJSON,
  type Quantity,
  subtractQuantities,
} from "../../api/quantity.ts";

// #region resource-lists
/** A corev1.ResourceList: resource name → quantity. */
export type ResourceList = Map<string, Quantity>;

/** A ResourceList from JSON (`{cpu: "500m", pods: 2}`); absent or not an object is empty. */
export function parseResourceList(json: unknown): ResourceList {
  const list: ResourceList = new Map();
  if (!isRecord(json)) return list;
  for (const [name, value] of Object.entries(json)) list.set(name, parseQuantityJSON(value));
  return list;
}

/** The JSON Kubernetes writes: canonical quantities, names sorted. */
export function resourceListJson(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...list.keys()].sort())
    out[name] = formatQuantity(list.get(name) as Quantity);
  return out;
}

const ZERO = newQuantity(0, "DecimalSI");

/** a + b for each name in either (quota.Add). */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map(a);
  for (const [name, q] of b) {
    const mine = out.get(name);
    out.set(name, mine === undefined ? q : addQuantities(mine, q));
  }
  return out;
}

/** a - b for each name in either, never below zero (quota.SubtractWithNonNegativeResult). */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, q] of a) {
    const other = b.get(name);
    const diff = other === undefined ? q : subtractQuantities(q, other);
    out.set(name, compareQuantities(diff, ZERO) > 0 ? diff : ZERO);
  }
  for (const name of b.keys()) if (!out.has(name)) out.set(name, ZERO);
  return out;
}

/** Only the entries with these names (quota.Mask). */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const keep = new Set(names);
  return new Map([...list].filter(([name]) => keep.has(name)));
}

/** The names whose value in `a` exceeds `b`'s; empty when a ≤ b (quota.LessThanOrEqual). */
export function exceededNames(a: ResourceList, b: ResourceList): string[] {
  const out: string[] = [];
  for (const [name, limit] of b) {
    const value = a.get(name);
    if (value !== undefined && compareQuantities(value, limit) > 0) out.push(name);
  }
  return out;
}

/** Same names, equal quantities (quota.Equals; "1" equals "1000m"). */
export function listsEqual(a: ResourceList, b: ResourceList): boolean {
  if (a.size !== b.size) return false;
  for (const [name, q] of a) {
    const other = b.get(name);
    if (other === undefined || compareQuantities(q, other) !== 0) return false;
  }
  return true;
}

export function removeZeros(list: ResourceList): ResourceList {
  return new Map([...list].filter(([, q]) => !isZeroQuantity(q)));
}

export function negativeNames(list: ResourceList): string[] {
  return [...list].filter(([, q]) => compareQuantities(q, ZERO) < 0).map(([name]) => name);
}

/** "pods=1,requests.cpu=500m": how quota errors print a list (names sorted). */
export function prettyPrint(list: ResourceList): string {
  return [...list.keys()]
    .sort()
    .map((name) => `${name}=${formatQuantity(list.get(name) as Quantity)}`)
    .join(",");
}
// #endregion resource-lists

// #region pod-resources
interface ContainerLike {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: unknown; limits?: unknown };
}

interface PodLike {
  metadata: KubeObject["metadata"];
  spec?: {
    containers?: ContainerLike[];
    initContainers?: ContainerLike[];
    overhead?: unknown;
    activeDeadlineSeconds?: number;
    priorityClassName?: string;
    affinity?: Record<string, unknown>;
  };
  status?: { phase?: string };
}

function addInto(list: ResourceList, more: ResourceList): void {
  for (const [name, q] of more) {
    const mine = list.get(name);
    list.set(name, mine === undefined ? q : addQuantities(mine, q));
  }
}

function maxInto(list: ResourceList, more: ResourceList): void {
  for (const [name, q] of more) {
    const mine = list.get(name);
    if (mine === undefined || compareQuantities(q, mine) > 0) list.set(name, q);
  }
}

/**
 * What a pod as a whole asks for (k8s.io/component-helpers/resource PodRequests), for `which`
 * of requests or limits. App containers and sidecars (init containers with restartPolicy
 * Always) run together, so they add up; the other init containers run one at a time, each
 * beside the sidecars started before it, so the pod needs the largest of those moments.
 * Worked example, CPU requests: app 100m + 200m, sidecar 50m, init container 500m before it →
 * containers 300m + 50m = 350m; init moment 500m (no sidecar yet) → max(350m, 500m) = 500m.
 * `overhead` adds spec.overhead (the runtime's cost per pod) as the quota counts it: to every
 * request, and to limits that are set.
 */
export function podResources(
  pod: PodLike,
  which: "requests" | "limits",
  options: { overhead: boolean },
): ResourceList {
  const total: ResourceList = new Map();
  for (const c of pod.spec?.containers ?? [])
    addInto(total, parseResourceList(c.resources?.[which]));
  const sidecars: ResourceList = new Map();
  const initMoments: ResourceList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = parseResourceList(c.resources?.[which]);
    if (c.restartPolicy === "Always") {
      addInto(total, own);
      addInto(sidecars, own);
      maxInto(initMoments, sidecars);
    } else {
      const moment: ResourceList = new Map(own);
      addInto(moment, sidecars);
      maxInto(initMoments, moment);
    }
  }
  maxInto(total, initMoments);
  if (options.overhead) {
    for (const [name, q] of parseResourceList(pod.spec?.overhead)) {
      const mine = total.get(name);
      if (which === "requests") total.set(name, mine === undefined ? q : addQuantities(mine, q));
      else if (mine !== undefined) total.set(name, addQuantities(mine, q));
    }
  }
  return total;
}
// #endregion pod-resources

// #region evaluators
/** One term of a quota's scopes: `spec.scopes` entries are `{scopeName, operator: "Exists"}`. */
export interface ScopeSelector {
  scopeName: string;
  operator: string;
  values?: string[];
}

export interface EvaluateInput {
  operation: "CREATE" | "UPDATE" | "DELETE";
  object: KubeObject;
  oldObject: KubeObject | undefined;
}

/** Knows what objects of one resource cost a quota (quota.Evaluator). */
export interface QuotaEvaluator {
  readonly group: string;
  readonly resource: string;
  /** The names, of those given (a quota's hard list), that this evaluator measures. */
  matchingResources(names: Iterable<string>): string[];
  /** Whether this write can change what the object costs (creates, mostly). */
  handles(input: EvaluateInput): boolean;
  /** Why the object cannot be charged to a quota tracking `required`, or undefined. */
  constraints(required: readonly string[], object: KubeObject): string | undefined;
  usage(object: KubeObject, now: number): ResourceList;
  matchesScope(selector: ScopeSelector, object: KubeObject): boolean;
  /**
   * Summarizes what of an object its usage depends on besides existing (a pod's phase, a
   * service's type): when it changes, the quotas need recalculating. Undefined: only deletion.
   */
  replenishKey?(object: KubeObject, now: number): string;
}

const ONE = newQuantity(1, "DecimalSI");

/** "count/pods", "count/deployments.apps": the object-count name of a resource. */
export function objectCountName(group: string, resource: string): string {
  return group === "" ? `count/${resource}` : `count/${resource}.${group}`;
}

const intersect = (names: Iterable<string>, known: readonly string[]) =>
  [...new Set(names)].filter((n) => known.includes(n)).sort();

/**
 * The generic evaluator (generic.NewObjectCountEvaluator): each object counts 1 toward
 * `count/<resource>.<group>` and, for the four resources quotas counted before that syntax
 * existed, toward the bare name too. Only creates change a count; deletions are the
 * recalculator's business.
 */
export function objectCountEvaluator(
  group: string,
  resource: string,
  alias?: string,
): QuotaEvaluator {
  const names = [objectCountName(group, resource), ...(alias ? [alias] : [])];
  return {
    group,
    resource,
    matchingResources: (input) => intersect(input, names),
    handles: ({ operation }) => operation === "CREATE",
    constraints: () => undefined,
    usage: () => new Map(names.map((n) => [n, ONE])),
    matchesScope: () => false,
  };
}

const POD_RESOURCES = [
  "count/pods",
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
] as const;
const HUGEPAGES = "hugepages-";
const REQUESTS = "requests.";

/**
 * A quota that limits any of these makes every container state it, or the pod is refused
 * ("must specify ..."). Kubernetes calls this rule a mistake kept for compatibility, and
 * applies it to these six names only.
 */
const MUST_SPECIFY = new Set([
  "cpu",
  "memory",
  "requests.cpu",
  "requests.memory",
  "limits.cpu",
  "limits.memory",
]);

/** Not a Kubernetes-defined resource: has a domain, and not kubernetes.io's (nvidia.com/gpu). */
const isExtended = (name: string) =>
  name.includes("/") && !name.includes("kubernetes.io/") && !name.startsWith(REQUESTS);

/** podComputeUsageHelper: what requests and limits (a container's or a pod's) count toward. */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = new Map([["pods", ONE]]);
  for (const r of ["cpu", "memory", "ephemeral-storage"]) {
    const request = requests.get(r);
    if (request) {
      out.set(r, request);
      out.set(`${REQUESTS}${r}`, request);
    }
    const limit = limits.get(r);
    if (limit) out.set(`limits.${r}`, limit);
  }
  for (const [name, q] of requests) {
    if (name.startsWith(HUGEPAGES)) out.set(name, q);
    if (name.startsWith(HUGEPAGES) || isExtended(name)) out.set(`${REQUESTS}${name}`, q);
  }
  return out;
}

/**
 * QuotaV1Pod: whether a pod still counts toward compute quota. A finished pod (Succeeded,
 * Failed) does not; nor does one whose deletion's grace period is over (its node is likely
 * lost): it should not keep its owner from starting a replacement.
 */
export function podIsCharged(pod: KubeObject, now: number): boolean {
  const { status, metadata } = pod as PodLike;
  if (status?.phase === "Succeeded" || status?.phase === "Failed") return false;
  if (metadata.deletionTimestamp && metadata.deletionGracePeriodSeconds !== undefined) {
    const over =
      Date.parse(metadata.deletionTimestamp) + metadata.deletionGracePeriodSeconds * 1000;
    if (now > over) return false;
  }
  return true;
}

/** The Terminating scope: pods with an active deadline (jobs), which end by themselves. */
const isTerminating = (pod: PodLike) =>
  typeof pod.spec?.activeDeadlineSeconds === "number" && pod.spec.activeDeadlineSeconds >= 0;

/** BestEffort QoS: no container requests or limits any CPU or memory. */
function isBestEffort(pod: PodLike): boolean {
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const list of [c.resources?.requests, c.resources?.limits]) {
      for (const [name, q] of parseResourceList(list)) {
        if ((name === "cpu" || name === "memory") && compareQuantities(q, ZERO) > 0) return false;
      }
    }
  }
  return true;
}

/** Pod (anti-)affinity terms that reach into other namespaces. */
function usesCrossNamespaceAffinity(pod: PodLike): boolean {
  const affinity = pod.spec?.affinity;
  const crosses = (term: unknown) =>
    isRecord(term) &&
    ((Array.isArray(term.namespaces) && term.namespaces.length > 0) ||
      term.namespaceSelector != null);
  for (const kind of ["podAffinity", "podAntiAffinity"]) {
    const a = affinity?.[kind];
    if (!isRecord(a)) continue;
    const required = a.requiredDuringSchedulingIgnoredDuringExecution;
    const preferred = a.preferredDuringSchedulingIgnoredDuringExecution;
    if (Array.isArray(required) && required.some(crosses)) return true;
    if (
      Array.isArray(preferred) &&
      preferred.some((w) => isRecord(w) && crosses(w.podAffinityTerm))
    ) {
      return true;
    }
  }
  return false;
}

/** A PriorityClass scope term, as a label selector on {PriorityClass: <name>}. */
function priorityClassMatches(pod: PodLike, selector: ScopeSelector): boolean {
  const name = pod.spec?.priorityClassName ?? "";
  const values = selector.values ?? [];
  switch (selector.operator) {
    case "Exists":
      return name !== "";
    case "DoesNotExist":
      return name === "";
    case "In":
      return name !== "" && values.includes(name);
    case "NotIn":
      return name === "" || !values.includes(name);
    default:
      return false;
  }
}

export const podEvaluator: QuotaEvaluator = {
  group: "",
  resource: "pods",
  matchingResources(input) {
    const names = [...new Set(input)];
    return [
      ...intersect(names, POD_RESOURCES),
      ...names.filter(
        (n) =>
          n.startsWith(HUGEPAGES) ||
          n.startsWith(`${REQUESTS}${HUGEPAGES}`) ||
          (n.startsWith(REQUESTS) && isExtended(n.slice(REQUESTS.length))),
      ),
    ];
  },
  handles({ operation, object, oldObject }) {
    // An update counts only when it moves the pod in or out of the Terminating scope.
    if (operation === "UPDATE" && oldObject) {
      return isTerminating(object as PodLike) !== isTerminating(oldObject as PodLike);
    }
    return operation === "CREATE";
  },
  // #region must-specify
  constraints(required, object) {
    const pod = object as PodLike;
    const wanted = required.filter((r) => MUST_SPECIFY.has(r));
    const missing = new Map<string, Set<string>>();
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
      const has = computeUsage(
        parseResourceList(c.resources?.requests),
        parseResourceList(c.resources?.limits),
      );
      for (const r of wanted) {
        if (has.has(r)) continue;
        const names = missing.get(r) ?? new Set<string>();
        names.add(c.name ?? "");
        missing.set(r, names);
      }
    }
    if (missing.size === 0) return undefined;
    const parts = [...missing.keys()]
      .sort()
      .map((r) => `${r} for: ${[...(missing.get(r) as Set<string>)].sort().join(",")}`);
    return `must specify ${parts.join("; ")}`;
  },
  // #endregion must-specify
  usage(object, now) {
    // The object count covers every stored pod; the rest only pods that still run.
    const usage: ResourceList = new Map([["count/pods", ONE]]);
    if (!podIsCharged(object, now)) return usage;
    const pod = object as PodLike;
    return addLists(
      usage,
      computeUsage(
        podResources(pod, "requests", { overhead: true }),
        podResources(pod, "limits", { overhead: true }),
      ),
    );
  },
  matchesScope(selector, object) {
    const pod = object as PodLike;
    switch (selector.scopeName) {
      case "Terminating":
        return isTerminating(pod);
      case "NotTerminating":
        return !isTerminating(pod);
      case "BestEffort":
        return isBestEffort(pod);
      case "NotBestEffort":
        return !isBestEffort(pod);
      case "PriorityClass":
        return priorityClassMatches(pod, selector);
      case "CrossNamespacePodAffinity":
        return usesCrossNamespaceAffinity(pod);
      default:
        return false;
    }
  },
  replenishKey: (object, now) => (podIsCharged(object, now) ? "charged" : "free"),
};

interface ServiceLike {
  spec?: {
    type?: string;
    ports?: { nodePort?: number }[];
    allocateLoadBalancerNodePorts?: boolean;
  };
}

const SERVICE_RESOURCES = [
  "count/services",
  "services",
  "services.nodeports",
  "services.loadbalancers",
] as const;

/** NodePort and LoadBalancer services cost node ports (and a load balancer); others do not. */
const quotaServiceType = (svc: ServiceLike) =>
  svc.spec?.type === "NodePort" || svc.spec?.type === "LoadBalancer" ? svc.spec.type : "";

export const serviceEvaluator: QuotaEvaluator = {
  group: "",
  resource: "services",
  matchingResources: (input) => intersect(input, SERVICE_RESOURCES),
  // Creates and updates: changing a service's type changes the node ports it holds.
  handles: ({ operation }) => operation === "CREATE" || operation === "UPDATE",
  constraints: () => undefined,
  usage(object) {
    const svc = object as ServiceLike;
    const ports = svc.spec?.ports ?? [];
    let nodePorts = 0;
    let loadBalancers = 0;
    if (svc.spec?.type === "NodePort") nodePorts = ports.length;
    if (svc.spec?.type === "LoadBalancer") {
      loadBalancers = 1;
      // Without node port allocation, only ports that name one explicitly hold a node port.
      nodePorts =
        svc.spec.allocateLoadBalancerNodePorts === false
          ? ports.filter((p) => (p.nodePort ?? 0) !== 0).length
          : ports.length;
    }
    return new Map([
      ["count/services", ONE],
      ["services", ONE],
      ["services.loadbalancers", newQuantity(loadBalancers, "DecimalSI")],
      ["services.nodeports", newQuantity(nodePorts, "DecimalSI")],
    ]);
  },
  matchesScope: () => false,
  replenishKey: (object) => quotaServiceType(object as ServiceLike),
};

/** The four resources a quota may also count by bare name (`configmaps: 10`). */
const LEGACY_COUNTS = ["configmaps", "resourcequotas", "replicationcontrollers", "secrets"];

/**
 * Resources quota never charges (install.DefaultIgnoredResources): virtual ones that are not
 * stored, and events.
 */
export const IGNORED_RESOURCES = new Set([
  "bindings",
  "componentstatuses",
  "tokenreviews.authentication.k8s.io",
  "selfsubjectreviews.authentication.k8s.io",
  "subjectaccessreviews.authorization.k8s.io",
  "selfsubjectaccessreviews.authorization.k8s.io",
  "localsubjectaccessreviews.authorization.k8s.io",
  "selfsubjectrulesreviews.authorization.k8s.io",
  "events",
  "events.events.k8s.io",
]);

const groupResourceName = (group: string, resource: string) =>
  group === "" ? resource : `${resource}.${group}`;

/** The evaluator for a resource; undefined for the ignored ones. */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator | undefined {
  if (IGNORED_RESOURCES.has(groupResourceName(group, resource))) return undefined;
  if (group === "" && resource === "pods") return podEvaluator;
  if (group === "" && resource === "services") return serviceEvaluator;
  if (group === "" && LEGACY_COUNTS.includes(resource))
    return objectCountEvaluator(group, resource, resource);
  return objectCountEvaluator(group, resource);
}

/**
 * Every evaluator that measures some of these names (a quota's hard list): the pod and service
 * evaluators, the four legacy counts, and an object count for each other `count/<resource>`.
 */
export function evaluatorsFor(names: Iterable<string>): QuotaEvaluator[] {
  const list = [...new Set(names)];
  const candidates = [
    podEvaluator,
    serviceEvaluator,
    ...LEGACY_COUNTS.map((r) => objectCountEvaluator("", r, r)),
  ];
  const out = candidates.filter((e) => e.matchingResources(list).length > 0);
  for (const name of list) {
    if (!name.startsWith("count/") || out.some((e) => e.matchingResources([name]).length > 0))
      continue;
    const [resource = "", ...group] = name.slice("count/".length).split(".");
    const evaluator = evaluatorFor(group.join("."), resource);
    if (evaluator) out.push(evaluator);
  }
  return out;
}
// #endregion evaluators

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
