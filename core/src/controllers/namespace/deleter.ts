/**
 * Empties a terminating namespace and then releases it — Kubernetes'
 * pkg/controller/namespace/deletion/namespaced_resources_deleter.go.
 *
 * A deleted namespace is only marked (deletionTimestamp, phase Terminating): the API server keeps
 * it while its spec.finalizers holds "kubernetes". This deleter removes every namespaced object
 * of every kind discovery reports, reports progress as status conditions, and when nothing is
 * left takes "kubernetes" out through the namespaces/finalize subresource; the API server then
 * deletes the namespace itself.
 *
 * Guarantees:
 * - The namespace is read live first: the cached copy may be stale, and several controllers may
 *   edit a namespace while it terminates.
 * - Every delete asks for propagationPolicy Background, so no orphan finalizer holds anything
 *   up; the deleter itself makes sure nothing is left.
 * - "kubernetes" is removed only after a list of every resource came back empty.
 * - Content still terminating (pods in their grace period, objects held by finalizers) ends the
 *   pass with ResourcesRemainingError, whose estimate tells the controller when to look again.
 */
import type { KubeObject } from "../../api/object.ts";
import type { ResourceType } from "../../api/scheme.ts";
import type { Condition, Namespace, Pod } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import {
  isConflict,
  isNotFound,
  type ResourceClient,
  type RestClient,
  reasonOf,
} from "../../client/rest.ts";
import type { Clock } from "../../util/clock.ts";
import { messageOf } from "../../util/errors.ts";
import { NamespaceConditionUpdater } from "./conditions.ts";
import { type Discovered, discoverNamespacedResources } from "./discovery.ts";
import { estimateForPods, FINALIZER_ESTIMATE_SECONDS } from "./estimate.ts";

/** The finalizer the API server puts on every namespace, and that this controller owns. */
export const KUBERNETES_FINALIZER = "kubernetes";

/** Content remains that should go by itself; look again in about `estimate` seconds. */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimate: number) {
    super(
      `some content remains in the namespace, estimate ${estimate} seconds before it is removed`,
    );
  }
}

/** What deleting one resource's content left behind (gvrDeletionMetadata). */
interface ResourceDeletion {
  /** Seconds to wait; 0 means no estimate was made, not that nothing remains. */
  estimate: number;
  remaining: number;
  remainingByFinalizer: Map<string, number>;
  error?: Error;
}

export class NamespacedResourcesDeleter {
  private readonly namespaces: ResourceClient<Namespace>;

  constructor(
    private readonly client: RestClient,
    private readonly clock: Clock,
    private readonly log: (line: string) => void = () => {},
    private readonly finalizerToken = KUBERNETES_FINALIZER,
  ) {
    this.namespaces = client.resource<Namespace>(builtinType("namespaces"));
  }

  // #region delete
  /**
   * 1. Read the namespace live; gone, or not being deleted: nothing to do.
   * 2. Make sure its phase says Terminating.
   * 3. Already finalized (no spec.finalizers left): the API server finishes on its own.
   * 4. Delete all its content; if some is still going away, throw ResourcesRemainingError.
   * 5. Remove "kubernetes" from spec.finalizers (namespaces/finalize).
   */
  async delete(name: string): Promise<void> {
    let namespace: Namespace;
    try {
      namespace = await this.namespaces.get(name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (!namespace.metadata.deletionTimestamp) return;
    try {
      namespace = await this.retryOnConflict(namespace, (ns) => this.markTerminating(ns));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (!namespace.metadata.deletionTimestamp) return;
    if ((namespace.spec?.finalizers ?? []).length === 0) return;

    const estimate = await this.deleteAllContent(namespace);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);

    try {
      await this.retryOnConflict(namespace, (ns) => this.finalize(ns));
    } catch (error) {
      // Another controller sharing the finalizer token may have finished the job.
      if (!isNotFound(error)) throw error;
    }
  }
  // #endregion delete

  // #region deleteAllContent
  /**
   * One pass over every deletable namespaced resource discovery reports. Failures of one
   * resource do not stop the others; they are collected, reported in the status conditions, and
   * thrown together at the end. Returns the longest wait any resource asked for.
   */
  private async deleteAllContent(namespace: Namespace): Promise<number> {
    const name = namespace.metadata.name as string;
    const deletedAt = Date.parse(namespace.metadata.deletionTimestamp as string);
    const conditions = new NamespaceConditionUpdater(() => timestamp(this.clock.now()));
    const errors: Error[] = [];
    let discovered: Discovered;
    try {
      discovered = await discoverNamespacedResources(this.client);
    } catch (error) {
      discovered = { resources: [], error: error as Error };
    }
    if (discovered.error) {
      // Not fatal: the resources that were discovered are still emptied.
      errors.push(discovered.error);
      conditions.processDiscoverResourcesErr(discovered.error);
    }
    const remainingByResource = new Map<string, number>();
    const remainingByFinalizer = new Map<string, number>();
    let estimate = 0;
    for (const type of discovered.resources.filter((t) => t.verbs.includes("delete"))) {
      const result = await this.deleteAllContentForResource(type, name, deletedAt);
      if (result.error) {
        errors.push(result.error);
        conditions.processDeleteContentErr(result.error);
      }
      estimate = Math.max(estimate, result.estimate);
      if (result.remaining > 0) {
        remainingByResource.set(`${type.resource}.${type.group}`, result.remaining);
        for (const [finalizer, n] of result.remainingByFinalizer) {
          remainingByFinalizer.set(finalizer, (remainingByFinalizer.get(finalizer) ?? 0) + n);
        }
      }
    }
    conditions.processContentTotals({ remainingByResource, remainingByFinalizer });
    // Always written when changed: a condition that was failing must be seen to clear.
    const updated = structuredClone(namespace);
    updated.status = { ...updated.status, conditions: [...(updated.status?.conditions ?? [])] };
    if (conditions.update(updated.status.conditions as Condition[])) {
      try {
        await this.namespaces.updateStatus(updated);
      } catch (error) {
        // Kubernetes only logs this: the next pass computes and writes the conditions again.
        this.log(
          `[namespace-controller] couldn't update status condition for namespace "${name}": ${messageOf(error)}`,
        );
      }
    }
    if (errors.length > 0) throw aggregate(errors);
    return estimate;
  }
  // #endregion deleteAllContent

  // #region deleteAllContentForResource
  /**
   * 1. Estimate how long its objects may take to go (pods: their grace periods).
   * 2. Delete the whole collection, or each object if deletecollection is not served.
   * 3. List again: empty is done; objects held by finalizers are given 15 s; objects still
   *    within their estimate are waited for; anything else is an error.
   */
  private async deleteAllContentForResource(
    type: ResourceType,
    namespace: string,
    deletedAt: number,
  ): Promise<ResourceDeletion> {
    const client = this.client.resource(type, namespace);
    const result: ResourceDeletion = { estimate: 0, remaining: 0, remainingByFinalizer: new Map() };
    try {
      result.estimate = await this.estimateGracefulTermination(type, namespace, deletedAt);
      if (!(await this.deleteCollection(type, client))) await this.deleteEachItem(type, client);
      const items = await this.listCollection(type, client);
      // Not listable: there is nothing to check, so the estimate stands.
      if (items === undefined) return result;
      if (items.length === 0) return { ...result, estimate: 0 };
      result.remaining = items.length;
      for (const item of items) {
        for (const finalizer of item.metadata.finalizers ?? []) {
          result.remainingByFinalizer.set(
            finalizer,
            (result.remainingByFinalizer.get(finalizer) ?? 0) + 1,
          );
        }
      }
      if (result.estimate !== 0) return result;
      if (result.remainingByFinalizer.size > 0)
        return { ...result, estimate: FINALIZER_ESTIMATE_SECONDS };
      // Nothing reported a finalizer and nothing should still be terminating, yet it is there.
      return {
        ...result,
        remainingByFinalizer: new Map(),
        error: new Error(
          `unexpected items still remain in namespace: ${namespace} for gvr: ${gvrString(type)}`,
        ),
      };
    } catch (error) {
      return { ...result, remaining: 0, error: error as Error };
    }
  }
  // #endregion deleteAllContentForResource

  /** Pods get their grace period; everything else goes at once (estimateGracefulTermination). */
  private async estimateGracefulTermination(
    type: ResourceType,
    namespace: string,
    deletedAt: number,
  ): Promise<number> {
    if (type.group !== "" || type.resource !== "pods") return 0;
    const pods = await this.client.resource<Pod>(type, namespace).list();
    return estimateForPods(pods.items, deletedAt, this.clock.now());
  }

  /** false if the server does not serve deletecollection for the resource. */
  private async deleteCollection(type: ResourceType, client: ResourceClient): Promise<boolean> {
    if (!type.verbs.includes("deletecollection")) return false;
    try {
      await this.client.request("DELETE", client.path(), { body: backgroundDelete() });
      return true;
    } catch (error) {
      // A resource discovery lists may still refuse the verb (Kubernetes issue #22413).
      if (isMethodNotSupported(error) || isNotFound(error)) return false;
      throw error;
    }
  }

  private async deleteEachItem(type: ResourceType, client: ResourceClient): Promise<void> {
    const items = await this.listCollection(type, client);
    for (const item of items ?? []) {
      try {
        await client.delete(item.metadata.name as string, { propagationPolicy: "Background" });
      } catch (error) {
        // Gone already, or not deletable after all: neither stops the pass.
        if (!isNotFound(error) && !isMethodNotSupported(error)) throw error;
      }
    }
  }

  /** The resource's objects in the namespace, or undefined if the server does not list it. */
  private async listCollection(
    type: ResourceType,
    client: ResourceClient,
  ): Promise<KubeObject[] | undefined> {
    if (!type.verbs.includes("list")) return undefined;
    try {
      return (await client.list()).items;
    } catch (error) {
      if (isMethodNotSupported(error) || isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async markTerminating(namespace: Namespace): Promise<Namespace> {
    if (!namespace.metadata.deletionTimestamp || namespace.status?.phase === "Terminating")
      return namespace;
    return this.namespaces.updateStatus({
      ...namespace,
      status: { ...namespace.status, phase: "Terminating" },
    });
  }

  // #region finalize
  /** PUT namespaces/<name>/finalize with spec.finalizers minus ours (sorted, as Kubernetes' set). */
  private async finalize(namespace: Namespace): Promise<Namespace> {
    const finalizers = [...new Set(namespace.spec?.finalizers ?? [])]
      .filter((f) => f !== this.finalizerToken)
      .sort();
    const body: Namespace = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: namespace.metadata,
      spec: { ...namespace.spec, finalizers },
    };
    return this.client.request<Namespace>(
      "PUT",
      this.namespaces.path(namespace.metadata.name, "finalize"),
      { body },
    );
  }
  // #endregion finalize

  /** Runs `write`; on a conflict reads the namespace again and retries, unless its UID changed. */
  private async retryOnConflict(
    namespace: Namespace,
    write: (ns: Namespace) => Promise<Namespace>,
  ): Promise<Namespace> {
    let latest = namespace;
    for (;;) {
      try {
        return await write(latest);
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
      const previous = latest;
      latest = await this.namespaces.get(previous.metadata.name as string);
      if (latest.metadata.uid !== previous.metadata.uid)
        throw new Error("namespace uid has changed across retries");
    }
  }
}

function backgroundDelete() {
  return { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" };
}

const isMethodNotSupported = (error: unknown) => reasonOf(error) === "MethodNotAllowed";

/** How Go prints a GroupVersionResource: "/v1, Resource=configmaps", "apps/v1, Resource=deployments". */
function gvrString(type: ResourceType): string {
  return `${type.group}/${type.version}, Resource=${type.resource}`;
}

/** utilerrors.NewAggregate: one error as it is, several as "[a, b]". */
function aggregate(errors: Error[]): Error {
  if (errors.length === 1) return errors[0] as Error;
  return new Error(`[${errors.map((e) => e.message).join(", ")}]`, { cause: errors });
}

/** metav1.Time: RFC 3339 to the second. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
