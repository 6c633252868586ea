/**
 * LimitRanger (plugin/pkg/admission/limitranger): a namespace's LimitRanges give its pods
 * default resources and bounds. When a pod is created:
 *
 * 1. mutating: each container (and init container) that leaves a resource out gets the
 *    LimitRange's `default` as its limit and `defaultRequest` as its request, and the pod is
 *    annotated with what was filled in:
 *      kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container
 *        nginx; cpu, memory limit for container nginx
 * 2. validating: every container must then lie within the `Container` item's `min`, `max` and
 *    `maxLimitRequestRatio`, and the pod's total within the `Pod` item's; otherwise 403:
 *      pods "web" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m,
 *        maximum memory usage per Container is 1Gi, but limit is 2Gi]
 *
 * Where the defaults come from is LimitRange defaulting, not this plugin: a LimitRange item that
 * sets `max` but no `default` defaults to its max, and one without `defaultRequest` takes its
 * `default`, else its `min` (applyLimitRangeDefaults). The plugin applies that defaulting to the
 * LimitRanges it reads, so it sees them as Kubernetes' informer would.
 *
 * Guarantees and limits, as in Kubernetes:
 * - Only creates: pod containers cannot change afterwards, so updates are not checked. Nor are
 *   subresources (status, binding).
 * - A value the pod states is never replaced; a default only fills a gap.
 * - Each LimitRange is applied in turn; the first one the pod violates refuses it, listing every
 *   violation of that LimitRange (one message alone, several in brackets).
 * - Messages list a LimitRange's resources in the order it names them (Go's map order is
 *   random), and PersistentVolumeClaim items are ignored (tinykube serves no claims).
 */
import { applyLimitRangeDefaults } from "../../api/defaults/core.ts";
import { clone, type KubeObject } from "../../api/object.ts";
import {
  formatQuantity,
  milliValue,
  parseQuantityJSON,
  type Quantity,
  quantityValue,
} from "../../api/quantity.ts";
import { BUILTIN_TYPES, groupResource, type ResourceType } from "../../api/scheme.ts";
import { forbidden } from "../errors.ts";
import type { AdmissionRequest } from "../server.ts";
import type { AdmissionPlugin } from "./chain.ts";
import { podResources, type ResourceList } from "./quota-usage.ts";

export const LIMIT_RANGER_ANNOTATION = "kubernetes.io/limit-ranger";

const limitRanges = BUILTIN_TYPES.find((t) => t.resource === "limitranges") as ResourceType;

type Resources = Record<string, unknown>;

interface LimitRangeItem {
  type?: string;
  min?: Resources;
  max?: Resources;
  default?: Resources;
  defaultRequest?: Resources;
  maxLimitRequestRatio?: Resources;
}

export interface LimitRange extends KubeObject {
  spec?: { limits?: LimitRangeItem[] };
}

interface Container {
  name?: string;
  resources?: { limits?: Resources; requests?: Resources };
}

interface Pod extends KubeObject {
  spec?: { containers?: Container[]; initContainers?: Container[] };
}

export const limitRanger: AdmissionPlugin = {
  name: "LimitRanger",
  async mutate(request) {
    if (!applies(request)) return;
    for (const limitRange of await limitRangesOf(request)) {
      setDefaultResources(limitRange, request.object as Pod);
    }
  },
  async validate(request) {
    if (!applies(request)) return;
    const { type, object } = request;
    for (const limitRange of await limitRangesOf(request)) {
      const violations = podLimitViolations(limitRange, object as Pod);
      if (violations.length === 0) continue;
      const name = object.metadata.name ?? object.metadata.generateName ?? "Unknown";
      throw forbidden(
        `${groupResource(type)} "${name}" is forbidden: ${aggregateMessage(violations)}`,
        type,
        object.metadata.name,
      );
    }
  },
};

/** Pod creates only: containers never change after, so Kubernetes skips updates. */
function applies({ type, operation, subresource }: AdmissionRequest): boolean {
  return type.group === "" && type.kind === "Pod" && operation === "CREATE" && subresource === "";
}

/** The namespace's LimitRanges, defaulted as Kubernetes stores them. */
async function limitRangesOf(request: AdmissionRequest): Promise<LimitRange[]> {
  // From the watch cache, as Kubernetes' LimitRanger reads through a lister; when the cache has
  // none it looks in the store too, so a LimitRange created a moment ago is not missed.
  const registry = request.server.registry(limitRanges);
  const namespace = request.object.metadata.namespace as string;
  let items = await registry.listCached(namespace);
  if (items.length === 0) items = (await registry.list(namespace)).items;
  return items.map((item) => applyLimitRangeDefaults(clone(item)) as LimitRange);
}

// #region defaults
/**
 * PodMutateLimitFunc: fills each container's missing limits from the `Container` item's
 * `default` and missing requests from its `defaultRequest`, and records what it filled in
 * the pod's annotation (replacing any earlier note).
 */
export function setDefaultResources(limitRange: LimitRange, pod: Pod): void {
  const defaults: { limits: Resources; requests: Resources } = { limits: {}, requests: {} };
  for (const item of limitRange.spec?.limits ?? []) {
    if (item.type !== "Container") continue;
    Object.assign(defaults.requests, item.defaultRequest);
    Object.assign(defaults.limits, item.default);
  }
  const notes: string[] = [];
  const fill = (container: Container, kind: string) => {
    const set = { requests: [] as string[], limits: [] as string[] };
    for (const list of ["limits", "requests"] as const) {
      for (const [name, value] of Object.entries(defaults[list])) {
        const own = container.resources?.[list];
        if (own && name in own) continue;
        container.resources ??= {};
        container.resources[list] = { ...own, [name]: value };
        set[list].push(name);
      }
    }
    if (set.requests.length > 0)
      notes.push(`${set.requests.sort().join(", ")} request for ${kind} ${container.name}`);
    if (set.limits.length > 0)
      notes.push(`${set.limits.sort().join(", ")} limit for ${kind} ${container.name}`);
  };
  for (const c of pod.spec?.containers ?? []) fill(c, "container");
  for (const c of pod.spec?.initContainers ?? []) fill(c, "init container");
  if (notes.length > 0) {
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}`,
    };
  }
}
// #endregion defaults

// #region validate
/** Quantity.MaxMilliValue: beyond it MilliValue would overflow int64, so compare whole units. */
const MAX_MILLI_VALUE = (2n ** 63n - 1n) / 1000n;

/** The "Go zero" quantity a missing entry reads as. */
const NONE: Quantity = { mantissa: 0n, exponent: 0, format: "DecimalSI" };

/**
 * Request, limit and bound at a common precision: milli-units when all three fit, so 100m and
 * 0.1 compare equal and 50m is below 100m; whole units otherwise.
 */
function commonValues(
  request: Quantity,
  limit: Quantity,
  bound: Quantity,
): [bigint, bigint, bigint] {
  const values = [request, limit, bound].map(quantityValue) as [bigint, bigint, bigint];
  if (values.every((v) => v <= MAX_MILLI_VALUE))
    return [milliValue(request), milliValue(limit), milliValue(bound)];
  return values;
}

interface Observed {
  requests: ResourceList;
  limits: ResourceList;
}

function minViolation(
  kind: string,
  name: string,
  bound: Quantity,
  o: Observed,
): string | undefined {
  const request = o.requests.get(name);
  const limit = o.limits.get(name);
  const [req, lim, min] = commonValues(request ?? NONE, limit ?? NONE, bound);
  const is = formatQuantity(bound);
  if (!request) return `minimum ${name} usage per ${kind} is ${is}.  No request is specified`;
  if (req < min)
    return `minimum ${name} usage per ${kind} is ${is}, but request is ${formatQuantity(request)}`;
  if (limit && lim < min)
    return `minimum ${name} usage per ${kind} is ${is}, but limit is ${formatQuantity(limit)}`;
  return undefined;
}

function maxViolation(
  kind: string,
  name: string,
  bound: Quantity,
  o: Observed,
): string | undefined {
  const request = o.requests.get(name);
  const limit = o.limits.get(name);
  const [req, lim, max] = commonValues(request ?? NONE, limit ?? NONE, bound);
  const is = formatQuantity(bound);
  if (!limit) return `maximum ${name} usage per ${kind} is ${is}.  No limit is specified`;
  if (lim > max)
    return `maximum ${name} usage per ${kind} is ${is}, but limit is ${formatQuantity(limit)}`;
  if (request && req > max)
    return `maximum ${name} usage per ${kind} is ${is}, but request is ${formatQuantity(request)}`;
  return undefined;
}

/**
 * limit / request may not exceed the ratio. Worked example: ratio 2, request 250m, limit 1 →
 * 1000 / 250 = 4 > 2: "cpu max limit to request ratio per Container is 2, but provided ratio is
 * 4.000000" (Go's %f). The comparison is in thousandths (4000 > 2000) when the bound allows.
 */
function ratioViolation(
  kind: string,
  name: string,
  bound: Quantity,
  o: Observed,
): string | undefined {
  const request = o.requests.get(name);
  const limit = o.limits.get(name);
  const [req, lim] = commonValues(request ?? NONE, limit ?? NONE, bound);
  const is = formatQuantity(bound);
  if (!request || req === 0n)
    return `${name} max limit to request ratio per ${kind} is ${is}, but no request is specified or request is 0`;
  if (!limit || lim === 0n)
    return `${name} max limit to request ratio per ${kind} is ${is}, but no limit is specified or limit is 0`;
  const ratio = Number(lim) / Number(req);
  const inMilli = quantityValue(bound) <= MAX_MILLI_VALUE;
  const observed = inMilli ? ratio * 1000 : ratio;
  const allowed = Number(inMilli ? milliValue(bound) : quantityValue(bound));
  if (observed > allowed)
    return `${name} max limit to request ratio per ${kind} is ${is}, but provided ratio is ${ratio.toFixed(6)}`;
  return undefined;
}

/** Every min, max and ratio of one item that `observed` breaks, in that order. */
function itemViolations(item: LimitRangeItem, kind: string, observed: Observed): string[] {
  const out: string[] = [];
  const checks = [
    [item.min, minViolation],
    [item.max, maxViolation],
    [item.maxLimitRequestRatio, ratioViolation],
  ] as const;
  for (const [bounds, check] of checks) {
    for (const [name, value] of Object.entries(bounds ?? {})) {
      const broken = check(kind, name, parseQuantityJSON(value), observed);
      if (broken) out.push(broken);
    }
  }
  return out;
}

const resourceList = (json: Resources | undefined): ResourceList =>
  new Map(Object.entries(json ?? {}).map(([name, v]) => [name, parseQuantityJSON(v)]));

/**
 * PodValidateLimitFunc: each `Container` item against every container and init container, each
 * `Pod` item against the pod's totals (init containers counted as the scheduler counts them).
 */
export function podLimitViolations(limitRange: LimitRange, pod: Pod): string[] {
  const out: string[] = [];
  for (const item of limitRange.spec?.limits ?? []) {
    if (item.type === "Container") {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        const observed = {
          requests: resourceList(c.resources?.requests),
          limits: resourceList(c.resources?.limits),
        };
        out.push(...itemViolations(item, "Container", observed));
      }
    }
    if (item.type === "Pod") {
      const observed = {
        requests: podResources(pod, "requests", { overhead: false }),
        limits: podResources(pod, "limits", { overhead: false }),
      };
      out.push(...itemViolations(item, "Pod", observed));
    }
  }
  return out;
}
// #endregion validate

/**
 * utilerrors.NewAggregate's message: one error alone, several in brackets, comma-separated,
 * each distinct message once.
 */
export function aggregateMessage(messages: readonly string[]): string {
  const distinct = [...new Set(messages)];
  return distinct.length === 1 ? (distinct[0] as string) : `[${distinct.join(", ")}]`;
}
