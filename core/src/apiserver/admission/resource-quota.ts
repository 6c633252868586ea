/**
 * ResourceQuota admission (k8s.io/apiserver/pkg/admission/plugin/resourcequota): a namespace's
 * ResourceQuotas cap what its objects may add up to — `pods: 10`, `requests.cpu: 4`,
 * `count/deployments.apps: 5` — and a write that would go over is refused with 403 Forbidden.
 *
 * Admission is the writer of `status.used`: before it lets an object through it charges the
 * object to every quota that tracks it, with a compare-and-swap on the quota's resourceVersion.
 * So two creates racing for the last slot cannot both win: both read `used: 2` of `hard: 3`,
 * both try to write 3, the store accepts only the first write at that resourceVersion, and the
 * second is re-checked against the new usage (3 of 3) and refused. Usage only goes down when
 * the quota is recalculated from the objects that exist (quota-recalculator.ts); admission
 * never un-charges.
 *
 * Guarantees:
 * - Quotas are read fresh from the store, and every quota an object is charged to was written
 *   at the resourceVersion it was checked against: no two admitted objects share a slot.
 * - Requests of one namespace are checked one at a time in this server, as Kubernetes' quota
 *   evaluator works through one queue per namespace; other writers (the recalculator, another
 *   API server) are kept out by the compare-and-swap.
 * - A dry run is checked like any request, and changes no quota.
 * - Refusals carry Kubernetes' messages:
 *     pods "web" is forbidden: exceeded quota: compute, requested: requests.cpu=500m,
 *       used: requests.cpu=1, limited: requests.cpu=1
 *     pods "web" is forbidden: failed quota: compute: must specify requests.cpu for: nginx
 *
 * Simplified, compared with Kubernetes:
 * - A quota whose status has not caught up with its spec (just created, or its `hard` changed)
 *   is recalculated here before the check. Kubernetes checks against `status.hard` only, so for
 *   the moment until the resourcequota controller's first sync a new quota limits nothing.
 * - Requests are checked one by one; Kubernetes batches a namespace's waiting requests into one
 *   status write. No admission configuration (limitedResources, matchScopes); no
 *   PersistentVolumeClaim, ResourceClaim or in-place resize accounting (tinykube serves none).
 * - An object charged and then not stored (its name was taken) stays charged until the next
 *   recalculation, as in Kubernetes.
 */
import type { KubeObject } from "../../api/object.ts";
import { newQuantity } from "../../api/quantity.ts";
import { BUILTIN_TYPES, groupResource, type ResourceType } from "../../api/scheme.ts";
import { ApiError, forbidden } from "../errors.ts";
import type { ApiServer } from "../server.ts";
import type { AdmissionPlugin } from "./chain.ts";
import {
  addLists,
  type EvaluateInput,
  evaluatorFor,
  evaluatorsFor,
  exceededNames,
  listsEqual,
  maskList,
  negativeNames,
  parseResourceList,
  prettyPrint,
  type QuotaEvaluator,
  type ResourceList,
  removeZeros,
  resourceListJson,
  type ScopeSelector,
  subtractNonNegative,
} from "./quota-usage.ts";

const quotaType = BUILTIN_TYPES.find((t) => t.resource === "resourcequotas") as ResourceType;

/** Kubernetes re-checks the quotas whose status write lost a race this many times. */
const MAX_CHARGE_RETRIES = 3;
/** Recalculations that keep losing to other writers give up after this many tries. */
const MAX_SYNC_ATTEMPTS = 5;

export interface ResourceQuotaObject extends KubeObject {
  spec?: {
    hard?: Record<string, unknown>;
    scopes?: string[];
    scopeSelector?: { matchExpressions?: ScopeSelector[] };
  };
  status?: { hard?: Record<string, unknown>; used?: Record<string, unknown> };
}

/** A refusal, worded as Kubernetes words what follows `pods "x" is forbidden: `. */
export class QuotaRefusal extends Error {
  override name = "QuotaRefusal";
}

// #region check-request
/** The quota's scope terms: `spec.scopes` (each an Exists term) and `spec.scopeSelector`. */
export function scopeSelectorsOf(quota: ResourceQuotaObject): ScopeSelector[] {
  return [
    ...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: "Exists" })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []),
  ];
}

/** A quota applies to an object if it limits something the evaluator measures, in scope. */
function quotaMatches(
  quota: ResourceQuotaObject,
  evaluator: QuotaEvaluator,
  object: KubeObject,
): boolean {
  const hard = Object.keys(quota.status?.hard ?? {});
  return (
    evaluator.matchingResources(hard).length > 0 &&
    scopeSelectorsOf(quota).every((s) => evaluator.matchesScope(s, object))
  );
}

/**
 * CheckRequest: the usage each quota would have if this write were admitted, or a
 * QuotaRefusal. An entry is undefined where the quota does not change. Steps:
 * 1. find the quotas that apply (judged by `status.hard`, what the quota is known to enforce);
 *    refuse if the object lacks what one demands ("must specify") or one has no usage yet;
 * 2. measure the object; on an update, charge only what grew since the old object;
 * 3. for each quota: used + requested must stay within hard for every name it limits.
 * Worked example: hard {pods: 2, requests.cpu: 1}, used {pods: 1, requests.cpu: 500m}, a pod
 * requesting 600m → new usage {pods: 2, requests.cpu: 1100m}; 1100m > 1, so refused:
 * "exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=500m,
 * limited: requests.cpu=1" (only the names that went over are listed).
 */
export function checkRequest(
  quotas: readonly ResourceQuotaObject[],
  input: EvaluateInput,
  evaluator: QuotaEvaluator,
  now: number,
): (ResourceList | undefined)[] {
  const { object, oldObject } = input;
  const applying: number[] = [];
  quotas.forEach((quota, i) => {
    if (!quotaMatches(quota, evaluator, object)) return;
    const name = quota.metadata.name;
    const restricted = evaluator.matchingResources(Object.keys(quota.status?.hard ?? {}));
    const unmet = evaluator.constraints(restricted, object);
    if (unmet) throw new QuotaRefusal(`failed quota: ${name}: ${unmet}`);
    const used = quota.status?.used ?? {};
    if (restricted.some((r) => !(r in used))) {
      throw new QuotaRefusal(
        `status unknown for quota: ${name}, resources: ${[...restricted].sort().join(",")}`,
      );
    }
    applying.push(i);
  });
  const out: (ResourceList | undefined)[] = quotas.map(() => undefined);
  if (applying.length === 0) return out;

  const usage = evaluator.usage(object, now);
  const negative = negativeNames(usage);
  if (negative.length > 0) {
    throw new QuotaRefusal(`quota usage is negative for resource(s): ${negative.sort().join(",")}`);
  }
  const deltas = new Map<number, ResourceList>(applying.map((i) => [i, usage]));
  // An update of a stored object pays only for growth, to quotas that already counted it.
  if (input.operation === "UPDATE" && oldObject?.metadata.resourceVersion) {
    const growth = subtractNonNegative(usage, evaluator.usage(oldObject, now));
    for (const i of applying) {
      if (quotaMatches(quotas[i] as ResourceQuotaObject, evaluator, oldObject))
        deltas.set(i, growth);
    }
  }

  for (const i of applying) {
    const delta = removeZeros(deltas.get(i) as ResourceList);
    if (delta.size === 0) continue;
    const quota = quotas[i] as ResourceQuotaObject;
    const hard = parseResourceList(quota.status?.hard);
    const used = parseResourceList(quota.status?.used);
    const requested = maskList(delta, hard.keys());
    const next = addLists(used, requested);
    const over = exceededNames(maskList(next, requested.keys()), hard);
    if (over.length > 0) {
      throw new QuotaRefusal(
        `exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(maskList(requested, over))}, used: ${prettyPrint(maskList(used, over))}, limited: ${prettyPrint(maskList(hard, over))}`,
      );
    }
    if (!listsEqual(next, used)) out[i] = next;
  }
  return out;
}
// #endregion check-request

// #region admission
export const resourceQuota: AdmissionPlugin = {
  name: "ResourceQuota",
  async validate(request) {
    const { type, operation, object, oldObject, subresource, server } = request;
    // Subresources (status, scale, binding) and cluster-scoped objects are never charged.
    if (subresource !== "" || !type.namespaced) return;
    const evaluator = evaluatorFor(type.group, type.resource);
    if (!evaluator?.handles({ operation, object, oldObject })) return;
    const namespace = object.metadata.namespace as string;
    const refuse = (message: string) =>
      forbidden(
        `${groupResource(type)} "${object.metadata.name ?? object.metadata.generateName ?? "Unknown"}" is forbidden: ${message}`,
        type,
        object.metadata.name,
      );
    await withNamespaceLock(server, namespace, async () => {
      let quotas = await quotasIn(server, namespace);
      if (quotas.length === 0) return;
      // Quotas the recalculator has not caught up with yet get their usage first (a dry run
      // only computes it: it writes nothing).
      for (const [i, quota] of quotas.entries()) {
        if (!needsSync(quota)) continue;
        if (request.dryRun) {
          quotas[i] = { ...quota, status: await recalculatedStatus(server, quota) };
          continue;
        }
        const synced = await syncQuotaStatus(server, namespace, quota.metadata.name as string);
        if (synced) quotas[i] = synced;
      }
      for (let retries = MAX_CHARGE_RETRIES; ; retries--) {
        let charges: (ResourceList | undefined)[];
        try {
          charges = checkRequest(
            quotas,
            { operation, object, oldObject },
            evaluator,
            server.clock.now(),
          );
        } catch (error) {
          if (error instanceof QuotaRefusal) throw refuse(error.message);
          throw error;
        }
        if (request.dryRun) return;
        // Charge each quota that changes, each only if it is still at the version checked.
        const lost: string[] = [];
        let lastConflict: unknown;
        for (const [i, used] of charges.entries()) {
          const quota = quotas[i] as ResourceQuotaObject;
          if (!used) continue;
          try {
            await writeStatus(server, quota, {
              hard: quota.status?.hard ?? {},
              used: resourceListJson(used),
            });
            request.trace?.(
              `ResourceQuota: charged quota "${quota.metadata.name}": used ${prettyPrint(parseResourceList(quota.status?.used))} → ${prettyPrint(used)}`,
            );
          } catch (error) {
            if (!(error instanceof ApiError) || error.code !== 409) throw error;
            lost.push(quota.metadata.name as string);
            lastConflict = error;
          }
        }
        if (lost.length === 0) return;
        if (retries === 0) throw lastConflict;
        // Only the quotas that lost are checked again; the others already hold the charge.
        quotas = (await quotasIn(server, namespace)).filter((q) =>
          lost.includes(q.metadata.name as string),
        );
        if (quotas.length === 0) return;
      }
    });
  },
};
// #endregion admission

// #region sync
/**
 * Whether a quota's status is behind its spec: never synced, `hard` changed, or a limit without
 * a usage that tinykube can measure (the resourcequota controller's addQuota test).
 */
export function needsSync(quota: ResourceQuotaObject): boolean {
  if (!quota.status?.hard || !quota.status.used) return true;
  const hard = parseResourceList(quota.status.hard);
  if (!listsEqual(parseResourceList(quota.spec?.hard), hard)) return true;
  const used = quota.status.used;
  const measurable = evaluatorsFor(hard.keys()).flatMap((e) => e.matchingResources(hard.keys()));
  return measurable.some((name) => !(name in used));
}

/**
 * What a namespace's objects use of `hard` (quota.CalculateUsage): each evaluator that measures
 * one of its names lists its objects and adds up those in the quota's scopes. Every measured
 * name appears, zero when nothing counts; names nothing measures are left out.
 */
export async function calculateUsage(
  server: ApiServer,
  namespace: string,
  hard: ResourceList,
  scopes: readonly ScopeSelector[],
): Promise<ResourceList> {
  let usage: ResourceList = new Map();
  const measured = new Set<string>();
  for (const evaluator of evaluatorsFor(hard.keys())) {
    const names = evaluator.matchingResources(hard.keys());
    for (const name of names) measured.add(name);
    let stats: ResourceList = new Map(names.map((n) => [n, newQuantity(0, "DecimalSI")]));
    for (const object of await objectsOf(server, evaluator, namespace)) {
      if (scopes.every((s) => evaluator.matchesScope(s, object)))
        stats = addLists(stats, evaluator.usage(object, server.clock.now()));
    }
    usage = addLists(usage, stats);
  }
  return maskList(usage, measured);
}

/**
 * The status the resourcequota controller gives a quota: `hard` copied from the spec, `used`
 * counted afresh. Usage nothing here can measure keeps its last value; names no longer limited
 * are dropped.
 */
export async function recalculatedStatus(
  server: ApiServer,
  quota: ResourceQuotaObject,
): Promise<{ hard: Record<string, string>; used: Record<string, string> }> {
  const hard = parseResourceList(quota.spec?.hard);
  const namespace = quota.metadata.namespace as string;
  const measured = await calculateUsage(server, namespace, hard, scopeSelectorsOf(quota));
  const used = maskList(
    new Map([...parseResourceList(quota.status?.used), ...measured]),
    hard.keys(),
  );
  return { hard: resourceListJson(hard), used: resourceListJson(used) };
}

/**
 * The resourcequota controller's syncResourceQuota: recalculates a quota's usage from the
 * objects that exist and writes `status` ({hard: spec.hard, used}) at the resourceVersion read,
 * re-reading on conflict. Without `force`, a quota that is not behind (needsSync) is left alone.
 * Returns the quota as stored, or undefined if it no longer exists.
 */
export async function syncQuotaStatus(
  server: ApiServer,
  namespace: string,
  name: string,
  options: { force?: boolean } = {},
): Promise<ResourceQuotaObject | undefined> {
  let lastConflict: unknown;
  for (let attempt = 0; attempt < MAX_SYNC_ATTEMPTS; attempt++) {
    let quota: ResourceQuotaObject;
    try {
      quota = (await server.registry(quotaType).get(namespace, name)) as ResourceQuotaObject;
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return undefined;
      throw error;
    }
    if (!options.force && !needsSync(quota)) return quota;
    try {
      return await writeStatus(server, quota, await recalculatedStatus(server, quota));
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 409) throw error;
      lastConflict = error;
    }
  }
  throw lastConflict;
}

/** Writes a quota's status through the status subresource, only over the version read. */
async function writeStatus(
  server: ApiServer,
  quota: ResourceQuotaObject,
  status: { hard: Record<string, unknown>; used: Record<string, string> },
): Promise<ResourceQuotaObject> {
  const { object } = await server
    .registry(quotaType)
    .guaranteedUpdate(quota.metadata.namespace, quota.metadata.name as string, {
      subresource: "status",
      expectedResourceVersion: quota.metadata.resourceVersion,
      mutate: (current) => ({ ...current, status }),
    });
  return object as ResourceQuotaObject;
}
// #endregion sync

/** A namespace's quotas, read fresh (a list not older than the store's latest revision). */
export async function quotasIn(
  server: ApiServer,
  namespace: string,
): Promise<ResourceQuotaObject[]> {
  return (await server.registry(quotaType).list(namespace)).items as ResourceQuotaObject[];
}

/** The objects an evaluator measures in a namespace; none for a resource this server lacks. */
async function objectsOf(
  server: ApiServer,
  evaluator: QuotaEvaluator,
  namespace: string,
): Promise<KubeObject[]> {
  const type = server.scheme
    .all()
    .find((t) => t.group === evaluator.group && t.resource === evaluator.resource && !t.virtual);
  if (!type) return [];
  return (await server.registry(type).list(namespace)).items;
}

// #region namespace-lock
const locks = new WeakMap<ApiServer, Map<string, Promise<void>>>();

/**
 * Runs `fn` when every earlier holder of this namespace's lock (in this server) is done: quota
 * charges and recalculations of one namespace happen one at a time, first come first served.
 */
export async function withNamespaceLock<T>(
  server: ApiServer,
  namespace: string,
  fn: () => Promise<T>,
): Promise<T> {
  let byNamespace = locks.get(server);
  if (!byNamespace) {
    byNamespace = new Map();
    locks.set(server, byNamespace);
  }
  const previous = byNamespace.get(namespace) ?? Promise.resolve();
  let release = () => {};
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => mine);
  byNamespace.set(namespace, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (byNamespace.get(namespace) === tail) byNamespace.delete(namespace);
  }
}
// #endregion namespace-lock
